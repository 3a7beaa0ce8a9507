//! Back / next / play controls for a diagram shown step by step.

use std::time::Duration;

use leptos::prelude::*;

/// Whether the reader asked the system for less motion.
pub fn reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-reduced-motion: reduce)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Controls that move `current` through `0..count`. "Play" advances every `interval_ms` (1.4 s
/// unless given) and stops at the end; it is not offered when the reader prefers reduced motion.
#[component]
pub fn Stepper(
    /// Number of steps.
    count: usize,
    /// The step on screen, `0..count`.
    current: RwSignal<usize>,
    /// What is being stepped through, for the controls' accessible name.
    #[prop(into)]
    label: String,
    /// Milliseconds between steps while playing.
    #[prop(default = 1400)]
    interval_ms: u64,
) -> impl IntoView {
    let playing = RwSignal::new(false);
    let handle = StoredValue::new(None::<IntervalHandle>);
    let stop = move || {
        if let Some(h) = handle.get_value() {
            h.clear();
        }
        handle.set_value(None);
        playing.set(false);
    };
    on_cleanup(stop);
    let play = move |_| {
        if playing.get_untracked() {
            stop();
            return;
        }
        if current.get_untracked() + 1 >= count {
            current.set(0);
        }
        playing.set(true);
        let h = set_interval_with_handle(
            move || {
                if current.get_untracked() + 1 >= count {
                    stop();
                } else {
                    current.update(|c| *c += 1);
                }
            },
            Duration::from_millis(interval_ms),
        );
        handle.set_value(h.ok());
    };
    let motion = !reduced_motion();
    view! {
        <div
            class="stepper"
            role="group"
            aria-label=label
            data-step=move || current.get() + 1
            data-steps=count
        >
            <button
                type="button"
                class="stepper-back"
                on:click=move |_| { stop(); current.update(|c| *c = c.saturating_sub(1)); }
                disabled=move || current.get() == 0
            >"← Back"</button>
            <span class="stepper-pos" aria-live="polite">
                {move || format!("Step {} of {count}", current.get() + 1)}
            </span>
            <button
                type="button"
                class="stepper-next"
                on:click=move |_| { stop(); current.update(|c| *c = (*c + 1).min(count - 1)); }
                disabled=move || { current.get() + 1 >= count }
            >"Next →"</button>
            {motion.then(|| view! {
                <button type="button" class="stepper-play" on:click=play>
                    {move || if playing.get() { "Pause" } else { "Play" }}
                </button>
            })}
        </div>
    }
}
