//! Charts drawn by plotters into SVG strings.
//!
//! Axes and labels are drawn in black and then handed to CSS as `currentColor`, so the same SVG
//! reads in the light and the dark theme; series use mid-tone colours that show on both.

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;

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
    let msg = e.to_string().replace('&', "&amp;").replace('<', "&lt;");
    format!("<svg viewBox=\"0 0 400 40\"><text x=\"4\" y=\"24\">Chart failed: {msg}</text></svg>")
}

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
        format!("{scaled:.3}").trim_end_matches('0').to_owned()
    };
    format!("{s}{unit}")
}

/// A binary-prefixed compact number for token counts: 2048 → "2K", 1048576 → "1M".
pub fn compact_binary(v: f64) -> String {
    if v >= 1_048_576.0 {
        format!("{}M", (v / 1_048_576.0).round())
    } else if v >= 1024.0 {
        format!("{}K", (v / 1024.0).round())
    } else {
        format!("{v:.0}")
    }
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

/// Where a chart's legend sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Legend {
    UpperLeft,
    UpperRight,
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
    /// Draws the chart; on a drawing error the SVG says so instead.
    pub fn svg(&self) -> String {
        self.svg_with(&[], Legend::UpperLeft)
    }

    /// Draws the chart with named dots on top of its lines and the legend where it is asked.
    pub fn svg_with(&self, dots: &[Dots], legend: Legend) -> String {
        let (x, y) = (self.x, self.y);
        let (lx, ly) = ((x.min..x.max).log_scale(), (y.min..y.max).log_scale());
        let r = match (x.log, y.log) {
            (false, false) => self.draw(x.min..x.max, y.min..y.max, dots, legend),
            (true, false) => self.draw(lx, y.min..y.max, dots, legend),
            (false, true) => self.draw(x.min..x.max, ly, dots, legend),
            (true, true) => self.draw(lx, ly, dots, legend),
        };
        r.map(themed).unwrap_or_else(failed)
    }

    fn draw<X, Y>(&self, xr: X, yr: Y, dots: &[Dots], legend: Legend) -> Result<String, String>
    where
        X: AsRangedCoord<Value = f64>,
        Y: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
        Y::CoordDescType: ValueFormatter<f64>,
    {
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, self.size).into_drawing_area();
            let mut chart = ChartBuilder::on(&root)
                .margin(14)
                .x_label_area_size(44)
                .y_label_area_size(64)
                .build_cartesian_2d(xr, yr)
                .map_err(|e| e.to_string())?;
            let (fx, fy) = (self.x.format, self.y.format);
            chart
                .configure_mesh()
                .x_desc(self.x_label.as_str())
                .y_desc(self.y_label.as_str())
                .x_label_formatter(&|v| fx(*v))
                .y_label_formatter(&|v| fy(*v))
                .label_style(("sans-serif", 14).into_font().color(&BLACK))
                .axis_desc_style(("sans-serif", 15).into_font().color(&BLACK))
                .axis_style(BLACK.mix(0.6))
                .bold_line_style(BLACK.mix(0.12))
                .light_line_style(BLACK.mix(0.0))
                .draw()
                .map_err(|e| e.to_string())?;
            for s in &self.series {
                let color = SERIES[s.color % SERIES.len()];
                let style = color.stroke_width(3);
                chart
                    .draw_series(LineSeries::new(s.points.iter().copied(), style))
                    .map_err(|e| e.to_string())?
                    .label(s.label.as_str())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3))
                    });
                if s.markers {
                    chart
                        .draw_series(s.points.iter().map(|&p| Circle::new(p, 4, color.filled())))
                        .map_err(|e| e.to_string())?;
                }
            }
            for d in dots {
                let color = SERIES[d.color % SERIES.len()];
                chart
                    .draw_series(d.points.iter().map(|(x, y, name)| {
                        EmptyElement::at((*x, *y))
                            + Circle::new((0, 0), 5, color.filled())
                            + Text::new(
                                name.clone(),
                                (8, -8),
                                ("sans-serif", 13).into_font().color(&BLACK),
                            )
                    }))
                    .map_err(|e| e.to_string())?
                    .label(d.label.as_str())
                    .legend(move |(x, y)| Circle::new((x + 9, y), 5, color.filled()));
            }
            if self.series.len() + dots.len() > 1 {
                chart
                    .configure_series_labels()
                    .position(match legend {
                        Legend::UpperLeft => SeriesLabelPosition::UpperLeft,
                        Legend::UpperRight => SeriesLabelPosition::UpperRight,
                    })
                    .label_font(("sans-serif", 14).into_font().color(&BLACK))
                    .border_style(BLACK.mix(0.3))
                    .draw()
                    .map_err(|e| e.to_string())?;
            }
            root.present().map_err(|e| e.to_string())?;
        }
        Ok(out)
    }
}

/// A heatmap of signed values, `(rows, cols)` row-major: positive cells purple, negative teal,
/// opacity by magnitude (so zero shows the page background in either theme).
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
            let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
            let mut chart = ChartBuilder::on(&root)
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(52)
                .build_cartesian_2d(0..cols, 0..rows)
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .disable_mesh()
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
                    Rectangle::new([(c, r), (c + 1, r + 1)], base.mix(v.abs()).filled())
                }))
                .map_err(|e| e.to_string())?;
            root.present().map_err(|e| e.to_string())?;
        }
        Ok(out)
    };
    if values.len() != rows * cols {
        return failed("values do not match the shape");
    }
    draw().map(themed).unwrap_or_else(failed)
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
        assert_eq!(compact_binary(131_072.0), "128K");
        assert_eq!(compact_binary(1_048_576.0), "1M");
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
        let svg = c.svg_with(&dots, Legend::UpperLeft);
        let texts: Vec<&str> = svg.lines().map(str::trim).collect();
        assert!(["small", "big", "models"].iter().all(|t| texts.contains(t)), "{svg}");
        // Two dots and the legend's.
        assert_eq!(svg.matches("<circle").count(), 3);
    }

    #[test]
    fn heatmap_draws_each_nonzero_cell_and_rejects_bad_shapes() {
        let svg = heatmap(&[1.0, -1.0, 0.5, 0.0], 2, 2, "x", "y", (200, 200));
        // The zero cell is fully transparent, and plotters leaves it out.
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("opacity=\"0.5\""));
        assert!(heatmap(&[1.0], 2, 2, "x", "y", (200, 200)).contains("Chart failed"));
    }
}
