//! "Reproduce it": the command that computes a panel's numbers natively, set apart from the prose
//! as a code aside instead of small print inside a sentence, and closed until a reader opens it (a
//! command line in the middle of the page read as debug output to a lay reader).

use leptos::prelude::*;

/// The command, and what it does or where it writes, in a box of its own under a panel.
#[component]
pub fn Reproduce(
    /// The command line, e.g. `tumbler mmoe --corr 0.9 --seed 1 --steps 600`.
    command: &'static str,
    /// What running it gives, after the command (plain words, may be empty).
    #[prop(optional)]
    gives: &'static str,
) -> impl IntoView {
    view! {
        <details class="reproduce">
            <summary class="reproduce-label">"Reproduce it on your own computer"</summary>
            <p>
                <code>{command}</code>
                {(!gives.is_empty()).then(|| view! { " " <span class="reproduce-gives">{gives}</span> })}
            </p>
        </details>
    }
}
