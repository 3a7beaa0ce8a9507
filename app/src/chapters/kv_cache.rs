//! The KV cache: why it exists, how big it gets, and what GQA and MQA save.

mod live;

use leptos::prelude::*;

use crate::calc::expr::{unbroken, unbroken_terms};
use crate::calc::kv_cache::{KvShape, human_bytes};
use crate::url_state::number_param;
use crate::widgets::{Bar, Bars, Slider, Stepper};
use live::LiveKvCache;

const WORDS: [&str; 4] = ["The", "cat", "sat", "on"];

fn whole(v: f64) -> String {
    format!("{v:.0}")
}

fn thousands(v: f64) -> String {
    crate::calc::expr::group_thousands(v.round() as i128)
}

/// The body of the `kv-cache` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let step = RwSignal::new(0usize);
    let layers = number_param("layers", 80.0, 1.0, 160.0);
    let kv_heads = number_param("kvh", 8.0, 1.0, 128.0);
    let head_dim = number_param("hd", 128.0, 16.0, 256.0);
    let bytes = number_param("bytes", 2.0, 1.0, 4.0);
    let tokens = number_param("tokens", 100_000.0, 1000.0, 1_000_000.0);
    let shape = move || KvShape {
        layers: layers.get() as u64,
        kv_heads: kv_heads.get() as u64,
        head_dim: head_dim.get() as u64,
        bytes: bytes.get() as u64,
    };
    let preset = move |heads: f64| {
        move |_| {
            let s = KvShape::LLAMA2_70B;
            layers.set(s.layers as f64);
            kv_heads.set(heads);
            head_dim.set(s.head_dim as f64);
            bytes.set(s.bytes as f64);
            tokens.set(100_000.0);
        }
    };
    // A preset reads as pressed while the fields still hold its numbers.
    let pressed = move |heads: f64| {
        move || {
            let s = KvShape::LLAMA2_70B;
            (shape() == KvShape { kv_heads: heads as u64, ..s } && tokens.get() == 100_000.0)
                .to_string()
        }
    };
    let compare = Signal::derive(move || {
        let t = tokens.get() as u64;
        let base = shape();
        let variants =
            [("64 K,V heads (MHA)", 64), ("8 K,V heads (GQA)", 8), ("1 K,V head (MQA)", 1)];
        let max = KvShape { kv_heads: 64, ..base }.bytes_for(t) as f64;
        variants
            .iter()
            .map(|&(name, h)| {
                let b = KvShape { kv_heads: h, ..base }.bytes_for(t) as f64;
                Bar {
                    label: name.to_owned(),
                    fraction: b / max,
                    text: human_bytes(b),
                    highlight: h == base.kv_heads,
                }
            })
            .collect::<Vec<_>>()
    });
    view! {
        <p>
            "A model writes one token at a time, and each new token attends to all the tokens before \
             it. Attention needs every earlier token's " <em>"key"</em> " and " <em>"value"</em>
            " vectors in every layer. Those never change once computed: token 5's key is the same \
             whether we are generating token 6 or token 600."
        </p>
        <p>
            "Recomputing them at every step would redo almost all the work each time: for a \
             1,000\u{2011}token reply about 1,000·999/2\u{a0}≈\u{a0}500,000 key/value computations instead of 1,000. \
             So the model keeps them in a " <strong>"KV cache"</strong> " and computes keys and \
             values only for the newest token."
        </p>
        <div class="panel">
            <h2>"Step through generation with a cache"</h2>
            <ol class="kv-steps" aria-live="polite">
                {move || {
                    let s = step.get();
                    WORDS.iter().take(s + 1).enumerate().map(|(i, w)| {
                        let class = if i == s { "chip chip-new" } else { "chip chip-cached" };
                        view! { <li class=class>{*w}<small>{if i == s { " compute K,V" } else { " cached" }}</small></li> }
                    }).collect_view()
                }}
            </ol>
            <p class="kv-caption">{move || {
                let s = step.get();
                if s == 0 { "Step 1: nothing is cached yet; compute K and V for “The” and store them.".to_owned() }
                else { format!("Step {}: reuse {} cached token{}; compute K and V only for “{}”.", s + 1, s, if s == 1 { "" } else { "s" }, WORDS[s]) }
            }}</p>
            <Stepper count=WORDS.len() current=step label="Generation steps"/>
        </div>
        <p>
            "With the cache, each new token costs about the same as the one before (the attention \
             over the cache still grows by one entry per step). Without it, every step would redo \
             the whole history, so total work would grow with the square of the length: a \
             10,000\u{2011}token reply would cost 100 times a 1,000\u{2011}token one instead of 10 times."
        </p>
        <h2>"The catch: memory"</h2>
        <p>
            "The cache holds a key and a value per layer, per key/value head, per token:"
        </p>
        <p class="formula-line"><code>{unbroken_terms("bytes = layers × KV heads × head size × 2 × bytes per number × tokens")}</code></p>
        <div class="panel kv-calc">
            <h3>"KV-cache calculator"</h3>
            <div class="preset-row">
                <button type="button" aria-pressed=pressed(8.0) on:click=preset(8.0)>"Llama\u{2011}2\u{2011}70B, 100K (GQA)"</button>
                <button type="button" aria-pressed=pressed(64.0) on:click=preset(64.0)>"same, one K,V per head"</button>
                <button type="button" aria-pressed=pressed(1.0) on:click=preset(1.0)>"same, MQA"</button>
            </div>
            <Slider label="Layers" value=layers min=1.0 max=160.0 step=1.0 format=whole/>
            <Slider label="KV heads" value=kv_heads min=1.0 max=128.0 step=1.0 format=whole/>
            <Slider label="Head size" value=head_dim min=16.0 max=256.0 step=16.0 format=whole/>
            <Slider label="Bytes per number" value=bytes min=1.0 max=4.0 step=1.0 format=whole/>
            <Slider label="Tokens" value=tokens min=1000.0 max=1_000_000.0 step=1000.0 format=thousands/>
            <p class="result" data-kv-bytes=move || shape().bytes_for(tokens.get() as u64).to_string()>
                // The product on a line of its own; each line breaks only after an operator (a
                // line that started "= 32,768,000,000" left "bytes" alone under it).
                {move || {
                    let s = shape();
                    let total = s.bytes_for(tokens.get() as u64) as f64;
                    view! {
                        {unbroken_terms(&format!(
                            "{} bytes per token × {} tokens",
                            thousands(s.bytes_per_token() as f64),
                            thousands(tokens.get()),
                        ))}
                        <br/>
                        // The rounded size first, the exact bytes in brackets, each whole.
                        {format!(
                            "=\u{a0}{} ({}\u{a0}bytes)",
                            unbroken(&human_bytes(total)),
                            thousands(total),
                        )}
                    }
                }}
            </p>
            <Bars rows=compare label="Cache size with 64, 8 or 1 key/value heads"/>
        </div>
        <p>
            "Llama\u{2011}2\u{2011}70B has 80 layers and 64 query heads of size 128, but its queries share 8 \
             key/value heads (" <strong>"grouped-query attention"</strong> "). At fp16 that is 327,680 \
             bytes per token, about 32.8\u{a0}GB for 100,000 tokens (Llama 2 itself was trained on \
             4,096, but any model of this shape pays the same), on top of roughly 140\u{a0}GB of fp16 weights. If \
             every query head kept its own keys and values, it would be eight times as much; with \
             " <strong>"multi-query attention"</strong> " (one shared K,V) it would be 4.1\u{a0}GB."
        </p>
        <p class="seed-note">
            "For a 70B model at 100K tokens of context the cache is far past 10\u{a0}GB: with \
             Llama\u{2011}2\u{2011}70B's real shape it is about 33\u{a0}GB, even with GQA."
        </p>
        <div class="callout">
            <strong>"Key insight: "</strong>
            "long context is limited by memory as much as by arithmetic. A model that “supports 1M \
             tokens” must fit a cache that size; GQA, MQA, fp8 caches and paged memory all exist to \
             shrink or pack it."
        </div>
        <LiveKvCache/>
    }
}
