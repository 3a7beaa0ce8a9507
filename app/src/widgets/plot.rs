//! Charts drawn by plotters into SVG strings.
//!
//! Axes and labels are drawn in black and then handed to CSS as `currentColor`, so the same SVG
//! reads in the light and the dark theme; series use mid-tone colours that show on both.
//!
//! A chart's markup is its SVG drawing followed by the numbers it draws, as an HTML table (see
//! [`DataTable`]): [`super::chart::Chart`] shows the drawing to the eye and the table to screen
//! readers, so every chart states its numbers, not only what it is about.

use crate::calc::expr::true_minus;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The series colours, in order: purple, teal, orange, red, blue, grey.
pub const SERIES: [RGBColor; 6] = [
    RGBColor(123, 92, 255),
    RGBColor(20, 168, 143),
    RGBColor(224, 123, 0),
    RGBColor(216, 69, 59),
    RGBColor(52, 130, 220),
    RGBColor(128, 128, 128),
];

/// Replaces the black "ink" with `currentColor`, so the chart takes the page's text colour.
pub fn themed(svg: String) -> String {
    svg.replace("#000000", "currentColor")
}

/// The SVG shown in place of a chart that failed to draw.
pub fn failed(e: impl std::fmt::Display) -> String {
    let msg = escape(&e.to_string());
    format!("<svg viewBox=\"0 0 400 40\"><text x=\"4\" y=\"24\">Chart failed: {msg}</text></svg>")
}

/// The numbers behind a chart as an HTML table, for readers who cannot see the drawing. Every
/// text is escaped: labels may hold the reader's words.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DataTable {
    pub caption: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl DataTable {
    /// The table's markup, `<table class="chart-data">…</table>`.
    pub fn html(&self) -> String {
        let cells = |tag: &str, row: &[String]| -> String {
            row.iter().map(|c| format!("<{tag}>{}</{tag}>", escape(c))).collect()
        };
        let body: String =
            self.rows.iter().map(|r| format!("<tr>{}</tr>", cells("td", r))).collect();
        format!(
            "<table class=\"chart-data\"><caption>{}</caption><thead><tr>{}</tr></thead><tbody>{body}</tbody></table>",
            escape(&self.caption),
            cells("th", &self.head),
        )
    }
}

/// Text made safe to place in HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A number as a table states it: whole numbers with thousands separated, others to four
/// significant digits, scientific notation only beyond what that can write.
pub fn readable(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "not a number".into()
        } else if v > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    let a = v.abs();
    if v.fract() == 0.0 && a < 1e15 {
        return crate::calc::expr::group_thousands(v as i128);
    }
    if !(1e-4..1e15).contains(&a) {
        return crate::calc::expr::power_of_ten(v, 3);
    }
    let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{a:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let whole = crate::calc::expr::group_thousands(whole.parse::<i128>().unwrap_or(0));
    let sign = if v < 0.0 { "−" } else { "" };
    if frac.is_empty() { format!("{sign}{whole}") } else { format!("{sign}{whole}.{frac}") }
}

/// At most `k` indices spread evenly over `0..n`, the first and the last included.
pub fn spread(n: usize, k: usize) -> Vec<usize> {
    if n <= k {
        return (0..n).collect();
    }
    let mut v: Vec<usize> = (0..k).map(|i| (i * (n - 1) + (k - 1) / 2) / (k - 1)).collect();
    v.dedup();
    v
}

/// Units across a chart drawn for a phone: its 13- and 14-unit labels then draw at 10.5 px and
/// more in a panel's 230-px column at 360 px, where a 640-unit chart scaled down draws them at 5.
pub const NARROW_WIDTH: u32 = 280;

/// The size a chart is drawn at: its own, or on a narrow screen [`NARROW_WIDTH`] across at the
/// same height.
pub fn fitted((w, h): (u32, u32)) -> (u32, u32) {
    if super::screen::narrow() && w > NARROW_WIDTH { (NARROW_WIDTH, h) } else { (w, h) }
}

/// Points per series a chart's table lists (evenly spread over a longer series).
pub const TABLE_POINTS: usize = 12;

/// A number in few characters: 2048 → "2K", 1048576 → "1M", 0.001 → "0.001".
pub fn compact(v: f64) -> String {
    let a = v.abs();
    let (scaled, unit) = if a >= 1e12 {
        (v / 1e12, "T")
    } else if a >= 1e9 {
        (v / 1e9, "B")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e3 {
        (v / 1e3, "K")
    } else {
        (v, "")
    };
    let s = if scaled.fract().abs() < 1e-9 || scaled.abs() >= 100.0 {
        format!("{scaled:.0}")
    } else if scaled.abs() >= 1.0 {
        format!("{scaled:.1}")
    } else {
        // 0.9999 prints as "1.000": trim the zeros, then a dot left bare ("1.").
        format!("{scaled:.3}").trim_end_matches('0').trim_end_matches('.').to_owned()
    };
    format!("{s}{unit}")
}

/// One axis.
#[derive(Clone, Copy, Debug)]
pub struct Axis {
    pub min: f64,
    pub max: f64,
    /// Logarithmic scale.
    pub log: bool,
    /// How tick labels are printed.
    pub format: fn(f64) -> String,
}

impl Axis {
    /// A linear axis with compact labels.
    pub fn linear(min: f64, max: f64) -> Axis {
        Axis { min, max, log: false, format: compact }
    }

    /// A logarithmic axis with compact labels.
    pub fn log(min: f64, max: f64) -> Axis {
        Axis { min, max, log: true, format: compact }
    }
}

/// One line of a [`LineChart`].
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The name in the legend.
    pub label: String,
    /// `(x, y)` points in order.
    pub points: Vec<(f64, f64)>,
    /// Index into [`SERIES`].
    pub color: usize,
    /// Dots at each point as well as the line.
    pub markers: bool,
}

impl Series {
    /// A level drawn across the chart from `x0` to `x1` at `y`, without markers (a baseline to
    /// compare a curve with: guessing uniformly, the teacher's own loss).
    pub fn level(label: impl Into<String>, y: f64, (x0, x1): (f64, f64), color: usize) -> Self {
        Series { label: label.into(), points: vec![(x0, y), (x1, y)], color, markers: false }
    }
}

/// Points drawn as dots only, each with its own label beside it (for a handful of named points,
/// such as published models, where a line through them would mean nothing).
#[derive(Clone, Debug, PartialEq)]
pub struct Dots {
    /// The name in the legend.
    pub label: String,
    /// `(x, y, name)`: each point and the name written beside it.
    pub points: Vec<(f64, f64, String)>,
    /// Index into [`SERIES`].
    pub color: usize,
}

/// Whether a logarithmic axis names its grid line at `v`: only at 1, 2 and 5 × 10ⁿ. The lines in
/// between stay, unnamed: "500K 600K 700K 800K 900K" overprinted each other near a decade's end.
fn log_label(v: f64) -> bool {
    if !(v.is_finite() && v > 0.0) {
        return false;
    }
    let leading = v / 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0].iter().any(|d| (leading - d).abs() < 1e-6 * d)
}

/// Drawing units a tick label such as "100M" needs along an axis, its gap included.
const LOG_LABEL_UNITS: f64 = 48.0;

/// Whether a logarithmic axis whose decades are `per_decade` units long, and whose names each
/// need `per_name` units along it ([`LOG_LABEL_UNITS`] across, [`Y_LABEL_UNITS`] up), names `v`: every whole
/// multiple of 10ⁿ where even 9 to 10, the closest pair, is a name apart (an axis of less than a
/// decade: our sweep's 0.5M to 2M tokens showed only "1M" and "2M"); 1, 2, 3 and 5 × 10ⁿ where 2
/// to 3 is; 1, 2 and 5 × 10ⁿ ([`log_label`]) where a decade has room for three names; 1 and
/// 3 × 10ⁿ where it has room for two (a phone's 30K to 1M parameters named only "100K"); else
/// only powers of ten, every k-th one where a decade is shorter than a name ("10M100M1B" ran
/// together on a phone).
fn log_named(v: f64, per_decade: f64, per_name: f64) -> bool {
    if !(v.is_finite() && v > 0.0) {
        return false;
    }
    let leading = v / 10f64.powf(v.log10().floor());
    let among = |ds: &[f64]| ds.iter().any(|d| (leading - d).abs() < 1e-6 * d);
    // Whether names `ratio` apart along the axis are a name's width apart.
    let room = |ratio: f64| per_decade * ratio.log10() >= per_name;
    if room(10.0 / 9.0) && (leading - leading.round()).abs() < 1e-6 * leading {
        return true;
    }
    if room(1.5) {
        return among(&[1.0, 2.0, 3.0, 5.0, 10.0]);
    }
    if per_decade >= 3.0 * per_name {
        return log_label(v);
    }
    if room(3.0) {
        return among(&[1.0, 3.0, 10.0]);
    }
    let power = v.log10().round();
    if (v / 10f64.powf(power) - 1.0).abs() > 1e-6 {
        return false;
    }
    let every = (per_name / per_decade.max(1.0)).ceil().max(1.0) as i64;
    (power as i64).rem_euclid(every) == 0
}

/// The grid lines of a logarithmic axis from `min` to `max`: every whole multiple of 10ⁿ over
/// less than five decades (of which [`named_grid`] keeps those named: over two decades, a
/// compute axis named only 1T and 10T), powers of ten (at most about ten) over more. Plotters'
/// own start at the first power of ten, so an axis from 300K to 2.3M had none below 1M.
fn log_grid(min: f64, max: f64) -> Vec<f64> {
    if !(min > 0.0 && max > min && max.is_finite()) {
        return Vec::new();
    }
    let (first, last) = (min.log10().floor() as i32, max.log10().ceil() as i32);
    let inside = |v: &f64| *v >= min * (1.0 - 1e-9) && *v <= max * (1.0 + 1e-9);
    if (max / min).log10() < 5.0 {
        (first..=last)
            .flat_map(|p| (1..=9).map(move |m| f64::from(m) * 10f64.powi(p)))
            .filter(inside)
            .collect()
    } else {
        let every = ((last - first) as f64 / 10.0).ceil().max(1.0) as usize;
        (first..=last).step_by(every).map(|p| 10f64.powi(p)).filter(inside).collect()
    }
}

/// The lines of [`log_grid`] that the axis names ([`log_named`]); all of them where it would
/// name none.
fn named_grid(a: Axis, per_decade: f64, per_name: f64) -> Vec<f64> {
    let grid = log_grid(a.min, a.max);
    let named: Vec<f64> =
        grid.iter().copied().filter(|&v| log_named(v, per_decade, per_name)).collect();
    if named.is_empty() { grid } else { named }
}

/// A line chart's frame in drawing units: the margin round it and the areas its axes' labels
/// take; the plotting area is what is left.
const MARGIN: u32 = 14;
const X_LABEL_AREA: u32 = 44;
const Y_LABEL_AREA: u32 = 64;

/// The y axis's label area in drawing units. A desktop chart has its numbers and its name turned
/// up the side; a phone chart only its numbers (about 8 units a character, a tick and a gap), its
/// name going above the drawing as a line of text ([`LineChart::svg_with`]): turned up the side,
/// name and numbers took 64 of a phone chart's 280 units.
fn y_label_area(axis: &Axis, phone: bool) -> u32 {
    if !phone {
        return Y_LABEL_AREA;
    }
    let chars = sample_labels(axis).iter().map(|l| l.chars().count()).max().unwrap_or(0);
    chars.max(3) as u32 * 8 + 14
}

/// An axis's labels at its two ends and its middle: what its tick labels look like.
fn sample_labels(axis: &Axis) -> [String; 3] {
    [axis.min, (axis.min + axis.max) / 2.0, axis.max].map(axis.format)
}

/// Drawing units a linear axis's tick label needs along the x axis, its gap included: about 8 units
/// a character of the 14-unit labels, and 10 between two ("150" 34, "0.25" 42, "32" 26).
fn label_units(axis: &Axis) -> f64 {
    let chars = sample_labels(axis).iter().map(|l| l.chars().count()).max().unwrap_or(1).max(1);
    name_units(chars)
}

/// Drawing units a tick label of `chars` characters needs along an x axis, its gap included.
fn name_units(chars: usize) -> f64 {
    chars as f64 * 8.0 + 10.0
}

/// Drawing units a tick label needs up a y axis: its 14-unit line and as much again between two.
const Y_LABEL_UNITS: f64 = 30.0;

/// How many names a linear axis `units` long can carry, each `per_name` units: plotters' default
/// ten on a desktop chart, fewer on a phone, where "0 20 40 … 200" ran together
/// ("100120140160180200") in 188 units, and up a short chart, where ten names stood a line apart.
fn linear_names(units: f64, per_name: f64) -> usize {
    (units / per_name).floor().clamp(2.0, 10.0) as usize
}

/// A line chart on linear or logarithmic axes.
#[derive(Clone, Debug)]
pub struct LineChart {
    pub x: Axis,
    pub y: Axis,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// Pixel size of the drawing (it scales to the page width).
    pub size: (u32, u32),
}

impl LineChart {
    /// Draws the chart and its [`DataTable`]; on a drawing error the SVG says so instead.
    pub fn svg(&self) -> String {
        self.svg_with(&[])
    }

    /// Draws the chart with named dots on top of its lines, its legend under the drawing (never
    /// over the data) when it has more than one thing to name, and its [`DataTable`].
    pub fn svg_with(&self, dots: &[Dots]) -> String {
        format!(
            "{}{}{}{}",
            self.y_title(super::screen::narrow()),
            self.drawing(dots),
            self.legend(dots),
            self.table(dots).html()
        )
    }

    /// On a phone, the y axis's name as a line above the drawing (see [`y_label_area`]).
    fn y_title(&self, phone: bool) -> String {
        if phone && !self.y_label.is_empty() {
            format!("<p class=\"chart-y-title\">{}</p>", escape(&self.y_label))
        } else {
            String::new()
        }
    }

    /// The legend as HTML: a swatch per line (a stroke) and per set of dots (a disc), in the
    /// colours the drawing uses, with the names escaped (they may hold the reader's words) and
    /// their `_{…}`/`^{…}` notation set as sub- and superscripts (`math::pieces`). The
    /// screen reader gets the names from the data table instead.
    pub fn legend(&self, dots: &[Dots]) -> String {
        if self.series.len() + dots.len() < 2 {
            return String::new();
        }
        let item = |kind: &str, color: usize, label: &str| {
            let RGBColor(r, g, b) = SERIES[color % SERIES.len()];
            format!(
                "<li><span class=\"swatch {kind}\" style=\"--c: rgb({r} {g} {b})\"></span><span>{}</span></li>",
                super::math::notation_html(label)
            )
        };
        let lines = self
            .series
            .iter()
            .map(|s| item(if s.markers { "line marked" } else { "line" }, s.color, &s.label));
        // A set of unnamed dots is drawn as rings (see `draw`), and named the same way here.
        let discs = dots.iter().map(|d| {
            let rings = d.points.iter().all(|p| p.2.is_empty());
            item(if rings { "dot ring" } else { "dot" }, d.color, &d.label)
        });
        format!(
            "<ul class=\"chart-legend\" aria-hidden=\"true\">{}</ul>",
            lines.chain(discs).collect::<String>()
        )
    }

    /// The numbers the chart draws: each series' points (at most [`TABLE_POINTS`], spread evenly
    /// along a longer one) and each named dot.
    pub fn table(&self, dots: &[Dots]) -> DataTable {
        let mut rows = Vec::new();
        for s in &self.series {
            for i in spread(s.points.len(), TABLE_POINTS) {
                let (x, y) = s.points[i];
                rows.push(vec![super::math::notation_plain(&s.label), readable(x), readable(y)]);
            }
        }
        for d in dots {
            for (x, y, name) in &d.points {
                rows.push(vec![format!("{}: {name}", d.label), readable(*x), readable(*y)]);
            }
        }
        let longest = self.series.iter().map(|s| s.points.len()).max().unwrap_or(0);
        let caption = if longest > TABLE_POINTS {
            format!("The chart's numbers ({TABLE_POINTS} points spread along each longer line)")
        } else {
            "The chart's numbers".to_owned()
        };
        DataTable {
            caption,
            head: vec!["line".into(), self.x_label.clone(), self.y_label.clone()],
            rows,
        }
    }

    /// The plotting area's width and height in drawing units: the drawing less its margins and
    /// its axes' label areas.
    fn plot_area(&self, phone: bool) -> (f64, f64) {
        let (w, h) = fitted(self.size);
        (
            f64::from(w.saturating_sub(y_label_area(&self.y, phone) + 2 * MARGIN)),
            f64::from(h.saturating_sub(X_LABEL_AREA + 2 * MARGIN)),
        )
    }

    fn drawing(&self, dots: &[Dots]) -> String {
        let (x, y) = (self.x, self.y);
        let (plot_w, plot_h) = self.plot_area(super::screen::narrow());
        // A log axis draws a grid line, a tick and a name only where it names one
        // ([`named_grid`]): unnamed lines between read as numbers missing.
        let log = |a: Axis, units: f64, per_name: f64| {
            let per_decade = units / (a.max / a.min).log10().max(1e-9);
            (a.min..a.max).log_scale().with_key_points(named_grid(a, per_decade, per_name))
        };
        let lx = || log(x, plot_w, LOG_LABEL_UNITS);
        let ly = || log(y, plot_h, Y_LABEL_UNITS);
        let r = match (x.log, y.log) {
            (false, false) => self.draw(x.min..x.max, y.min..y.max, dots),
            (true, false) => self.draw(lx(), y.min..y.max, dots),
            (false, true) => self.draw(x.min..x.max, ly(), dots),
            (true, true) => self.draw(lx(), ly(), dots),
        };
        r.map(themed).unwrap_or_else(failed)
    }

    fn draw<X, Y>(&self, xr: X, yr: Y, dots: &[Dots]) -> Result<String, String>
    where
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let mut out = String::new();
        let phone = super::screen::narrow();
        let y_area = y_label_area(&self.y, phone);
        {
            let root = SVGBackend::with_string(&mut out, fitted(self.size)).into_drawing_area();
            let mut chart = ChartBuilder::on(&root)
                .margin(MARGIN)
                .x_label_area_size(X_LABEL_AREA)
                .y_label_area_size(y_area)
                .build_cartesian_2d(xr, yr)
                .map_err(|e| e.to_string())?;
            let (fx, fy) = (self.x.format, self.y.format);
            let (plot_w, plot_h) = self.plot_area(phone);
            // A log axis names every line of its grid ([`named_grid`]).
            let x_names = if self.x.log { 10 } else { linear_names(plot_w, label_units(&self.x)) };
            let y_names = if self.y.log { 10 } else { linear_names(plot_h, Y_LABEL_UNITS) };
            // An axis that names nothing (an illustration's "skill →") draws no tick marks and
            // no grid lines: marks and lines with no numbers read as numbers missing.
            let named = |a: &Axis| sample_labels(a).iter().any(|l| !l.is_empty());
            let mut mesh = chart.configure_mesh();
            if !named(&self.x) {
                mesh.set_tick_mark_size(LabelAreaPosition::Bottom, 0);
                mesh.disable_x_mesh();
            }
            if !named(&self.y) {
                mesh.set_tick_mark_size(LabelAreaPosition::Left, 0);
                mesh.disable_y_mesh();
            }
            mesh.x_labels(x_names)
                .y_labels(y_names)
                .x_desc(self.x_label.as_str())
                .y_desc(if phone { "" } else { self.y_label.as_str() })
                .x_label_formatter(&|v| true_minus(&fx(*v)))
                .y_label_formatter(&|v| true_minus(&fy(*v)))
                .label_style(("sans-serif", 14).into_font().color(&BLACK))
                .axis_desc_style(("sans-serif", 15).into_font().color(&BLACK))
                .axis_style(BLACK.mix(0.6))
                .bold_line_style(BLACK.mix(0.12))
                .light_line_style(BLACK.mix(0.0))
                .draw()
                .map_err(|e| e.to_string())?;
            // Marked lines first and wider, so a line that runs along another (the sweep's d96-l4
            // and d128-l4) leaves both colours in view; of two compared (mmoe's tasks,
            // distillation's students) the first is wider still, a border round the second.
            let (marked, plain): (Vec<&Series>, Vec<&Series>) =
                self.series.iter().partition(|s| s.markers);
            let pair = marked.len() == 2 && self.series.len() == 2;
            let widest = |k: usize| if k == 0 && pair { (7, 5) } else { (5, 4) };
            let marked_widths = marked.iter().enumerate().map(|(k, s)| (*s, widest(k).0));
            for (s, width) in marked_widths.chain(plain.iter().map(|s| (*s, 3))) {
                let color = SERIES[s.color % SERIES.len()];
                chart
                    .draw_series(LineSeries::new(
                        s.points.iter().copied(),
                        color.stroke_width(width),
                    ))
                    .map_err(|e| e.to_string())?;
            }
            // Dots over every line (of a pair, the first's larger): a marked line that runs under
            // another stays visible.
            for (k, s) in marked.iter().enumerate() {
                let (color, radius) = (SERIES[s.color % SERIES.len()], widest(k).1);
                chart
                    .draw_series(s.points.iter().map(|&p| Circle::new(p, radius, color.filled())))
                    .map_err(|e| e.to_string())?;
            }
            // Each dot's name is placed beside it where it neither leaves the plotting area nor
            // covers another name, dot or line (first fit among six places, see `place_label`):
            // a line counts as dots every few pixels along it, so the name of a curve's last
            // point (training's record) sits off the curve rather than on it.
            let area = chart.plotting_area().get_pixel_range();
            let named: Vec<(usize, (i32, i32), &str)> = dots
                .iter()
                .enumerate()
                .flat_map(|(i, d)| d.points.iter().map(move |p| (i, p)))
                .map(|(i, (x, y, name))| (i, chart.backend_coord(&(*x, *y)), name.as_str()))
                .collect();
            let centres: Vec<(i32, i32)> = named.iter().map(|n| n.1).collect();
            let lines: Vec<Vec<(i32, i32)>> = self
                .series
                .iter()
                .map(|s| s.points.iter().map(|p| chart.backend_coord(p)).collect())
                .collect();
            let obstacles: Vec<(i32, i32)> =
                centres.iter().copied().chain(lines.iter().flat_map(|l| along(l, 4))).collect();
            let mut taken: Vec<Rect> = Vec::new();
            for (i, at, name) in named {
                let color = SERIES[dots[i].color % SERIES.len()];
                if name.is_empty() {
                    // A ring, not a disc: unnamed dots close together (the sweep's five runs on
                    // a phone) stay apart as interlocking rings where discs merged into a blob.
                    root.draw(&Circle::new(at, 4, color.stroke_width(2)))
                        .map_err(|e| e.to_string())?;
                    continue;
                }
                let (rect, (dx, dy), anchor) = place_label(at, name, &area, &taken, &obstacles);
                taken.push(rect);
                if let Some(corner) = leader_end(at, (dx, dy)) {
                    root.draw(&PathElement::new(vec![at, corner], color.stroke_width(1)))
                        .map_err(|e| e.to_string())?;
                }
                root.draw(&Circle::new(at, 5, color.filled())).map_err(|e| e.to_string())?;
                let font = ("sans-serif", 13).into_font().color(&BLACK);
                root.draw(&Text::new(
                    name.to_owned(),
                    (at.0 + dx, at.1 + dy),
                    font.pos(Pos::new(anchor, VPos::Center)),
                ))
                .map_err(|e| e.to_string())?;
            }
            root.present().map_err(|e| e.to_string())?;
        }
        Ok(out)
    }
}

/// Points along a polyline in pixels, about `step` pixels apart, its corners included.
fn along(line: &[(i32, i32)], step: i32) -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = line.first().copied().into_iter().collect();
    for w in line.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        let n = ((x1 - x0).abs().max((y1 - y0).abs()) / step.max(1)).max(1);
        out.extend((1..=n).map(|i| (x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n)));
    }
    out
}

/// Where the leader line from a dot at `at` ends, for a name placed at offset `(dx, dy)` by
/// [`place_label`]: the name's near corner when it stands above or below the dot, none when it
/// stands beside it. On a phone, Llama 3 8B's and 70B's names sat nearer each other's dots than
/// their own.
pub fn leader_end(at: (i32, i32), (dx, dy): (i32, i32)) -> Option<(i32, i32)> {
    (dy != 0).then(|| (at.0 + dx, at.1 + dy - dy.signum() * 7))
}

/// A label's box in pixels: left, top, right, bottom.
pub type Rect = (i32, i32, i32, i32);

/// Where the name of the dot at `at` goes: the first of six places beside it (right, left, then
/// above and below on either side), else of four a line further up or down, whose box stays
/// inside `area` and overlaps neither a name already placed nor another dot; the first of the
/// six inside the area that covers the fewest other names and dots if none is free. Returns the
/// box, the text's offset from the dot and its horizontal anchor. A 13-px sans-serif letter is
/// taken as 7.5 px wide on average.
pub fn place_label(
    at: (i32, i32),
    name: &str,
    area: &(std::ops::Range<i32>, std::ops::Range<i32>),
    taken: &[Rect],
    dots: &[(i32, i32)],
) -> (Rect, (i32, i32), HPos) {
    let w = (name.chars().count() as f64 * 7.5).ceil() as i32;
    let h = 16;
    let (x, y) = at;
    let places = [
        ((9, 0), HPos::Left),
        ((-9, 0), HPos::Right),
        ((4, -18), HPos::Left),
        ((4, 18), HPos::Left),
        ((-4, -18), HPos::Right),
        ((-4, 18), HPos::Right),
        // A crowded spot: a line further up or down, rather than over another name.
        ((4, -36), HPos::Left),
        ((4, 36), HPos::Left),
        ((-4, -36), HPos::Right),
        ((-4, 36), HPos::Right),
    ];
    let rect = |(dx, dy): (i32, i32), anchor: HPos| -> Rect {
        let left = if matches!(anchor, HPos::Right) { x + dx - w } else { x + dx };
        (left, y + dy - h / 2, left + w, y + dy + h / 2)
    };
    let inside = |r: &Rect| {
        r.0 >= area.0.start && r.2 <= area.0.end + 8 && r.1 >= area.1.start - 8 && r.3 <= area.1.end
    };
    let overlaps = |a: &Rect, b: &Rect| a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3;
    let clear = |r: &Rect| {
        !taken.iter().any(|t| overlaps(r, t))
            && !dots
                .iter()
                .any(|&(dx, dy)| (dx, dy) != at && overlaps(r, &(dx - 5, dy - 5, dx + 5, dy + 5)))
    };
    // Where no place is clear, the one of the six inside the area that covers the fewest names,
    // then the fewest dots.
    let covered = |r: &Rect| {
        let names = taken.iter().filter(|t| overlaps(r, t)).count();
        let marks = dots
            .iter()
            .filter(|&&(dx, dy)| (dx, dy) != at && overlaps(r, &(dx - 5, dy - 5, dx + 5, dy + 5)))
            .count();
        (names, marks)
    };
    let fits = places.iter().map(|&(off, anchor)| (rect(off, anchor), off, anchor));
    let least_covered =
        fits.clone().take(6).filter(|(r, ..)| inside(r)).min_by_key(|(r, ..)| covered(r));
    fits.clone().find(|(r, ..)| inside(r) && clear(r)).or(least_covered).unwrap_or((
        rect(places[0].0, places[0].1),
        places[0].0,
        places[0].1,
    ))
}

/// A heatmap of signed values, `(rows, cols)` row-major: positive cells purple, negative teal,
/// opacity by magnitude (so zero shows the page background in either theme). Its table lists the
/// [`HEATMAP_CELLS`] cells of largest magnitude.
pub fn heatmap(
    values: &[f64],
    rows: usize,
    cols: usize,
    x_label: &str,
    y_label: &str,
    size: (u32, u32),
) -> String {
    let draw = || -> Result<String, String> {
        let max = values.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
        let mut out = String::new();
        {
            let (w, h) = fitted(size);
            let (margin, x_area, y_area) = (10, 40, 52);
            let root = SVGBackend::with_string(&mut out, (w, h)).into_drawing_area();
            // One segment per row and column, each named at its middle: on a plain 0..cols
            // axis the names sat on the cells' edges, ending in a "16" that named no column.
            let mut chart = ChartBuilder::on(&root)
                .margin(margin)
                .x_label_area_size(x_area)
                .y_label_area_size(y_area)
                .build_cartesian_2d((0..cols - 1).into_segmented(), (0..rows - 1).into_segmented())
                .map_err(|e| e.to_string())?;
            let (plot_w, plot_h) =
                (w.saturating_sub(y_area + 2 * margin), h.saturating_sub(x_area + 2 * margin));
            let x_names = linear_names(f64::from(plot_w), name_units((cols - 1).to_string().len()));
            let y_names = linear_names(f64::from(plot_h), Y_LABEL_UNITS);
            let name = |v: &SegmentValue<usize>| match v {
                SegmentValue::CenterOf(i) => i.to_string(),
                _ => String::new(),
            };
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(x_names)
                .y_labels(y_names)
                .x_label_formatter(&name)
                .y_label_formatter(&name)
                .x_desc(x_label)
                .y_desc(y_label)
                .label_style(("sans-serif", 14).into_font().color(&BLACK))
                .axis_desc_style(("sans-serif", 15).into_font().color(&BLACK))
                .axis_style(BLACK.mix(0.6))
                .draw()
                .map_err(|e| e.to_string())?;
            let cells = (0..rows).flat_map(|r| (0..cols).map(move |c| (r, c)));
            chart
                .draw_series(cells.map(|(r, c)| {
                    let v = values[r * cols + c] / max;
                    let base = if v >= 0.0 { SERIES[0] } else { SERIES[1] };
                    let at = |c, r| (SegmentValue::Exact(c), SegmentValue::Exact(r));
                    Rectangle::new([at(c, r), at(c + 1, r + 1)], base.mix(v.abs()).filled())
                }))
                .map_err(|e| e.to_string())?;
            root.present().map_err(|e| e.to_string())?;
        }
        Ok(out)
    };
    if values.len() != rows * cols || rows < 2 || cols < 2 {
        return failed("values do not match the shape (at least 2 × 2)");
    }
    // Cells edge to edge: anti-aliased, a scaled drawing showed a hairline between each two.
    let svg = draw()
        .map(|s| themed(s).replacen("<svg ", "<svg shape-rendering=\"crispEdges\" ", 1))
        .unwrap_or_else(failed);
    format!("{svg}{}", heatmap_table(values, rows, cols, x_label, y_label).html())
}

/// Cells a heatmap's table lists.
pub const HEATMAP_CELLS: usize = 10;

/// The [`HEATMAP_CELLS`] cells of largest magnitude, largest first, and the range of all; `x`
/// names the columns, `y` the rows.
pub fn heatmap_table(values: &[f64], rows: usize, cols: usize, x: &str, y: &str) -> DataTable {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].abs().total_cmp(&values[a].abs()));
    let (lo, hi) =
        values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
    DataTable {
        caption: format!(
            "The {} largest of {} cells ({rows} × {cols}) by size; all lie between {} and {}",
            HEATMAP_CELLS.min(values.len()),
            readable((rows * cols) as f64),
            readable(lo),
            readable(hi),
        ),
        head: vec![y.into(), x.into(), "value".into()],
        rows: order
            .into_iter()
            .take(HEATMAP_CELLS)
            .map(|i| vec![(i / cols).to_string(), (i % cols).to_string(), readable(values[i])])
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_numbers() {
        assert_eq!(compact(2000.0), "2K");
        assert_eq!(compact(671e9), "671B");
        assert_eq!(compact(12.5), "12.5");
        assert_eq!(compact(0.25), "0.25");
        // A tick a rounding error under 1 (plotters' 0.1 steps) reads "1", not "1.".
        assert_eq!(compact(0.999_999_999), "1");
        assert_eq!(compact(0.0), "0");
    }

    #[test]
    fn a_log_axis_names_one_two_and_five() {
        for v in [1.0, 2.0, 5.0, 10.0, 2e5, 5e-3, 1e6, 100_000.000_000_1] {
            assert!(log_label(v), "{v}");
        }
        for v in [3.0, 7e5, 9e5, 0.0, -1.0, f64::NAN] {
            assert!(!log_label(v), "{v}");
        }
    }

    #[test]
    fn a_phone_chart_names_its_y_axis_above_the_drawing() {
        let chart = LineChart {
            x: Axis::linear(0.0, 10.0),
            y: Axis::linear(0.0, 25.0),
            x_label: "step".into(),
            y_label: "loss <per token>".into(),
            series: vec![],
            size: (640, 300),
        };
        // On a phone the numbers keep their area ("12.5": 4 characters) and the name is a line
        // of escaped text; on a desktop the name stays up the side.
        assert_eq!(y_label_area(&chart.y, true), 46);
        assert_eq!(y_label_area(&chart.y, false), Y_LABEL_AREA);
        assert_eq!(chart.y_title(true), "<p class=\"chart-y-title\">loss &lt;per token&gt;</p>");
        assert_eq!(chart.y_title(false), "");
        // Short numbers get at least three characters' room.
        assert_eq!(y_label_area(&Axis::linear(0.0, 1.0), true), 38);
    }

    #[test]
    fn a_narrow_linear_axis_names_fewer_ticks() {
        let y = Axis::linear(0.0, 200.0);
        let phone = f64::from(NARROW_WIDTH - y_label_area(&y, true) - 2 * MARGIN);
        let hundreds = label_units(&y);
        assert_eq!(hundreds, 34.0);
        // A desktop chart's 548 units: plotters' default ten.
        assert_eq!(linear_names(548.0, hundreds), 10);
        // A phone's 214 units (NARROW_WIDTH 280 less the numbers' area and margins): six names
        // of "200", and as many of best-of-n's "1" to "32", so that its last point, 32, is named.
        assert_eq!(linear_names(phone, hundreds), 6);
        // rlhf's best-of-n axis: log₂ n, named only at whole powers.
        let powers = Axis {
            format: |v| if v.fract() == 0.0 { format!("{}", v.exp2()) } else { String::new() },
            ..Axis::linear(0.0, 5.0)
        };
        assert!(linear_names(phone, label_units(&powers)) >= 6);
        assert_eq!(linear_names(10.0, hundreds), 2);
        // Up a 240-unit chart's 168: five names, not ten a line apart.
        assert_eq!(linear_names(f64::from(240 - X_LABEL_AREA - 2 * MARGIN), Y_LABEL_UNITS), 5);
    }

    #[test]
    fn a_short_decade_names_fewer_powers_of_ten() {
        let across = |v: f64, decade: f64| log_named(v, decade, LOG_LABEL_UNITS);
        // Room for three names a decade: 1, 2 and 5 × 10ⁿ, as before.
        assert!(across(2e6, 150.0) && across(5e6, 150.0) && across(1e7, 150.0));
        assert!(!across(7e5, 150.0));
        // An axis of less than a decade (1,800 units a decade): every whole multiple.
        assert!(across(7e5, 1800.0) && across(9e5, 1800.0) && across(1e6, 1800.0));
        assert!(!across(7.5e5, 1800.0));
        // Room for one: powers of ten only.
        assert!(across(1e6, 60.0) && across(1e7, 60.0));
        assert!(!across(2e6, 60.0) && !across(5e6, 60.0));
        // A phone's 27 units a decade (100K to 1T in 188 units): every other power of ten.
        let named: Vec<f64> =
            (5..=12).map(|p| 10f64.powi(p)).filter(|&v| across(v, 27.0)).collect();
        assert_eq!(named, vec![1e6, 1e8, 1e10, 1e12]);
        // Up a y axis a name needs only its line's height: 35 units a decade name every one
        // ("Where the Tumbler sits" named every second decade up its side).
        assert!((5..=12).all(|p| log_named(10f64.powi(p), 35.0, Y_LABEL_UNITS)));
    }

    #[test]
    fn a_log_axis_draws_only_the_lines_it_names() {
        // 30K to 1M on a phone: 1 and 3 × 10ⁿ, no bare lines at 40K … 90K between.
        let grid = named_grid(Axis::log(3e4, 1e6), 117.0, LOG_LABEL_UNITS);
        assert_eq!(grid.len(), 4, "{grid:?}");
        assert!(grid.iter().all(|&v| log_named(v, 117.0, LOG_LABEL_UNITS)));
        // Two decades of compute (200G to 30T) at 330 units a decade: 1, 2, 3 and 5 × 10ⁿ, not
        // only 1T and 10T.
        let compute = named_grid(Axis::log(2e11, 3e13), 330.0, LOG_LABEL_UNITS);
        assert!(
            [3e11, 5e11, 1e12, 2e12, 5e12, 1e13, 2e13].iter().all(|v| compute.contains(v)),
            "{compute:?}"
        );
        // An axis that would name none keeps its grid.
        assert!(!named_grid(Axis::log(1.5e5, 9e5), 1.0, LOG_LABEL_UNITS).is_empty());
    }

    #[test]
    fn a_dot_near_the_right_edge_is_named_on_its_left() {
        let chart = LineChart {
            x: Axis::linear(0.0, 10.0),
            y: Axis::linear(0.0, 1.0),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![],
            size: (400, 300),
        };
        let named = |x: f64| {
            let dots =
                [Dots { label: "d".into(), points: vec![(x, 0.5, "NAME".into())], color: 0 }];
            let svg = chart.drawing(&dots);
            let at = svg.find(">\nNAME").or_else(|| svg.find(">NAME")).expect("the name is drawn");
            svg[svg[..at].rfind("<text").unwrap()..at].to_owned()
        };
        assert!(named(9.9).contains("text-anchor=\"end\""), "{}", named(9.9));
        assert!(!named(1.0).contains("text-anchor=\"end\""), "{}", named(1.0));
    }

    #[test]
    fn a_short_log_axis_has_grid_lines_below_its_first_power_of_ten() {
        let grid = log_grid(3e5, 2.3e6);
        assert_eq!(grid.first().copied(), Some(3e5));
        assert!(grid.iter().any(|&v| (v - 5e5).abs() < 1.0) && grid.contains(&2e6), "{grid:?}");
        assert_eq!(log_grid(1e5, 1e12).len(), 8, "powers of ten over seven decades");
        assert!(log_grid(0.0, 10.0).is_empty(), "no logarithmic grid from 0");
    }

    #[test]
    fn close_dots_get_names_that_do_not_overlap_or_leave_the_area() {
        let area = (0..300, 0..200);
        let dots = [(200, 50), (230, 50), (290, 120)];
        let mut taken = Vec::new();
        for (at, name) in dots.iter().zip(["Llama 3 8B", "Llama 3 70B", "GPT-3"]) {
            let (r, ..) = place_label(*at, name, &area, &taken, &dots);
            assert!(r.0 >= 0 && r.2 <= 308, "{name} inside: {r:?}");
            for t in &taken {
                assert!(
                    !(r.0 < t.2 && t.0 < r.2 && r.1 < t.3 && t.1 < r.3),
                    "{name} {r:?} over {t:?}"
                );
            }
            taken.push(r);
        }
    }

    #[test]
    fn a_name_stays_off_the_lines() {
        // A falling curve ending at the right edge: its last point's name cannot go right (out of
        // the area) nor left (on the curve), so it goes above or below.
        let chart = LineChart {
            x: Axis::linear(0.0, 10.0),
            y: Axis::linear(0.0, 10.0),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series {
                label: "loss".into(),
                points: (0..=10).map(|i| (f64::from(i), 3.0 + 0.05 * f64::from(10 - i))).collect(),
                color: 0,
                markers: false,
            }],
            size: (400, 300),
        };
        let dots =
            [Dots { label: "end".into(), points: vec![(10.0, 3.0, "3.00 nats".into())], color: 0 }];
        let svg = chart.drawing(&dots);
        let at = svg.find(">\n3.00 nats").or_else(|| svg.find(">3.00 nats")).expect("drawn");
        let text = &svg[svg[..at].rfind("<text").unwrap()..at];
        let attr = |name: &str| -> f64 {
            let from = text.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            text[from..from + text[from..].find('"').unwrap()].parse().unwrap()
        };
        let circle = svg.rfind("<circle").unwrap();
        let cy: f64 = {
            let c = &svg[circle..];
            let from = c.find("cy=\"").unwrap() + 4;
            c[from..from + c[from..].find('"').unwrap()].parse().unwrap()
        };
        assert!((attr("y") - cy).abs() >= 10.0, "the name sits on its line: {text}");
        assert_eq!(along(&[(0, 0), (10, 0)], 4), vec![(0, 0), (5, 0), (10, 0)]);
    }

    #[test]
    fn readable_numbers() {
        assert_eq!(readable(1_380_608.0), "1,380,608");
        assert_eq!(readable(-2.0), "−2");
        assert_eq!(readable(0.654_321), "0.6543");
        assert_eq!(readable(12.5), "12.5");
        assert_eq!(readable(4129.3), "4,129");
        assert_eq!(readable(-0.05), "−0.05");
        assert_eq!(readable(3e-6), "3.000 × 10⁻⁶");
        assert_eq!(readable(f64::INFINITY), "∞");
        assert_eq!(spread(121, 12).len(), 12);
        assert_eq!(spread(121, 12)[11], 120);
        assert_eq!(spread(3, 12), vec![0, 1, 2]);
    }

    #[test]
    fn a_chart_states_its_numbers_in_an_escaped_table() {
        let c = LineChart {
            x: Axis::linear(0.0, 100.0),
            y: Axis::linear(0.0, 1.0),
            x_label: "step".into(),
            y_label: "loss".into(),
            series: vec![
                Series {
                    label: "<b>yours</b>".into(),
                    points: (0..=100).map(|i| (f64::from(i), 1.0 / f64::from(i + 1))).collect(),
                    color: 0,
                    markers: false,
                },
                Series::level("guess", 0.5, (0.0, 100.0), 1),
            ],
            size: (400, 300),
        };
        let t = c.table(&[]);
        assert_eq!(t.head, ["line", "step", "loss"]);
        assert_eq!(t.rows.len(), TABLE_POINTS + 2);
        assert_eq!(t.rows[0], ["<b>yours</b>", "0", "1"]);
        assert_eq!(t.rows[TABLE_POINTS - 1], ["<b>yours</b>", "100", "0.009901"]);
        let markup = c.svg();
        let (drawing, table) = markup.split_at(markup.find("<table").unwrap());
        let (svg, legend) = drawing.split_at(drawing.find("</svg>").unwrap() + "</svg>".len());
        assert!(svg.starts_with("<svg"));
        // The legend names both lines, escaped like the table.
        assert!(legend.trim_start().starts_with("<ul class=\"chart-legend\""), "{legend}");
        assert!(legend.contains("&lt;b&gt;yours&lt;/b&gt;") && legend.contains("guess"));
        assert!(!legend.contains("<b>"));
        assert!(table.contains("&lt;b&gt;yours&lt;/b&gt;") && !table.contains("<b>"));
    }

    #[test]
    fn a_log_log_chart_draws_and_is_themed() {
        let c = LineChart {
            x: Axis::log(1.0, 1000.0),
            y: Axis::log(1.0, 1e6),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series {
                label: "x²".into(),
                points: vec![(1.0, 1.0), (10.0, 100.0), (1000.0, 1e6)],
                color: 0,
                markers: true,
            }],
            size: (400, 300),
        };
        let svg = c.svg();
        assert!(svg.starts_with("<svg") && svg.contains("currentColor"));
        assert!(!svg.contains("#000000"));
        assert!(svg.contains("<circle"));
    }

    #[test]
    fn named_dots_draw_with_their_names_and_a_legend() {
        let c = LineChart {
            x: Axis::log(1.0, 1000.0),
            y: Axis::log(1.0, 1000.0),
            x_label: "x".into(),
            y_label: "y".into(),
            series: vec![Series {
                label: "y = x".into(),
                points: vec![(1.0, 1.0), (1000.0, 1000.0)],
                color: 0,
                markers: false,
            }],
            size: (400, 300),
        };
        let dots = [Dots {
            label: "models".into(),
            points: vec![(10.0, 10.0, "small".into()), (100.0, 300.0, "big".into())],
            color: 4,
        }];
        let svg = c.svg_with(&dots);
        let texts: Vec<&str> = svg.lines().map(str::trim).collect();
        assert!(["small", "big"].iter().all(|t| texts.contains(t)), "{svg}");
        // The two dots; the legend is HTML under the drawing, not a box over the data.
        assert_eq!(svg.matches("<circle").count(), 2);
        let legend = svg.split("</svg>").nth(1).unwrap().trim_start();
        assert!(legend.starts_with("<ul class=\"chart-legend\""), "{legend}");
        assert!(legend.contains("swatch line") && legend.contains("y = x"));
        assert!(legend.contains("swatch dot") && legend.contains("models"));
    }

    #[test]
    fn heatmap_draws_each_nonzero_cell_and_rejects_bad_shapes() {
        let svg = heatmap(&[1.0, -1.0, 0.5, 0.0], 2, 2, "x", "y", (200, 200));
        // The zero cell is fully transparent, and plotters leaves it out.
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("opacity=\"0.5\""));
        let t = heatmap_table(&[1.0, -3.0, 0.5, 0.0], 2, 2, "x", "y");
        assert_eq!(t.rows[0], ["0", "1", "−3"]);
        assert_eq!(t.rows[1], ["0", "0", "1"]);
        assert!(t.caption.contains("between −3 and 1"), "{}", t.caption);
        assert!(heatmap(&[1.0], 2, 2, "x", "y", (200, 200)).contains("Chart failed"));
        assert!(heatmap(&[1.0, 1.0], 1, 2, "x", "y", (200, 200)).contains("Chart failed"));
    }

    #[test]
    fn a_heatmap_names_its_cells_at_their_middles() {
        let svg = heatmap(&[1.0; 8], 2, 4, "column", "row", (400, 240));
        let attr = |tag: &str, name: &str| -> f64 {
            let at = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            tag[at..].split('"').next().unwrap().parse().unwrap()
        };
        // The first cell drawn is row 0, column 0; "0" under it is named at its middle.
        let rect = svg.split("<rect").nth(1).unwrap();
        let (x, w) = (attr(rect, "x"), attr(rect, "width"));
        let names: Vec<(&str, f64)> = svg
            .split("<text")
            .skip(1)
            .filter_map(|t| Some((t.split('>').nth(1)?.split('<').next()?.trim(), attr(t, "x"))))
            .collect();
        // The x axis's "0" (the y axis's sits left of the cells).
        let zero = names.iter().find(|(n, at)| *n == "0" && *at >= x).map(|n| n.1).unwrap();
        assert!((zero - (x + w / 2.0)).abs() <= 2.0, "\"0\" at {zero}, cell {x}…{}", x + w);
        // Columns 0 to 3 are named and nothing beyond them.
        assert!(names.iter().any(|(n, _)| *n == "3"), "{names:?}");
        assert!(!names.iter().any(|(n, _)| *n == "4"), "{names:?}");
    }
}
