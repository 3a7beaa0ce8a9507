//! Multimodality: a picture cut into 14×14-pixel patches, each flattened into a vector; a sound
//! turned into a spectrogram and patched the same way.

mod audio;

use leptos::prelude::*;

use crate::calc::vit::{base64, flatten_patch, patch_grid, scene, to_bmp};
use crate::url_state::number_param;
use crate::widgets::{Flow, FlowStep, Slider};

use audio::AudioPatches;

const SIZE: usize = 224;
const PATCH: usize = 14;

const RECIPE: &[FlowStep] = &[
    FlowStep { title: "Text, image, audio", detail: "any input signal" },
    FlowStep { title: "Tokenize", detail: "chunks or patches" },
    FlowStep { title: "Embed", detail: "one vector per token" },
    FlowStep { title: "Same transformer", detail: "attention over all of them" },
];

fn whole(v: f64) -> String {
    format!("{v:.0}")
}

/// One patch drawn large, pixel by pixel.
fn patch_svg(values: &[f32]) -> String {
    let cell = 12;
    let mut s = format!(
        "<svg viewBox=\"0 0 {0} {0}\" xmlns=\"http://www.w3.org/2000/svg\" aria-hidden=\"true\">",
        PATCH * cell
    );
    for (i, px) in values.chunks(3).enumerate() {
        let to = |v: f32| (v * 255.0).round() as u8;
        s += &format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{cell}\" height=\"{cell}\" fill=\"rgb({},{},{})\"/>",
            (i % PATCH) * cell,
            (i / PATCH) * cell,
            to(px[0]),
            to(px[1]),
            to(px[2])
        );
    }
    s + "</svg>"
}

/// The body of the `multimodal` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let img = StoredValue::new(scene(SIZE));
    let src = format!("data:image/bmp;base64,{}", base64(&to_bmp(&img.get_value())));
    let (cols, rows) = patch_grid(&img.get_value(), PATCH);
    let col = number_param("col", 5.0, 0.0, (cols - 1) as f64);
    let row = number_param("row", 4.0, 0.0, (rows - 1) as f64);
    let index = move || row.get() as usize * cols + col.get() as usize;
    let vector = Memo::new(move |_| img.with_value(|im| flatten_patch(im, PATCH, index())));
    let grid_lines = (1..cols)
        .map(|i| {
            let p = (i * PATCH).to_string();
            view! {
                <line x1=p.clone() y1="0" x2=p.clone() y2=SIZE.to_string() class="grid-line"/>
                <line x1="0" y1=p.clone() x2=SIZE.to_string() y2=p class="grid-line"/>
            }
        })
        .collect_view();
    view! {
        <p>
            "A transformer does not care what its inputs mean; it works on sequences of vectors. \
             So a model that sees pictures or hears sound needs only a way to turn them into \
             vectors in the same space as its text tokens. After that, attention relates a word to \
             a patch of fur exactly as it relates a word to another word."
        </p>
        <Flow steps=RECIPE active=Signal::derive(|| None) per_row=4 label="The universal recipe"/>
        <h2>"Vision: patches as tokens"</h2>
        <p>
            "A vision transformer (ViT) cuts an image into square patches. With 14×14-pixel patches a \
             224×224 picture becomes a 16×16 grid: " {cols * rows} " patches, each an image token. \
             Each patch's pixels are laid out in one row of numbers, 14 × 14 pixels × 3 colours = "
            {PATCH * PATCH * 3} " numbers, and a learned matrix projects that row into the model's \
             embedding space."
        </p>
        <div class="panel vit-panel">
            <div class="vit-grid">
                <figure class="vit-picture">
                    <div class="vit-stack">
                        <img src=src width=SIZE.to_string() height=SIZE.to_string() alt="A drawn landscape: blue sky, a yellow sun, green hills and a small house with a red roof"/>
                        <svg viewBox=format!("0 0 {SIZE} {SIZE}") aria-hidden="true">
                            {grid_lines}
                            <rect
                                class="patch-pick"
                                x=move || (col.get() as usize * PATCH).to_string()
                                y=move || (row.get() as usize * PATCH).to_string()
                                width=PATCH.to_string()
                                height=PATCH.to_string()
                            />
                        </svg>
                    </div>
                    <figcaption>{format!("{SIZE}×{SIZE} pixels drawn by code, cut into {cols}×{rows} patches")}</figcaption>
                </figure>
                <div class="vit-side">
                    <Slider label="Patch column" value=col min=0.0 max={(cols - 1) as f64} step=1.0 format=whole/>
                    <Slider label="Patch row" value=row min=0.0 max={(rows - 1) as f64} step=1.0 format=whole/>
                    <p class="result" data-patch-count=(cols * rows).to_string() data-vector-len=move || vector.get().len().to_string()>
                        {move || format!("Patch {} of {}\u{a0}· vector of {} numbers", index() + 1, cols * rows, vector.get().len())}
                    </p>
                    <div class="patch-zoom" role="img" aria-label="The chosen patch enlarged, 14 by 14 pixels" inner_html=move || patch_svg(&vector.get())></div>
                    <p class="vit-vector">
                        <code>{move || {
                            let v = vector.get();
                            let head: Vec<String> = v.iter().take(9).map(|x| format!("{x:.2}")).collect();
                            format!("[{}, …\u{a0}{}\u{a0}more]", head.join(", "), v.len().saturating_sub(9))
                        }}</code>
                    </p>
                    <p class="small">"The first nine numbers are R, G, B of the patch's first three pixels, scaled to 0–1."</p>
                </div>
            </div>
        </div>
        <h2>"Audio: a spectrogram, patched"</h2>
        <p>
            "Sound arrives as a wave: 16,000 numbers a second at the 16\u{a0}kHz that speech models use. \
             Those samples are first turned into a " <strong>"spectrogram"</strong> ", a picture of \
             how much energy each frequency has over time. A short window slides along the wave; each \
             window is multiplied by a Hann curve (so its edges fade to zero), a Fourier transform \
             splits it into frequencies, and the energies are pooled into mel bands, narrow at low \
             pitches and wide at high ones, as the ear hears. Whisper uses 25\u{a0}ms windows every 10\u{a0}ms \
             and 80 mel bands (Radford et\u{a0}al. 2022); so does the one below, computed in this page."
        </p>
        <p>
            "The spectrogram is an image, time across and frequency up, so it can be cut into patches \
             and flattened exactly like a photo: the Audio Spectrogram Transformer (Gong et\u{a0}al. 2021) \
             uses 16×16 patches. Move the sliders: the chirp is the rising line, the chord the two \
             flat lines in the middle, and the patch size sets how many tokens one second of sound \
             costs. Other systems map audio to a discrete codebook of audio tokens instead. Either way \
             the transformer receives a sequence."
        </p>
        <AudioPatches/>
        <div class="callout">
            <strong>"The implication: "</strong>
            "“multimodal” is the same transformer with more kinds of tokenizer. New modalities \
             (video, robot actions, protein sequences) slot in the same way."
        </div>
    }
}
