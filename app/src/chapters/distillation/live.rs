//! Hard and soft targets from the Tumbler's real next-token distribution, softened by a
//! temperature, and the KL divergence a student that starts from uniform guesses faces.

use leptos::prelude::*;

use crate::engine::{EngineReady, Shown};

use crate::calc::distill::{entropy_bits, kl, softmax_t};
use crate::engine::live::next_logits;
use crate::url_state::{number_param, text_param};
use crate::widgets::Slider;
use crate::widgets::token_bars::{TokenBar, TokenBars};
use crate::widgets::token_chips::group;

/// Tokens drawn by name; the rest are one bar.
const SHOWN: usize = 6;

fn t_fmt(v: f64) -> String {
    format!("{v:.1}")
}

/// The live panel of the `distillation` chapter.
#[component]
pub fn LiveTargets() -> impl IntoView {
    let prompt = text_param("prompt", "The cat sat on the");
    let t = number_param("tt", 1.0, 0.5, 5.0);
    let next = next_logits(prompt.into());
    let panel = move || {
        next.answer.with(|a| match a {
            None => view! { <p class="note-live">"Running the Tumbler on your prompt…"</p> }.into_any(),
            Some(Err(message)) => view! { <p class="note-live" role="alert">{message.clone()}</p> }.into_any(),
            Some(Ok(answer)) => {
                let next = &answer.value;
                let temperature = t.get();
                let logits: Vec<f64> = next.logits.iter().map(|&z| f64::from(z)).collect();
                let soft = softmax_t(&logits, temperature); // (V)
                let v = soft.len();
                let top = &next.top[..SHOWN.min(next.top.len())];
                let best = top[0].id;
                let hard_rows: Vec<TokenBar> = top
                    .iter()
                    .map(|tok| TokenBar::token(tok.id, &tok.text, if tok.id == best { 1.0 } else { 0.0 }, tok.id == best))
                    .collect();
                let mut soft_rows: Vec<TokenBar> = top
                    .iter()
                    .map(|tok| TokenBar::token(tok.id, &tok.text, soft[tok.id as usize], tok.id == best))
                    .collect();
                let rest = 1.0 - soft_rows.iter().map(|r| r.p).sum::<f64>();
                soft_rows.push(TokenBar {
                    id: None,
                    label: format!("{} more", group(v - top.len())),
                    p: rest,
                    text: format!("{:.1}%", rest * 100.0),
                    highlight: false,
                });
                let uniform = vec![1.0 / v as f64; v];
                let kl_soft = kl(&soft, &uniform);
                let hard_loss = (v as f64).ln();
                let off_top = 1.0 - soft[best as usize];
                view! {
                    <div class="distill-cols" data-read=next.tokens.concat()>
                        <section>
                            <h3>"Hard target"</h3>
                            <TokenBars rows=Signal::derive(move || hard_rows.clone()) label="The hard target: all probability on the Tumbler's top token"/>
                            <p class="distill-stat">"entropy 0 bits: one answer, no alternatives"</p>
                        </section>
                        <section>
                            <h3>{format!("Soft target at T\u{a0}=\u{a0}{temperature:.1}")}</h3>
                            <TokenBars rows=Signal::derive(move || soft_rows.clone()) label="The Tumbler's distribution at temperature T"/>
                            <p class="distill-stat">{format!("entropy {:.2} bits over all {} tokens", entropy_bits(&soft), group(v))}</p>
                        </section>
                    </div>
                    <table class="dpo-table distill-live stack">
                        <tbody>
                            <tr><th scope="row">"probability the soft target puts off the top token"</th>
                                <td data-off-top=off_top.to_string()>{format!("{:.1}%", off_top * 100.0)}</td></tr>
                            <tr><th scope="row">"soft loss for a student still guessing uniformly: KL(teacher at T ‖ uniform)"</th>
                                <td data-kl=kl_soft.to_string()>{format!("{kl_soft:.4} nats")}</td></tr>
                            <tr><th scope="row">"hard loss for the same student: −ln(1/V)"</th>
                                <td>{format!("{hard_loss:.4} nats")}</td></tr>
                        </tbody>
                    </table>
                    <p class="small">
                        {format!(
                            "A freshly initialised student gives every one of the {} tokens about the same \
                             probability. The hard target only tells it to raise one token; the soft target \
                             also says how to share the other {:.1}%, Hinton's “dark knowledge”. The KL \
                             divergence is ln V minus the soft target's entropy in nats: raising T spreads the \
                             target, so it sits closer to the uniform start and more of what it teaches is \
                             about the runner-up tokens.",
                            group(v),
                            off_top * 100.0
                        )}
                    </p>
                }
                .into_any()
            }
        })
    };
    let body = view! { <EngineReady loading="The Tumbler is loading; its real distribution appears here when it is ready." shown=move || next.answer.with(Shown::of)>{panel}</EngineReady> };
    view! {
        <div class="panel live-next distill-demo">
            <h2>"The Tumbler as the teacher"</h2>
            <p>
                "Our small model reads your prompt in this page. Its real next-token distribution is \
                 the soft target; its top token alone is the hard target."
            </p>
            <textarea
                aria-label="Prompt"
                rows="2"
                maxlength="2000"
                prop:value=move || prompt.get()
                on:input=move |ev| prompt.set(event_target_value(&ev))
            ></textarea>
            <div class="controls">
                <Slider label="temperature T" value=t min=0.5 max=5.0 step=0.1 format=t_fmt/>
                {move || next.pending.get().then(|| view! { <span class="muted" role="status">"updating…"</span> })}
            </div>
            {body}
        </div>
    }
}
