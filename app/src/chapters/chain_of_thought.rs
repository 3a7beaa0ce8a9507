//! Chain of Thought.

use leptos::prelude::*;

use crate::calc::expr::group_thousands;
use crate::calc::long_mult::{long_multiply, plausible_wrong_chain};
use crate::tokenizers::{self, VocabStatus};
use crate::url_state::number_param;
use crate::widgets::token_chips::{Chip, TokenChips};
use tumbler_engine::TextPiece;
use tumbler_model::tokenizer::EncodingName;

fn g(v: u128) -> String {
    group_thousands(v as i128)
}

/// The encodings the numbers are cut with: GPT-4's, and the Tumbler's own.
const NUMBER_ENCODINGS: [EncodingName; 2] = [EncodingName::Cl100kBase, EncodingName::Tumbler];

/// `a`, `b` and `a × b`, each number on its own as its digits stand, to be cut by a tokenizer.
fn numbers(a: u64, b: u64) -> Vec<TextPiece> {
    let product = u128::from(a) * u128::from(b);
    [a.to_string(), b.to_string(), product.to_string()].into_iter().map(TextPiece::text).collect()
}

/// The reader's two numbers and their product as token chips, in each of [`NUMBER_ENCODINGS`].
#[component]
fn NumberTokens(a: RwSignal<f64>, b: RwSignal<f64>) -> impl IntoView {
    let tables = NUMBER_ENCODINGS.map(|name| {
        let vocab = tokenizers::vocab(name);
        let encoded = tokenizers::live_encoded(name, move || numbers(a.get() as u64, b.get() as u64));
        let rows = move || match encoded.get() {
            Some((pieces, e)) => {
                pieces
                    .into_iter()
                    .zip(e.pieces)
                    .map(|(number, encoded)| {
                        let number = number.text;
                        let chips = Chip::from_tokens(&encoded.tokens);
                        let n = chips.len();
                        let total = Signal::derive(move || n);
                        let label = format!("{number} in {name} tokens");
                        view! {
                            <div class="cot-number" data-number=number.clone() data-tokens=n>
                                <span class="mono">{number.clone()}</span>
                                <TokenChips encoding=name.as_str() chips=Signal::derive(move || chips.clone()) total label/>
                            </div>
                        }
                    })
                    .collect_view()
                    .into_any()
            }
            None => ().into_any(),
        };
        view! {
            <section data-tokenizer=name.as_str()>
                <h3>{format!("{name}")}</h3>
                <VocabStatus name vocab/>
                {rows}
            </section>
        }
    });
    view! {
        <div class="panel cot-tokens" data-live="number-tokens">
            <h3>"a, b and a × b as token ids"</h3>
            <div class="cot-token-grid">{tables.into_iter().collect_view()}</div>
        </div>
    }
}

/// The body of the `chain-of-thought` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let a = number_param("a", 3847.0, 1.0, 999_999.0);
    let b = number_param("b", 291.0, 100.0, 999.0);
    let ops = move || (a.get() as u64, b.get() as u64);
    let set = |sig: RwSignal<f64>, min: f64, max: f64| {
        move |ev: leptos::ev::Event| {
            if let Ok(v) = event_target_value(&ev).trim().parse::<f64>()
                && v.fract() == 0.0
                && (min..=max).contains(&v)
            {
                sig.set(v);
            }
        }
    };
    view! {
        <p>
            "A language model can explain mitosis, debug a React component, or compare schools of "
            "economics, and then get 3,847 × 291 wrong. The two facts fit together once you see "
            "what the model is doing: producing likely tokens, not executing rules."
        </p>
        <h2>"Numbers are tokens, not quantities"</h2>
        <p>
            "You see 12345 as one quantity. GPT-4's tokenizer (cl100k_base) cuts a run of digits "
            "into chunks of at most three from the left, so it sees two: "<code>"123"</code>" and "
            <code>"45"</code>", each an id with no numeric value attached. To “add” two numbers "
            "the model writes tokens that look like the result of adding. For small, common "
            "numbers likely and correct coincide; for long, unusual ones they silently part. Your "
            "numbers below are cut by the real tokenizers, in this page."
        </p>
        <NumberTokens a b/>
        <h2>"A convincing wrong chain"</h2>
        <div class="panel cot-calc">
            <div class="cot-inputs">
                <label>"a = "<input type="number" min="1" max="999999" step="1"
                    prop:value=move || a.get().to_string() on:input=set(a, 1.0, 999_999.0)/></label>
                <label>"b = "<input type="number" min="100" max="999" step="1"
                    prop:value=move || b.get().to_string() on:input=set(b, 100.0, 999.0)/></label>
                <span class="cot-hint">"(b has three digits)"</span>
            </div>
            <div class="cot-grid">
                <section>
                    <h3>"The plausible chain"</h3>
                    <ol class="cot-steps">
                        {move || {
                            let (x, y) = ops();
                            let (steps, _) = plausible_wrong_chain(x, y);
                            steps.into_iter().map(|s| view! {
                                <li class:ok=s.correct class:bad={!s.correct}>
                                    {format!("{} = {}", s.text, g(s.value))}
                                    <span class="cot-mark">{if s.correct { " ✓" } else { " ✗" }}</span>
                                </li>
                            }).collect_view()
                        }}
                    </ol>
                    <p class="cot-note">{move || {
                        let (x, y) = ops();
                        if y % 10 == 0 {
                            "With a units digit of 0 the slip changes nothing; try another b.".to_owned()
                        } else {
                            format!("The slip: {x} × {} was worked out as {x} × {}, dropping {x} × {}.", y % 100, y % 100 / 10 * 10, y % 10, x = g(u128::from(x)))
                        }
                    }}</p>
                </section>
                <section>
                    <h3>"Long multiplication, digit by digit"</h3>
                    <table class="cot-long">
                        <thead><tr>
                            <th scope="col">"step"</th><th scope="col">"value"</th><th scope="col">"carries"</th>
                        </tr></thead>
                        <tbody>
                            {move || {
                                let (x, y) = ops();
                                let (rows, total) = long_multiply(x, y);
                                let mut out = rows.into_iter().map(|r| {
                                    let carries: Vec<String> = r.carries.iter().map(u8::to_string).collect();
                                    view! {
                                        <tr>
                                            <td>{format!("{} × {} × {}", g(u128::from(x)), r.digit, g(u128::from(10u64.pow(r.place))))}</td>
                                            <td class="num">{g(r.value)}</td>
                                            <td class="cot-carries">{carries.join("\u{a0}")}</td>
                                        </tr>
                                    }.into_any()
                                }).collect::<Vec<_>>();
                                out.push(view! {
                                    <tr class="cot-total"><td>"sum"</td><td class="num" data-product=total.to_string()>{g(total)}</td><td></td></tr>
                                }.into_any());
                                out
                            }}
                        </tbody>
                    </table>
                </section>
            </div>
        </div>
        <h2>"What the chain of thought does, and doesn't"</h2>
        <div class="rl-compare">
            <section class="panel">
                <h3>"Why it helps"</h3>
                <p>"Every written step is another forward pass through the whole network. A chain "
                   "spreads the problem over many token predictions instead of one impossible leap: "
                   "more compute, not magic."</p>
            </section>
            <section class="panel">
                <h3>"What it can't do"</h3>
                <p>"It gives the model no calculator. The steps are tokens that resemble working, "
                   "and one slipped step, like the dropped term above, leads to a wrong answer "
                   "that reads as carefully checked."</p>
            </section>
        </div>
        <h2>"Symbolic vs neural"</h2>
        <table class="cot-vs">
            <thead><tr><th scope="col">"Calculators and code"</th><th scope="col">"Language models"</th></tr></thead>
            <tbody>
                <tr><td>"Apply fixed rules to symbols"</td><td>"Learn patterns of rule-following from text"</td></tr>
                <tr><td>"Correct whenever the rules apply"</td><td>"Likely, not guaranteed"</td></tr>
                <tr><td>"No tolerance for approximation"</td><td>"Good with fuzzy, contextual language"</td></tr>
                <tr><td>"Execute, but cannot explain"</td><td>"Explain, compare and adapt"</td></tr>
            </tbody>
        </table>
        <p>
            "Real-world reasoning is mostly framing, decomposing, comparing and arguing, and "
            "models have read billions of examples of people doing exactly that. Exact arithmetic "
            "is the odd one out."
        </p>
        <div class="callout">
            <strong>"Division of labour. "</strong>
            "Let the model frame the problem and explain the answer; let a tool do the exact "
            "part. Those are the next two chapters: "<a href="#/tools">"tools"</a>" and "
            <a href="#/function-calling">"function calling"</a>"."
        </div>
    }
}

#[cfg(test)]
mod number_tests {
    use super::numbers;
    use tumbler_model::tokenizer::Encoding;

    /// The Tumbler's tokenizer cuts digits in groups of at most three from the left, as GPT-4's
    /// does, and the pieces (the text worker encodes what `numbers` sends) spell the number.
    #[test]
    fn numbers_are_cut_into_groups_of_at_most_three_digits() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../public/model/tokenizer.json");
        let enc = Encoding::from_tokenizer_json(&std::fs::read(path).unwrap()).unwrap();
        let texts: Vec<String> = numbers(3847, 291).into_iter().map(|p| p.text).collect();
        assert_eq!(texts, ["3847", "291", "1119477"]);
        for number in &texts {
            let pieces: Vec<Vec<u8>> = enc
                .encode(number)
                .iter()
                .map(|&id| enc.token_bytes(id).unwrap().to_vec())
                .collect();
            assert_eq!(pieces.concat(), number.as_bytes());
            assert!(pieces.iter().all(|p| (1..=3).contains(&p.len())), "{number}: {pieces:?}");
        }
        // Never across a group boundary: 3847 is 384 | 7 at least.
        let mut at = 0;
        let ends: Vec<usize> = enc
            .encode("3847")
            .iter()
            .map(|&id| {
                at += enc.token_bytes(id).unwrap().len();
                at
            })
            .collect();
        assert!(ends.contains(&3), "{ends:?}");
    }
}
