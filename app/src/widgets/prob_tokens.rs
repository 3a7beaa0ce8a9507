//! Generated tokens, each shaded by the probability the model gave it when it was chosen, with the
//! percentage under it: how sure the model was, token by token.

use leptos::prelude::*;

use crate::widgets::attention_map::visible;

/// One chosen token.
#[derive(Clone, Debug, PartialEq)]
pub struct ProbToken {
    /// Token id, for `data-token-id`.
    pub id: u32,
    /// The token's text.
    pub text: String,
    /// The probability it had when it was chosen, for `data-p`.
    pub p: f32,
}

/// The tokens in a row; with `picked`, each is a button that sets it to its index.
#[component]
pub fn ProbTokens(
    /// The tokens, in order.
    #[prop(into)]
    tokens: Signal<Vec<ProbToken>>,
    /// What the row shows, for screen readers.
    #[prop(into)]
    label: String,
    /// The token the reader picked, if the row is clickable.
    #[prop(optional)]
    picked: Option<RwSignal<Option<usize>>>,
) -> impl IntoView {
    view! {
        <span class="prob-tokens" role="list" aria-label=label>
            {move || words(&tokens.get()).into_iter().map(|word| {
                let chips = word.into_iter().map(|(i, t)| {
                    let style = format!("--p: {:.3}", t.p.clamp(0.0, 1.0));
                    let title = format!("p = {:.1}%", t.p * 100.0);
                    // A drawn token is never "0%": under half a percent reads "<1%".
                    let percent = if t.p < 0.005 { "<1%".to_string() } else { format!("{:.0}%", t.p * 100.0) };
                    let text = visible(&t.text);
                    let is_picked = move || picked.is_some_and(|p| p.get() == Some(i));
                    view! {
                        <span role="listitem" class="prob-token" class:picked=is_picked data-token-id=t.id data-p=t.p.to_string() style=style title=title>
                            {match picked {
                                Some(p) => view! { <button type="button" class="tok" on:click=move |_| p.set(Some(i))>{text}</button> }.into_any(),
                                None => view! { <span class="tok">{text}</span> }.into_any(),
                            }}
                            <small>{percent}</small>
                        </span>
                    }
                }).collect_view();
                view! { <span class="prob-word">{chips}</span> }
            }).collect_view()}
        </span>
    }
}

/// The tokens grouped into words, each with its index: a word starts at a token that starts with
/// whitespace (or follows a line break), so that a line of chips breaks between words, not inside
/// one ("␣C|r ill" broke between two chips of one word).
fn words(tokens: &[ProbToken]) -> Vec<Vec<(usize, ProbToken)>> {
    let mut out: Vec<Vec<(usize, ProbToken)>> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let starts =
            t.text.starts_with(char::is_whitespace) || i == 0 || tokens[i - 1].text.ends_with('\n');
        match out.last_mut() {
            Some(word) if !starts => word.push((i, t.clone())),
            _ => out.push(vec![(i, t.clone())]),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chips_group_into_words_at_leading_whitespace() {
        let t = |text: &str| ProbToken { id: 0, text: text.into(), p: 0.5 };
        let tokens = [t("He"), t(" C"), t("r"), t("ill"), t(".\n"), t("Then"), t(" ok")];
        let words: Vec<Vec<usize>> =
            words(&tokens).into_iter().map(|w| w.into_iter().map(|(i, _)| i).collect()).collect();
        assert_eq!(words, [vec![0], vec![1, 2, 3, 4], vec![5], vec![6]]);
        assert!(super::words(&[]).is_empty());
    }
}
