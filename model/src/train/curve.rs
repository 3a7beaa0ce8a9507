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
