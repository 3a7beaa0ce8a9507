//! Mixture of experts: a real router on the reader's text ([`live`]), the run that trained it
//! ([`record`]), and total versus active parameters counted from published shapes.

mod live;
mod record;

use leptos::prelude::*;

use crate::calc::moe::MoeShape;
use crate::url_state::number_param;
use crate::widgets::{Bar, Bars, Slider};

fn whole(v: f64) -> String {
    format!("{v:.0}")
}

fn billions(n: u64) -> String {
    format!("{:.1}B", n as f64 / 1e9)
}

/// The body of the `moe` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    // 0 = Mixtral 8×7B, 1 = DeepSeek-V3.
    let model = number_param("model", 0.0, 0.0, 1.0);
    let experts = number_param("experts", 8.0, 1.0, 512.0);
    let top_k = number_param("k", 2.0, 1.0, 16.0);
    let base =
        move || if model.get() >= 0.5 { MoeShape::deepseek_v3() } else { MoeShape::mixtral_8x7b() };
    let shape =
        move || MoeShape { experts: experts.get() as u64, top_k: top_k.get() as u64, ..base() };
    let pick = move |m: f64| {
        move |_| {
            model.set(m);
            let s = if m >= 0.5 { MoeShape::deepseek_v3() } else { MoeShape::mixtral_8x7b() };
            experts.set(s.experts as f64);
            top_k.set(s.top_k as f64);
        }
    };
    let rows = Signal::derive(move || {
        let s = shape();
        let (total, active) = (s.total(), s.active());
        vec![
            Bar { label: "stored".into(), fraction: 1.0, text: billions(total), highlight: false },
            Bar {
                label: "used per token".into(),
                fraction: active as f64 / total as f64,
                text: billions(active),
                highlight: true,
            },
        ]
    });
    view! {
        <p>
            "In a dense transformer every weight takes part in every token. In a "
            <strong>"mixture of experts"</strong> " (MoE) the feed-forward block of each layer is \
             replaced by many parallel feed-forward blocks, the " <em>"experts"</em> ", and a small \
             " <em>"router"</em> " that scores them for each token. Only the top‑k experts run; the \
             others are skipped for that token."
        </p>
        <p>
            "The router is a gate: a softmax over the experts, of which only the k largest are \
             kept. Different tokens go to different experts, so the model as a whole stores far more \
             knowledge than any one token pays to compute."
        </p>
        <live::LiveRoute/>
        <record::MoeRecord/>
        <p>
            "The experts above split the dense Tumbler's feed-forward block: its hidden units were \
             dealt out evenly among them (sizes in the record), so the expert model stores about as \
             many numbers as the dense one and each token uses only its chosen experts' share. Big \
             sparse models go the other way: they keep the cost per token and multiply what is \
             stored, as the calculator below shows."
        </p>
        <div class="panel">
            <h2>"Total versus active parameters"</h2>
            <p>"Counted from each model's published shape: embeddings, attention, routers and experts."</p>
            <div class="preset-row" role="group" aria-label="Model">
                <button type="button" aria-pressed=move || (model.get() < 0.5).to_string() on:click=pick(0.0)>"Mixtral 8×7B"</button>
                <button type="button" aria-pressed=move || (model.get() >= 0.5).to_string() on:click=pick(1.0)>"DeepSeek-V3"</button>
            </div>
            <Slider label="Routed experts per layer" value=experts min=1.0 max=512.0 step=1.0 format=whole/>
            <Slider label="Experts per token (top‑k)" value=top_k min=1.0 max=16.0 step=1.0 format=whole/>
            <Bars rows label="Parameters stored and used per token"/>
            <p class="result" data-total=move || shape().total().to_string() data-active=move || shape().active().to_string()>
                {move || {
                    let s = shape();
                    format!(
                        "{} parameters stored, {} used per token ({:.0}%).",
                        billions(s.total()), billions(s.active()),
                        100.0 * s.active() as f64 / s.total() as f64
                    )
                }}
            </p>
        </div>
        <p>
            <strong>"Mixtral 8×7B"</strong> " has 32 layers, each with 8 experts and a top-2 router. \
             The name suggests 56B, but only the feed-forward blocks are multiplied by eight; attention \
             and embeddings are shared, so it stores about 46.7B parameters and uses about 12.9B per \
             token. " <strong>"DeepSeek-V3"</strong> " has 256 small routed experts per layer plus one \
             shared expert that every token uses, picks 8, and stores 671B parameters while using \
             about 37B per token."
        </p>
        <div class="callout">
            <strong>"Why many large models are sparse: "</strong>
            "the arithmetic per token grows with the parameters a token touches, not with the \
             parameters stored. Experts add capacity without adding arithmetic per token, though all \
             of them must still sit in memory, and the router must keep them evenly loaded."
        </div>
    }
}
