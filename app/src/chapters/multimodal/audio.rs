//! The audio half of the `multimodal` chapter: a synthetic sound, its log-mel spectrogram computed
//! in the page, and that spectrogram cut into patches as a vision transformer cuts a picture.

use leptos::prelude::*;

use crate::calc::spectrogram::{
    HOP, N_MELS, RATE, Sound, WINDOW, band_position, frame_position, log_mel, patch_grid, synth,
    to_image, to_wav, whisper_tokens,
};
use crate::calc::vit::{base64, to_bmp};
use crate::url_state::number_param;
use crate::widgets::Slider;
use crate::widgets::plot::compact;
use crate::widgets::screen;
use crate::widgets::token_chips::group;

/// Where the chirp starts, Hz.
const CHIRP_FROM: f64 = 200.0;
/// Width of one frame and height of one band in the drawing's units.
const CELL: (f64, f64) = (6.0, 4.0);
/// A frame's width on a phone: the whole second (98 frames, 317 units with the margins) fits a
/// 280-px panel with its 13-unit labels at about 11.5 px, where at full width it had to scroll.
const NARROW_FRAME: f64 = 2.5;
/// Room for the axis labels: left, top, right, bottom.
const MARGIN: (f64, f64, f64, f64) = (62.0, 10.0, 10.0, 46.0);
/// Frequency ticks, Hz.
const HZ_TICKS: [f64; 6] = [250.0, 500.0, 1000.0, 2000.0, 4000.0, 7000.0];
const TIME_TICKS: [f64; 4] = [0.2, 0.4, 0.6, 0.8];

fn hz(v: f64) -> String {
    format!("{} Hz", group(v.round() as usize))
}

fn cells(v: f64) -> String {
    format!("{v:.0} × {v:.0}")
}

/// A live spectrogram of a chirp and a chord, cut into patches.
#[component]
pub fn AudioPatches() -> impl IntoView {
    let root = number_param("chord", 440.0, 100.0, 2000.0);
    let chirp = number_param("chirp", 4000.0, 500.0, 7800.0);
    let patch = number_param("apatch", 16.0, 4.0, 20.0);
    let samples = Memo::new(move |_| {
        synth(&Sound {
            chirp_from: CHIRP_FROM,
            chirp_to: chirp.get(),
            chord_root: root.get(),
            seconds: 1.0,
        })
    });
    let spec = Memo::new(move |_| samples.with(|s| log_mel(s)));
    let picture = Memo::new(move |_| {
        spec.with(|s| format!("data:image/bmp;base64,{}", base64(&to_bmp(&to_image(s)))))
    });
    let wav = Memo::new(move |_| {
        samples.with(|s| format!("data:audio/wav;base64,{}", base64(&to_wav(s, RATE as u32))))
    });
    let frames = move || spec.with(|s| s.frames);
    let p = move || patch.get() as usize;
    let grid = move || patch_grid(N_MELS, frames(), p());

    let (left, top, right, bottom) = MARGIN;
    let cell_w = move || if screen::narrow() { NARROW_FRAME } else { CELL.0 };
    let plot_w = move || frames() as f64 * cell_w();
    let plot_h = N_MELS as f64 * CELL.1;
    let x_of = move |frame: f64| left + frame * cell_w();
    let y_of = move |band: f64| top + (N_MELS as f64 - band) * CELL.1;
    let view_box = move || format!("0 0 {} {}", left + plot_w() + right, top + plot_h + bottom);

    // Patches start at the first frame and the lowest band; what is left over is shaded.
    let patch_lines = move || {
        let ((rows, cols), size) = (grid(), p() as f64);
        let (x0, x1) = (x_of(0.0), x_of(cols as f64 * size));
        let (y0, y1) = (y_of(0.0), y_of(rows as f64 * size));
        let verticals = (0..=cols).map(move |c| {
            let x = x_of(c as f64 * size);
            view! { <line class="patch-edge" x1=x y1=y0 x2=x y2=y1/> }
        });
        let horizontals = (0..=rows).map(move |r| {
            let y = y_of(r as f64 * size);
            view! { <line class="patch-edge" x1=x0 y1=y x2=x1 y2=y/> }
        });
        verticals.chain(horizontals).collect_view()
    };
    let dropped = move || {
        let ((rows, cols), size) = (grid(), p() as f64);
        let (x_end, y_end) = (x_of(frames() as f64), y_of(N_MELS as f64));
        let (x_cut, y_cut) = (x_of(cols as f64 * size), y_of(rows as f64 * size));
        view! {
            <rect class="audio-dropped" x=x_cut y=y_end width={x_end - x_cut} height=plot_h/>
            <rect class="audio-dropped" x=left y=y_end width={x_cut - left} height={y_cut - y_end}/>
        }
    };
    let hz_ticks = HZ_TICKS
        .iter()
        .map(|&f| {
            let y = y_of(band_position(f, N_MELS, RATE) + 0.5);
            view! {
                <line class="audio-tick" x1={left - 5.0} y1=y x2=left y2=y/>
                <text class="audio-label" x={left - 8.0} y={y + 4.0} text-anchor="end">{compact(f)}</text>
            }
        })
        .collect_view();
    let time_ticks = move || {
        let y = top + plot_h;
        TIME_TICKS
            .iter()
            .map(|&t| {
                let x = x_of(frame_position(t));
                view! {
                    <line class="audio-tick" x1=x y1=y x2=x y2={y + 5.0}/>
                    <text class="audio-label" x=x y={y + 20.0} text-anchor="middle">{format!("{t:.1} s")}</text>
                }
            })
            .collect_view()
    };

    let summary = move || {
        let ((rows, cols), size, frames) = (grid(), p(), frames());
        let left_over = frames - cols * size;
        let cut_bands = N_MELS - rows * size;
        let mut dropped = Vec::new();
        if left_over > 0 {
            dropped.push(format!("the last {left_over} frames"));
        }
        if cut_bands > 0 {
            dropped.push(format!("the top {cut_bands} bands"));
        }
        let dropped = if dropped.is_empty() {
            String::new()
        } else {
            format!(" ({} do not fill a patch and are dropped)", dropped.join(" and "))
        };
        format!(
            "{frames} frames × {N_MELS} bands, cut into {size}\u{a0}×\u{a0}{size} patches: {rows}\u{a0}rows\u{a0}× \
             {cols}\u{a0}columns\u{a0}= {}\u{a0}audio tokens, each {} numbers{dropped}.",
            rows * cols,
            size * size
        )
    };

    view! {
        <div class="panel audio-panel">
            <div class="audio-controls">
                <Slider label="Chirp rises from 200\u{a0}Hz\u{a0}to" value=chirp min=500.0 max=7800.0 step=50.0 format=hz/>
                <Slider label="Chord: root (and its fifth, 1.5×)" value=root min=100.0 max=2000.0 step=10.0 format=hz/>
                <Slider label="Patch size (frames × bands)" value=patch min=4.0 max=20.0 step=2.0 format=cells/>
                <audio controls src=move || wav.get() aria-label="The synthesised sound, one second"></audio>
            </div>
            <figure class="audio-spec">
                <svg
                    viewBox=view_box
                    role="img"
                    aria-label=move || format!("Log-mel spectrogram, {} frames by {N_MELS} bands, with a patch grid", frames())
                    data-audio-frames=move || frames().to_string()
                    data-audio-bands=N_MELS.to_string()
                >
                    <image
                        href=move || picture.get()
                        x=left
                        y=top
                        width=plot_w
                        height=plot_h
                        preserveAspectRatio="none"
                        style="image-rendering: pixelated"
                    />
                    {dropped}
                    {patch_lines}
                    <rect class="audio-frame" x=left y=top width=plot_w height=plot_h/>
                    {hz_ticks}
                    {time_ticks}
                    <text class="audio-label" x=18 y={top + plot_h / 2.0} text-anchor="middle" transform=format!("rotate(-90 18 {})", top + plot_h / 2.0)>
                        "frequency, Hz (mel scale)"
                    </text>
                    <text class="audio-label" x={move || left + plot_w() / 2.0} y={top + plot_h + 42.0} text-anchor="middle">"time"</text>
                </svg>
                <figcaption>
                    {format!(
                        "Dashed lines are the patches' edges; grey is what does not fill a patch and is dropped. \
                         Computed in this page: 1 s at {:.0} kHz, Hann windows of {WINDOW} samples ({:.0}\u{a0}ms) every {HOP} samples ({:.0}\u{a0}ms), \
                         an FFT each, {N_MELS} mel bands, on a log scale; brighter is louder.",
                        RATE / 1000.0,
                        WINDOW as f64 / RATE * 1000.0,
                        HOP as f64 / RATE * 1000.0
                    )}
                </figcaption>
            </figure>
            <p class="result" data-audio-tokens=move || { let (r, c) = grid(); (r * c).to_string() }>{summary}</p>
            <p class="small" data-whisper-tokens=move || whisper_tokens(frames()).to_string()>
                {move || {
                    let window = (30.0 * RATE) as usize / HOP;
                    format!(
                        "Whisper keeps every time step instead: its encoder's two convolutions (the second \
                         with stride 2) turn these {} frames into {} audio tokens, and the {} frames of its \
                         30-second window into {}.",
                        frames(),
                        whisper_tokens(frames()),
                        group(window),
                        group(whisper_tokens(window))
                    )
                }}
            </p>
        </div>
    }
}
