//! The Tumbler's real logits after the reader's prompt, turned into probabilities step by step.

use leptos::prelude::*;

use crate::calc::expr::group_thousands;
use crate::calc::softmax::vocab_steps;
use crate::engine::NextLogits;
use crate::engine::live::{Answered, next_logits};
use crate::url_state::text_param;
use crate::widgets::attention_map::visible;
use crate::widgets::live_panel::LivePanel;

/// Tokens spelled out.
const SHOWN: usize = 5;

/// e^z in a form that stays readable from 0.001 to millions: thousands separated ("6,752.931").
fn exp_text(x: f64) -> String {
    if !(0.01..1e6).contains(&x) {
        return crate::calc::expr::power_of_ten(x, 3);
    }
    let fixed = format!("{x:.3}");
    let (whole, frac) = fixed.split_once('.').unwrap_or((&fixed, "000"));
    format!("{}.{frac}", group_thousands(whole.parse::<i128>().unwrap_or(0)))
}

/// The live panel of the `softmax` chapter.
#[component]
pub fn LiveSoftmax() -> impl IntoView {
    let prompt = text_param("prompt", "The cat sat on the");
    let next = next_logits(prompt.into());
    let draw = move |answer: &Answered<NextLogits>| {
        let next = &answer.value;
        let top: Vec<_> = next.top.iter().take(SHOWN).collect();
        let ids: Vec<u32> = top.iter().map(|t| t.id).collect();
        let s = vocab_steps(&next.logits, &ids);
        let n = next.tokens.len();
        let cut = (answer.cut || next.total_tokens > n).then(|| {
            format!(
                "Your prompt is longer than the model reads at once; it read the last {n} tokens. "
            )
        });
        let rows = top
            .iter()
            .enumerate()
            .map(|(i, t)| {
                view! {
                    <tr data-token-id=t.id data-p=s.probs[i].to_string()>
                        <th scope="row" class="token">{format!("“{}”", visible(&t.text))}</th>
                        <td>{format!("{:.3}", next.logits[t.id as usize])}</td>
                        <td>{exp_text(s.exps[i])}</td>
                        <td>{format!("{:.2}%", s.probs[i] * 100.0)}</td>
                    </tr>
                }
            })
            .collect_view();
        let others = next.logits.len() - ids.len();
        view! {
                    <table class="numbers next-table softmax-live" data-sum=s.sum.to_string() data-read=next.tokens.concat()>
                        <thead><tr><th scope="col">"next token"</th><th scope="col">"logit z"</th><th scope="col">"eᶻ"</th><th scope="col">"eᶻ ÷ sum"</th></tr></thead>
                        <tbody>
                            {rows}
                            <tr class="rest">
                                <th scope="row" colspan="2">{format!("other {}\u{a0}tokens", group_thousands(others as i128))}</th>
                                <td>{exp_text(s.rest)}</td>
                                <td>{format!("{:.2}%", s.rest / s.sum * 100.0)}</td>
                            </tr>
                        </tbody>
                        <tfoot><tr><th scope="row" colspan="2">{format!("all {}\u{a0}tokens", group_thousands(next.logits.len() as i128))}</th><td>{exp_text(s.sum)}</td><td>"100%"</td></tr></tfoot>
                    </table>
                    <p class="small">
                        {cut}
                        {format!("The sum runs over the whole vocabulary of {} tokens: that is why a token with a \
                                  large logit can still get a modest share. Forward pass: {:.0}\u{a0}ms.", group_thousands(next.logits.len() as i128), next.millis)}
                    </p>
                }
                .into_any()
    };
    view! {
        <LivePanel
            class="live-next live-softmax"
            title="The Tumbler's real logits"
            label="Prompt"
            text=prompt
            live=next
            loading="The Tumbler is loading; its real logits for your prompt appear here when it is ready."
            working="Running the Tumbler on your prompt…"
            draw
            maxlength=2000
        >
            <p>
                "Our small model reads your prompt in this page and gives every token of its \
                 vocabulary a logit. Here are the five largest, their exponentials, and the sum over \
                 all of them."
            </p>
        </LivePanel>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponentials_have_thousands_separated() {
        assert_eq!(exp_text(6752.9314), "6,752.931");
        assert_eq!(exp_text(1.5), "1.500");
    }
}
