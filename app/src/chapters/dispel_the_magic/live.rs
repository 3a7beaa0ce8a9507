//! Biased coin flips with the Tumbler's own next-token distribution: many seeded draws, their
//! histogram against the probabilities.

use leptos::prelude::*;

use crate::engine::{EngineReady, Shown};
use tumbler_engine::NAMED_NEXT;
use tumbler_model::sampling::{filter_probabilities, softmax_with_temperature};

use crate::calc::coins::sampler_draws;
use crate::engine::live::next_logits;
use crate::url_state::{number_param, text_param};
use crate::widgets::Slider;
use crate::widgets::attention_map::visible;

/// Tokens listed by name; the rest are one row.
const SHOWN: usize = 6;
/// Draws shown one by one.
const FIRST: usize = 24;

fn whole(v: f64) -> String {
    format!("{v:.0}")
}

fn bar(fraction: f64) -> impl IntoView {
    let width = format!("{:.2}%", fraction.clamp(0.0, 1.0) * 100.0);
    view! { <span class="bar-track"><span class="bar-fill" style:width=width></span></span> }
}

/// The live panel of the `dispel-the-magic` chapter.
#[component]
pub fn LiveCoins() -> impl IntoView {
    let prompt = text_param("prompt", "Once upon a time, there was a little");
    let n = number_param("draws", 1000.0, 10.0, 10_000.0);
    let seed = number_param("dseed", 1.0, 0.0, 1e9);
    let next = next_logits(prompt.into());
    let table = move || {
        next.answer.with(|a| match a {
            None => view! { <p class="note-live">"Running the Tumbler on your prompt…"</p> }.into_any(),
            Some(Err(message)) => view! { <p class="note-live" role="alert">{message.clone()}</p> }.into_any(),
            Some(Ok(answer)) => {
                let next = &answer.value;
                // The full distribution at temperature 1, nothing cut: plain sampling.
                let probs = softmax_with_temperature(&next.logits, 1.0);
                let d = filter_probabilities(&probs, None, 1.0);
                let draws = n.get() as usize;
                let (counts, run) = sampler_draws(&d, draws, seed.get() as u64, FIRST);
                // A draw outside the named candidates is a rarer token: said in words, its id on hover.
                let name = |id: u32| next.name(id).map_or_else(|| "another".to_string(), |t| format!("“{}”", visible(t)));
                let rows = (0..SHOWN.min(d.ids.len())).map(|i| {
                    let p = f64::from(d.probs[i]);
                    let f = counts[i] as f64 / draws as f64;
                    view! {
                        <tr data-token-id=d.ids[i] data-p=p.to_string() data-count=counts[i]>
                            <th scope="row" class="token">{name(d.ids[i])}</th>
                            <td class="bar-cell">{bar(p)}</td>
                            <td data-label="probability">{format!("{:.1}%", p * 100.0)}</td>
                            <td class="bar-cell sampled">{bar(f)}</td>
                            <td data-label="sampled">{format!("{} = {:.1}%", counts[i], f * 100.0)}</td>
                        </tr>
                    }
                }).collect_view();
                let rest_p: f64 = d.probs.iter().skip(SHOWN).map(|&p| f64::from(p)).sum();
                let rest_n: usize = counts.iter().skip(SHOWN).sum();
                let distinct = counts.iter().filter(|&&c| c > 0).count();
                let rest_f = rest_n as f64 / draws as f64;
                let chips = run.iter().map(|&id| {
                    let class = if Some(&id) == d.ids.first() { "coin" } else { "coin rare" };
                    view! { <span class=class title=format!("token id {id}")>{name(id)}</span> }
                }).collect_view();
                view! {
                    <p class="coins-seq" aria-label="The first draws">{chips}</p>
                    <table class="numbers next-table coins-live stack" data-draws=draws data-distinct=distinct data-read=next.tokens.concat()>
                        <thead><tr>
                            <th scope="col">"next token"</th><th scope="col" class="bar-cell"></th><th scope="col">"probability"</th>
                            <th scope="col" class="bar-cell"></th><th scope="col">"sampled"</th>
                        </tr></thead>
                        <tbody>
                            {rows}
                            <tr class="rest" data-p=rest_p.to_string() data-count=rest_n>
                                <th scope="row">{format!("the other {} tokens", d.ids.len().saturating_sub(SHOWN))}</th>
                                <td class="bar-cell">{bar(rest_p)}</td>
                                <td data-label="probability">{format!("{:.1}%", rest_p * 100.0)}</td>
                                <td class="bar-cell sampled">{bar(rest_f)}</td>
                                <td data-label="sampled">{format!("{rest_n} = {:.1}%", rest_f * 100.0)}</td>
                            </tr>
                        </tbody>
                    </table>
                    <p class="small">{format!("{draws} draws with seed {} came up with {distinct} different tokens. Tokens outside the {NAMED_NEXT} \
                                  most likely are shown by their id (#n).", seed.get())}</p>
                }
                .into_any()
            }
        })
    };
    let body = view! { <EngineReady loading="The Tumbler is loading; its own distribution appears here when it is ready." shown=move || next.answer.with(Shown::of)>{table}</EngineReady> };
    view! {
        <div class="panel live-next coins">
            <h2>"The Tumbler's own dice"</h2>
            <p>
                "Now the real thing: our small model reads your prompt in this page and gives every \
                 token of its vocabulary a probability. The page draws from that distribution with \
                 the sampler's own seeded generator, the one the model writes with, and counts."
            </p>
            <textarea
                aria-label="Prompt"
                rows="2"
                maxlength="2000"
                prop:value=move || prompt.get()
                on:input=move |ev| prompt.set(event_target_value(&ev))
            ></textarea>
            <div class="controls">
                <Slider label="draws" value=n min=10.0 max=10_000.0 step=10.0 format=whole/>
                <button type="button" class="reseed" on:click=move |_| seed.update(|s| *s += 1.0)>"Roll again (new seed)"</button>
                {move || next.pending.get().then(|| view! { <span class="muted" role="status">"updating…"</span> })}
            </div>
            {body}
        </div>
    }
}
