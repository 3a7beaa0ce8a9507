//! A [`Flow`] diagram with a [`Stepper`] under it and the current step explained in words.

use leptos::prelude::*;

use super::{Flow, FlowStep, Stepper};

/// A diagram the reader steps through; `explain[i]` is shown (and announced) at step `i`.
#[component]
pub fn Walkthrough(
    /// The boxes in order.
    steps: &'static [FlowStep],
    /// One or two sentences per step, same length as `steps`.
    explain: &'static [&'static str],
    /// Whether the last box leads back to the first.
    #[prop(default = false)]
    looped: bool,
    /// Boxes per row.
    #[prop(default = 5)]
    per_row: usize,
    /// What the diagram shows.
    #[prop(into)]
    label: String,
) -> impl IntoView {
    let current = RwSignal::new(0usize);
    let active = Signal::derive(move || Some(current.get()));
    view! {
        <div class="panel walkthrough">
            <Flow steps active per_row looped label=label.clone()/>
            <Stepper count=steps.len() current label=format!("{label}: steps")/>
            <p class="walkthrough-text" aria-live="polite">
                <strong>{move || steps[current.get()].title}": "</strong>
                {move || explain.get(current.get()).copied().unwrap_or_default()}
            </p>
        </div>
    }
}
