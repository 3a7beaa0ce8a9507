//! A whole matrix as an image, one pixel per number: purple for positive, teal for negative, the
//! stronger the colour the larger the magnitude. Drawn on a canvas: tens of thousands of numbers
//! as SVG cells would keep the page busy for seconds.

use leptos::prelude::*;
use wasm_bindgen::{Clamped, JsCast};

use super::plot::{SERIES, heatmap_table};

/// The magnitude drawn at full colour: three root-mean-squares, so a few outliers do not wash
/// out every other cell (larger values are drawn at full colour too).
pub fn colour_scale(values: &[f32]) -> f32 {
    let n = values.len().max(1) as f64;
    let rms = (values.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / n).sqrt();
    (3.0 * rms).max(1e-12) as f32
}

/// RGBA pixels for `values`: the sign picks the colour, |value| / `scale` its opacity.
pub fn pixels(values: &[f32], scale: f32) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * 4);
    for &v in values {
        let c = SERIES[if v >= 0.0 { 0 } else { 1 }];
        let alpha = ((v.abs() / scale).min(1.0) * 255.0).round() as u8;
        out.extend_from_slice(&[c.0, c.1, c.2, alpha]);
    }
    out
}

/// A (rows, cols) matrix, row-major, drawn `cell` CSS pixels per number.
#[component]
pub fn MatrixMap(
    /// Number of rows.
    rows: usize,
    /// Number of columns.
    cols: usize,
    /// The numbers, row-major, rows × cols of them.
    values: Vec<f32>,
    /// CSS pixels per number (the image scales down on narrow screens).
    cell: f64,
    /// What the image shows, in words, for screen readers.
    #[prop(into)]
    label: String,
) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let image = pixels(&values, colour_scale(&values));
    // The numbers for screen readers: the largest cells and the range of all.
    let wide: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
    let table = heatmap_table(&wide, rows, cols, "column", "row").html();
    Effect::new(move |_| {
        let Some(canvas) = canvas.get() else { return };
        let context = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok());
        let data = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
            Clamped(&image),
            cols as u32,
            rows as u32,
        );
        if let (Some(context), Ok(data)) = (context, data) {
            context.put_image_data(&data, 0.0, 0.0).ok();
        }
    });
    view! {
        <div class="sr-only" inner_html=table></div>
        <canvas
            node_ref=canvas
            class="matrix-map"
            width=cols
            height=rows
            style:width=format!("{:.0}px", cols as f64 * cell)
            role="img"
            aria-label=label
            data-rows=rows
            data-cols=cols
        ></canvas>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_picks_the_colour_and_size_the_strength() {
        let p = pixels(&[0.5, -1.0, 0.0, 4.0], 1.0);
        assert_eq!(&p[..4], &[123, 92, 255, 128]);
        assert_eq!(&p[4..8], &[20, 168, 143, 255]);
        assert_eq!(p[11], 0);
        assert_eq!(p[15], 255, "beyond the scale is full colour");
        assert!((colour_scale(&[1.0, -1.0]) - 3.0).abs() < 1e-6);
    }
}
