//! Why Models Can't Spell: a word as the model's chunks vs its letters, counted both ways.

use leptos::prelude::*;
use tumbler_engine::{Encoded, TextPiece};
use tumbler_model::tokenizer::EncodingName;

use crate::tokenizers::{self, VocabStatus};
use crate::url_state;
use crate::widgets::token_chips::{Chip, TokenChips, chip_label};

/// Every piece of this chapter uses GPT-4's encoding.
const ENCODING: EncodingName = EncodingName::Cl100kBase;

/// The texts of `words`, each as one piece, encoded in the text worker: the answer holds the
/// words it is for, so what is drawn always belongs together.
fn live_words(words: impl Fn() -> Vec<String> + 'static) -> Signal<Option<(Vec<String>, Encoded)>> {
    let live = tokenizers::live_encoded(ENCODING, move || {
        words().into_iter().map(TextPiece::text).collect()
    });
    Signal::derive(move || {
        live.get().map(|(pieces, e)| (pieces.into_iter().map(|p| p.text).collect(), e))
    })
}

/// The chips of the `i`th piece of `e`.
fn chips(e: &Encoded, i: usize) -> Vec<Chip> {
    Chip::from_tokens(&e.pieces[i].tokens)
}

/// How often `letter` occurs in `text`, ignoring case.
pub fn count_letter(text: &str, letter: char) -> usize {
    let want: Vec<char> = letter.to_lowercase().collect();
    text.chars().filter(|c| c.to_lowercase().eq(want.iter().copied())).count()
}

/// The word with its first letter capitalised.
fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The body of the `spelling` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let vocab = tokenizers::vocab(ENCODING);
    let straw = live_words(|| vec!["strawberry".to_string()]);
    view! {
        <p>
            "You read “strawberry” as ten letters. GPT-4 receives "
            {move || match straw.get() {
                Some((_, e)) => {
                    let ids = &e.pieces[0].tokens;
                    let list = ids.iter().map(|t| t.id.to_string()).collect::<Vec<_>>().join(", ");
                    format!("{} numbers, [{list}]", ids.len())
                }
                None => "a few numbers".to_string(),
            }}
            ". The letters are fused inside token chunks before the network sees anything, so a \
             question about single characters asks the model about something it was never shown \
             directly. It can only answer from what it has picked up, during training, about how \
             each chunk is spelled."
        </p>
        <VocabStatus name=ENCODING vocab/>
        <ChunksVsLetters/>
        <CountLetters/>
        <SpaceAndCase/>
        <div class="callout">
            <strong>"Key insight: "</strong>
            "counting letters, reversing words or taking every third character are easy on \
             characters and hard on chunks. A model that writes a short program, or spells the word \
             out one letter per token first, works on characters again and gets them right."
        </div>
    }
}

/// A word as the chunks the model sees, and as its letters.
#[component]
fn ChunksVsLetters() -> impl IntoView {
    let word = url_state::text_param("word", "strawberry");
    let encoded = live_words(move || vec![word.get()]);
    view! {
        <div class="panel spell-panel">
            <h2>"What the model sees vs what you see"</h2>
            <label class="tok-label">
                "Any word "
                <input
                    type="text"
                    class="tok-word spell-word"
                    maxlength="64"
                    spellcheck="false"
                    prop:value=move || word.get()
                    on:input=move |ev| word.set(event_target_value(&ev))
                />
            </label>
            {move || encoded.get().map(|(words, e)| {
                let w = words[0].clone();
                let c = chips(&e, 0);
                let n = c.len();
                let letters = w.chars().count();
                view! {
                    <div class="spell-rows">
                        <div class="spell-row">
                            <span class="spell-head">"Model (GPT-4)"</span>
                            <TokenChips encoding=ENCODING.as_str() chips=c total=n label="the word as tokens"/>
                        </div>
                        <div class="spell-row">
                            <span class="spell-head">"You"</span>
                            <div class="letters" aria-label="the word as letters">
                                {w.chars().map(|ch| view! { <span class="letter">{chip_label(ch.to_string().as_bytes())}</span> }).collect_view()}
                            </div>
                        </div>
                    </div>
                    <p class="result" data-spell-summary="">
                        {format!("{n} token{} for the model, {letters} character{} for you.",
                            if n == 1 { "" } else { "s" }, if letters == 1 { "" } else { "s" })}
                    </p>
                }
            })}
        </div>
    }
}

/// "How many r's in strawberry?", answered from characters and shown from tokens.
#[component]
fn CountLetters() -> impl IntoView {
    let word = url_state::text_param("count", "strawberry");
    let letter = url_state::text_param("letter", "r");
    let the_letter = move || letter.with(|l| l.chars().next()).unwrap_or('r');
    let encoded = live_words(move || vec![word.get()]);
    view! {
        <div class="panel spell-panel">
            <h2>"Count the letters"</h2>
            <div class="tok-bpe-inputs">
                <label>
                    "How many "
                    <input type="text" class="tok-letter" maxlength="1" spellcheck="false"
                        prop:value=move || letter.get()
                        on:input=move |ev| letter.set(event_target_value(&ev))/>
                </label>
                <label>
                    " in "
                    <input type="text" class="tok-word" maxlength="64" spellcheck="false"
                        prop:value=move || word.get()
                        on:input=move |ev| word.set(event_target_value(&ev))/>
                    " ?"
                </label>
            </div>
            {move || encoded.get().map(|(words, e)| {
                let w = words[0].clone();
                let l = the_letter();
                let ids: Vec<u32> = e.pieces[0].tokens.iter().map(|t| t.id).collect();
                let from_chars = count_letter(&w, l);
                let per_token: Vec<(u32, String, usize)> = chips(&e, 0)
                    .into_iter()
                    .map(|chip| {
                        let text = String::from_utf8_lossy(&chip.bytes).into_owned();
                        let n = count_letter(&text, l);
                        (chip.id, text, n)
                    })
                    .collect();
                let id_list = ids.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
                view! {
                    <div class="two-col">
                        <div class="spell-view">
                            <h3>"From the tokens (what the model gets)"</h3>
                            <p class="mono ids-only" data-token-ids=id_list.clone()>{format!("[{id_list}]")}</p>
                            <p class="small">
                                {format!("No ‘{l}’ appears anywhere in these numbers. To answer, the model must \
                                  recall how each id is spelled and add up, all inside one forward pass per token.")}
                            </p>
                        </div>
                        <div class="spell-view">
                            <h3>"From the characters (what you get)"</h3>
                            <p class="letters">
                                {w.chars().map(|ch| {
                                    let hit = count_letter(&ch.to_string(), l) == 1;
                                    view! { <span class="letter" class:hit=hit>{chip_label(ch.to_string().as_bytes())}</span> }
                                }).collect_view()}
                            </p>
                            <p class="result" data-letter-count=from_chars.to_string()>
                                {format!("{from_chars} × ‘{l}’, counted from the characters.")}
                            </p>
                        </div>
                    </div>
                    <h3>"What the token view hides"</h3>
                    <table class="spell-table">
                        <thead><tr><th>"Token id"</th><th>"Its text (hidden)"</th><th>{format!("‘{l}’s")}</th></tr></thead>
                        <tbody>
                            {per_token.into_iter().map(|(id, text, n)| view! {
                                <tr><td class="mono">{id.to_string()}</td><td class="mono">{chip_label(text.as_bytes())}</td><td>{n.to_string()}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }
            })}
        </div>
    }
}

/// The same word with and without a leading space and a capital: different ids each time.
#[component]
fn SpaceAndCase() -> impl IntoView {
    let word = url_state::text_param("case", "hello");
    let variants = live_words(move || {
        let w = word.get().trim().to_string();
        let cap = capitalised(&w);
        vec![w.clone(), format!(" {w}"), cap.clone(), format!(" {cap}"), w.to_uppercase()]
    });
    let ubiquitous = live_words(|| vec!["ubiquitous".to_string(), " ubiquitous".to_string()]);
    view! {
        <div class="panel spell-panel">
            <h2>"A space or a capital changes everything"</h2>
            <p>
                "To the tokenizer, “hello” at the start of a text, “␣hello” in the middle of a \
                 sentence and “Hello” at the start of one are different strings, so they usually \
                 get unrelated ids. The model has to learn separately that they mean the same thing."
            </p>
            <label class="tok-label">
                "Word "
                <input type="text" class="tok-word" maxlength="64" spellcheck="false"
                    prop:value=move || word.get()
                    on:input=move |ev| word.set(event_target_value(&ev))/>
            </label>
            {move || variants.get().map(|(words, e)| variants_table(&words, &e))}
            <h3>"Spelling from the chunks: “ubiquitous”"</h3>
            <p>
                "“Print every third letter of ubiquitous” is another task that trips models up. \
                 Here is the word as GPT-4 receives it, alone and after a space:"
            </p>
            {move || ubiquitous.get().map(|(words, e)| variants_table(&words, &e))}
        </div>
    }
}

fn variants_table(variants: &[String], e: &Encoded) -> impl IntoView + use<> {
    let rows = variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let c = chips(e, i);
            let n = c.len();
            let shown = format!("“{}”", v.replace(' ', "␣"));
            view! {
                <tr>
                    <td class="mono">{shown}</td>
                    <td class="grow" data-label="Tokens"><TokenChips encoding=ENCODING.as_str() chips=c total=n label=format!("{v:?} as tokens")/></td>
                    <td data-label="Count">{n.to_string()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="spell-table variants stack">
            <thead><tr><th>"Text"</th><th>"Tokens (id under each)"</th><th>"Count"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_are_counted_from_characters_ignoring_case() {
        assert_eq!(count_letter("strawberry", 'r'), 3);
        assert_eq!(count_letter("Rarer", 'r'), 3);
        assert_eq!(count_letter("", 'r'), 0);
        assert_eq!(count_letter("Ärger", 'ä'), 1);
        assert_eq!(capitalised("hello"), "Hello");
        assert_eq!(capitalised(""), "");
    }
}
