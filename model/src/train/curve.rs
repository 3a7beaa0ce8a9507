//! The loss curve as SVG: training loss (mean over each logging interval) and validation loss
//! against tokens seen.

use std::path::Path;

use plotters::prelude::*;

use super::TrainError;
use super::checkpoint::LossPoint;

/// Draws `history` into an SVG file at `path`.
pub fn draw(history: &[LossPoint], title: &str, path: &Path) -> Result<(), TrainError> {
    let plot_err = |e: String| TrainError::Plot(e);
    let max_tokens = history.iter().map(|p| p.tokens).max().unwrap_or(1).max(1) as f64 / 1e6;
    let losses = history.iter().flat_map(|p| std::iter::once(p.train_loss).chain(p.val_loss));
    let (lo, hi) = losses.fold((f64::MAX, f64::MIN), |(lo, hi), l| (lo.min(l), hi.max(l)));
    let (lo, hi) = if lo <= hi { (lo.max(0.0) * 0.95, hi * 1.02) } else { (0.0, 10.0) };
    let root = SVGBackend::new(path, (720, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_err(e.to_string()))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..max_tokens, lo..hi)
        .map_err(|e| plot_err(e.to_string()))?;
    chart
        .configure_mesh()
        .x_desc("tokens seen (millions)")
        .y_desc("loss (nats per token)")
        .draw()
        .map_err(|e| plot_err(e.to_string()))?;
    let train = history.iter().map(|p| (p.tokens as f64 / 1e6, p.train_loss));
    chart
        .draw_series(LineSeries::new(train, BLUE.stroke_width(2)))
        .map_err(|e| plot_err(e.to_string()))?
        .label("training")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE));
    let val = history.iter().filter_map(|p| p.val_loss.map(|v| (p.tokens as f64 / 1e6, v)));
    chart
        .draw_series(LineSeries::new(val, RED.stroke_width(2)))
        .map_err(|e| plot_err(e.to_string()))?
        .label("validation")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED));
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()
        .map_err(|e| plot_err(e.to_string()))?;
    root.present().map_err(|e| plot_err(e.to_string()))
}

/// A run's loss history as the page reads it (`history.json` beside the exported weights).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct History {
    /// Where the losses come from, in words.
    pub source: String,
    /// The largest error of any loss in the file (nats per token): 0 when the run wrote them
    /// itself, one pixel's worth when they were read back from its drawn curve.
    pub precision_nats: f64,
    pub points: Vec<LossPoint>,
}

impl History {
    /// The history exactly as the run recorded it.
    pub fn exact(points: &[LossPoint]) -> Self {
        History {
            source: "recorded by the training run".into(),
            precision_nats: 0.0,
            points: points.to_vec(),
        }
    }
}

/// The `points` of the first `<polyline>` drawn in `stroke` at width 2 (a series of [`draw`];
/// the legend's swatches are drawn at width 1), as pixel pairs.
fn polyline(svg: &str, stroke: &str) -> Option<Vec<(f64, f64)>> {
    let marker = format!("stroke=\"{stroke}\" stroke-width=\"2\" points=\"");
    let start = svg.find(&marker)? + marker.len();
    let body = &svg[start..start + svg[start..].find('"')?];
    body.split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',')?;
            Some((x.parse().ok()?, y.parse().ok()?))
        })
        .collect()
}

/// The tick labels of one axis as (pixel, value): each `<text>` with `anchor` whose content is a
/// number, at its `coord` attribute ("y" for the loss axis, "x" for the tokens axis).
fn ticks(svg: &str, anchor: &str, coord: &str) -> Vec<(f64, f64)> {
    let attr = |tag: &str, name: &str| -> Option<f64> {
        let key = format!(" {name}=\"");
        let at = tag.find(&key)? + key.len();
        tag[at..at + tag[at..].find('"')?].parse().ok()
    };
    svg.split("<text ")
        .skip(1)
        .filter_map(|piece| {
            let (tag, rest) = piece.split_once('>')?;
            if !tag.contains(&format!("text-anchor=\"{anchor}\"")) || tag.contains("rotate") {
                return None;
            }
            let value: f64 = rest.split("</text>").next()?.trim().parse().ok()?;
            Some((attr(&format!(" {tag}"), coord)?, value))
        })
        .collect()
}

/// The least-squares line `value = a + b · pixel` through an axis's ticks.
fn fit(ticks: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = ticks.len() as f64;
    if ticks.len() < 2 {
        return None;
    }
    let (mp, mv) = ticks.iter().fold((0.0, 0.0), |(p, v), t| (p + t.0 / n, v + t.1 / n));
    let spp: f64 = ticks.iter().map(|t| (t.0 - mp) * (t.0 - mp)).sum();
    let spv: f64 = ticks.iter().map(|t| (t.0 - mp) * (t.1 - mv)).sum();
    if spp == 0.0 {
        return None;
    }
    let b = spv / spp;
    Some((mv - b * mp, b))
}

/// Reads a run's loss history back from the curve [`draw`] made of it, for a run whose recorded
/// history is gone: the training line's and the validation line's pixels are mapped back through
/// the axes' tick labels. The steps, tokens and learning rates follow from `cfg` exactly (a point
/// every `log_every` steps, validation every `eval_every` and at the end); the losses are known to
/// one pixel, which [`History::precision_nats`] states. Fails when the drawing does not match the
/// schedule (another number of points, or a point off its step by more than a pixel).
pub fn read_back(svg: &str, cfg: &super::TrainConfig) -> Result<History, TrainError> {
    let bad = |why: String| TrainError::Plot(format!("reading the curve back: {why}"));
    let loss_axis = ticks(svg, "end", "y");
    let token_axis = ticks(svg, "middle", "x");
    let (ya, yb) = fit(&loss_axis).ok_or_else(|| bad("no loss-axis labels".into()))?;
    let (xa, xb) = fit(&token_axis).ok_or_else(|| bad("no token-axis labels".into()))?;
    let train = polyline(svg, "#0000FF").ok_or_else(|| bad("no training line".into()))?;
    let val = polyline(svg, "#FF0000").ok_or_else(|| bad("no validation line".into()))?;

    let total = cfg.schedule.total_steps;
    let logged: Vec<usize> = (1..=total)
        .filter(|s| s % cfg.log_every == 0 || s % cfg.eval_every == 0 || *s == total)
        .collect();
    let evaluated: Vec<usize> =
        logged.iter().copied().filter(|s| s % cfg.eval_every == 0 || *s == total).collect();
    if train.len() != logged.len() || val.len() != evaluated.len() {
        return Err(bad(format!(
            "{} training and {} validation points drawn; the schedule logs {} and {}",
            train.len(),
            val.len(),
            logged.len(),
            evaluated.len()
        )));
    }
    let tokens_per_step = (cfg.batch_size * cfg.seq_len) as u64;
    let check = |step: usize, px: f64| -> Result<(), TrainError> {
        let millions = (step as u64 * tokens_per_step) as f64 / 1e6;
        if ((xa + xb * px) - millions).abs() > 1.5 * xb.abs() {
            return Err(bad(format!("the point drawn at x = {px} is not at step {step}")));
        }
        Ok(())
    };
    let mut val_at = evaluated.iter().zip(&val).peekable();
    let mut points = Vec::with_capacity(logged.len());
    for (&step, &(px, py)) in logged.iter().zip(&train) {
        check(step, px)?;
        let val_loss = match val_at.peek() {
            Some((s, (vx, vy))) if **s == step => {
                check(step, *vx)?;
                let v = ya + yb * vy;
                val_at.next();
                Some(v)
            }
            _ => None,
        };
        points.push(LossPoint {
            step,
            tokens: step as u64 * tokens_per_step,
            lr: cfg.schedule.lr(step - 1),
            train_loss: ya + yb * py,
            val_loss,
        });
    }
    let precision = yb.abs();
    Ok(History {
        source: format!(
            "read back from the curve the training run drew (its recorded history was not kept): \
             each loss to within one pixel, {precision:.4} nats"
        ),
        precision_nats: precision,
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpt::TumblerConfig;
    use crate::train::TrainConfig;
    use crate::train::schedule::Schedule;

    fn run(total_steps: usize, batch_size: usize, seq_len: usize) -> TrainConfig {
        TrainConfig {
            model: TumblerConfig::tiny(),
            batch_size,
            seq_len,
            schedule: Schedule { max_lr: 2e-3, min_lr: 2e-4, warmup_steps: 50, total_steps },
            weight_decay: 0.1,
            grad_clip: 1.0,
            eval_every: 250,
            eval_batches: 20,
            log_every: 10,
            seed: 1,
        }
    }

    /// A falling, noisy history on `cfg`'s schedule, as `pretrain` logs it.
    fn history(cfg: &TrainConfig) -> Vec<LossPoint> {
        let total = cfg.schedule.total_steps;
        (1..=total)
            .filter(|s| s % cfg.log_every == 0 || s % cfg.eval_every == 0 || *s == total)
            .map(|step| {
                let x = step as f64 / total as f64;
                let wobble = 0.08 * ((step * 7919 % 101) as f64 / 101.0 - 0.5);
                LossPoint {
                    step,
                    tokens: (step * cfg.batch_size * cfg.seq_len) as u64,
                    lr: cfg.schedule.lr(step - 1),
                    train_loss: 3.9 + 4.4 * (-6.0 * x).exp() + wobble,
                    val_loss: (step % cfg.eval_every == 0 || step == total)
                        .then(|| 3.95 + 4.0 * (-5.0 * x).exp()),
                }
            })
            .collect()
    }

    #[test]
    fn a_drawn_curve_reads_back_to_within_its_stated_pixel() {
        let cfg = run(2500, 16, 256);
        let truth = history(&cfg);
        let path = std::env::temp_dir().join(format!("tumbler-curve-{}.svg", std::process::id()));
        draw(&truth, "test", &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).ok();
        let back = read_back(&svg, &cfg).unwrap();
        // One pixel of a 329-pixel axis spanning ~4.7 nats.
        assert!(
            back.precision_nats > 0.005 && back.precision_nats < 0.03,
            "{}",
            back.precision_nats
        );
        assert_eq!(back.points.len(), truth.len());
        let mut worst = 0.0f64;
        for (b, t) in back.points.iter().zip(&truth) {
            assert_eq!((b.step, b.tokens), (t.step, t.tokens));
            assert!((b.lr - t.lr).abs() < 1e-15);
            assert_eq!(b.val_loss.is_some(), t.val_loss.is_some(), "step {}", t.step);
            worst = worst.max((b.train_loss - t.train_loss).abs());
            if let (Some(bv), Some(tv)) = (b.val_loss, t.val_loss) {
                worst = worst.max((bv - tv).abs());
            }
        }
        assert!(worst <= back.precision_nats, "worst {worst} > {}", back.precision_nats);
    }

    #[test]
    fn a_curve_from_another_schedule_is_refused() {
        let cfg = run(2500, 16, 256);
        let path = std::env::temp_dir().join(format!("tumbler-curve-b-{}.svg", std::process::id()));
        draw(&history(&cfg), "test", &path).unwrap();
        let svg = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).ok();
        let err = read_back(&svg, &run(2000, 16, 256)).unwrap_err().to_string();
        assert!(err.contains("the schedule logs 200 and 8"), "{err}");
        let err = read_back(&svg, &run(2500, 16, 128)).unwrap_err().to_string();
        assert!(err.contains("is not at step"), "{err}");
        assert!(read_back("<svg></svg>", &cfg).is_err());
    }

    /// The shipped model's curve against the shipped run's record: the last validation loss read
    /// back from the drawing is the one `run.json` recorded, within the stated pixel.
    #[test]
    fn the_shipped_curve_reads_back_to_its_recorded_final_loss() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../public/model");
        let svg = std::fs::read_to_string(root.join("loss_base.svg")).unwrap();
        let run: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(root.join("base/run.json")).unwrap())
                .unwrap();
        let cfg: TrainConfig = serde_json::from_value(run["train_config"].clone()).unwrap();
        let back = read_back(&svg, &cfg).unwrap();
        let last = back.points.last().unwrap();
        assert_eq!(last.step as u64, run["steps"].as_u64().unwrap());
        assert_eq!(last.tokens, run["tokens_seen"].as_u64().unwrap());
        let recorded = run["final_val_loss_nats_per_token"].as_f64().unwrap();
        let read = last.val_loss.unwrap();
        assert!((read - recorded).abs() <= back.precision_nats, "{read} vs {recorded}");
    }
}
