//! Cost & Energy.

use leptos::prelude::*;

use crate::calc::scaling::{Cluster, run_cost, training_flops};
use crate::url_state::number_param;

/// A number input bound to a signal; values outside `min..=max` or not numbers are ignored.
#[component]
fn NumberField(
    label: &'static str,
    value: RwSignal<f64>,
    min: f64,
    max: f64,
    step: f64,
) -> impl IntoView {
    view! {
        <label class="cost-field">
            <span>{label}</span>
            <input type="number" min=min max=max step=step
                prop:value=move || value.get().to_string()
                on:input=move |ev| {
                    if let Ok(v) = event_target_value(&ev).trim().parse::<f64>()
                        && v.is_finite() && (min..=max).contains(&v)
                    {
                        value.set(v);
                    }
                }/>
        </label>
    }
}

fn money(d: f64) -> String {
    if d >= 1e9 {
        format!("${:.2} billion", d / 1e9)
    } else if d >= 1e6 {
        format!("${:.1} million", d / 1e6)
    } else if d >= 1000.0 {
        // Three significant figures, as the millions have: "$442,366" read as a bill to the dollar.
        let unit = 10f64.powf(d.log10().floor() - 2.0);
        format!("${}", crate::calc::expr::group_thousands(((d / unit).round() * unit) as i128))
    } else {
        format!("${}", crate::calc::expr::group_thousands(d.round() as i128))
    }
}

/// The rental cost of training `params` on `tokens` at the calculator's default cluster (989
/// TFLOP/s per GPU, 40% utilisation, $2 per GPU-hour): the final run's compute only.
fn rented(params: f64, tokens: f64) -> String {
    let cluster =
        Cluster { gpus: 1000.0, peak_flops: 989e12, utilisation: 0.4, dollars_per_gpu_hour: 2.0 };
    run_cost(training_flops(params, tokens), cluster).map_or_else(String::new, |r| money(r.dollars))
}

/// The body of the `cost` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let params_b = number_param("N", 70.0, 0.001, 10_000.0);
    let tokens_b = number_param("D", 1400.0, 0.001, 1_000_000.0);
    let gpus = number_param("gpus", 1000.0, 1.0, 1_000_000.0);
    let tflops = number_param("tflops", 989.0, 1.0, 100_000.0);
    let util = number_param("mfu", 40.0, 1.0, 100.0);
    let price = number_param("price", 2.0, 0.0, 1000.0);
    let result = Memo::new(move |_| {
        let f = training_flops(params_b.get() * 1e9, tokens_b.get() * 1e9);
        run_cost(
            f,
            Cluster {
                gpus: gpus.get(),
                peak_flops: tflops.get() * 1e12,
                utilisation: util.get() / 100.0,
                dollars_per_gpu_hour: price.get(),
            },
        )
    });
    let preset = move |n: f64, d: f64, g: f64| {
        move |_| {
            params_b.set(n);
            tokens_b.set(d);
            gpus.set(g);
        }
    };
    // A preset reads as pressed while the fields still hold its numbers.
    let pressed = move |n: f64, d: f64, g: f64| {
        move || (params_b.get() == n && tokens_b.get() == d && gpus.get() == g).to_string()
    };
    view! {
        <p>
            "Every token has a price. The cost structure explains why some products are free, why "
            "others charge per request, and why the AI boom looks like an infrastructure boom: "
            "chips, data centres and power contracts."
        </p>
        <h2>"Training: about 6 × N × D"</h2>
        <p>
            "Training a model with N parameters on D tokens takes about 6·N·D floating-point "
            "operations: roughly 2 per parameter per token for the forward pass and 4 for the "
            "backward pass. Divide by what the cluster really delivers (its peak times the "
            "fraction achieved, the model FLOPs utilisation, typically 30–50%) and you have the "
            "time; multiply the GPU-hours by the rental price and you have the bill."
        </p>
        <div class="panel cost-calc">
            <div class="fc-presets" role="group" aria-label="Presets">
                <button type="button" aria-pressed=pressed(70.0, 1400.0, 1000.0) on:click=preset(70.0, 1400.0, 1000.0)>"Chinchilla\u{2011}optimal 70B"</button>
                <button type="button" aria-pressed=pressed(405.0, 15_600.0, 16_000.0) on:click=preset(405.0, 15_600.0, 16_000.0)>"Llama 3.1 405B (15.6T tokens)"</button>
                <button type="button" aria-pressed=pressed(175.0, 300.0, 1000.0) on:click=preset(175.0, 300.0, 1000.0)>"GPT-3 (175B, 300B tokens)"</button>
            </div>
            <div class="cost-fields">
                <NumberField label="parameters (billions)" value=params_b min=0.001 max=10_000.0 step=1.0/>
                <NumberField label="training tokens (billions)" value=tokens_b min=0.001 max=1_000_000.0 step=100.0/>
                <NumberField label="GPUs" value=gpus min=1.0 max=1_000_000.0 step=1.0/>
                <NumberField label="peak TFLOP/s per GPU (H100 BF16 dense: 989)" value=tflops min=1.0 max=100_000.0 step=1.0/>
                <NumberField label="utilisation (%)" value=util min=1.0 max=100.0 step=1.0/>
                <NumberField label="$ per GPU-hour" value=price min=0.0 max=1000.0 step=0.1/>
            </div>
            {move || match result.get() {
                Some(r) => view! {
                    <table class="dpo-table cost-result" data-flops=format!("{:e}", r.flops) data-dollars=format!("{:.2}", r.dollars)>
                        <tbody>
                            <tr><th scope="row">"compute 6·N·D"</th><td>{format!("{}\u{a0}FLOPs", crate::calc::expr::power_of_ten(r.flops, 1))}</td></tr>
                            <tr><th scope="row">"wall-clock time"</th><td>{format!("{:.1} days", r.wall_seconds / 86_400.0)}</td></tr>
                            <tr><th scope="row">"GPU-hours"</th><td>{crate::calc::expr::group_thousands(r.gpu_hours.round() as i128)}</td></tr>
                            <tr class="dpo-loss"><th scope="row">"rental cost"</th><td>{money(r.dollars)}</td></tr>
                        </tbody>
                    </table>
                }.into_any(),
                None => view! { <p class="t-error">"The cluster does no work with these inputs."</p> }.into_any(),
            }}
            <p>
                "Check: Meta reports about 3.8\u{a0}×\u{a0}10²⁵ FLOPs for Llama\u{a0}3.1\u{a0}405B, and 6\u{a0}×\u{a0}405B\u{a0}×\u{a0}15.6T "
                "gives 3.79\u{a0}×\u{a0}10²⁵. Rental cost is only part of the real bill: failed runs, "
                "experiments, staff and the hardware itself are not in it."
            </p>
        </div>
        <div class="rl-compare">
            <section class="panel">
                <h3>"Training, once"</h3>
                <ul>
                    <li data-rented="gpt-3">{format!("GPT-3 (175B parameters, 300B tokens): {} of rented H100 time today", rented(175e9, 300e9))}</li>
                    <li data-rented="llama-3.1-405b">{format!("Llama 3.1 405B (15.6T tokens): {}", rented(405e9, 15.6e12))}</li>
                    <li>"GPT-4: “more than $100\u{a0}million”, by OpenAI's chief executive in 2023"</li>
                </ul>
                <p class="small">"The first two are computed here, at 989\u{a0}TFLOP/s per GPU, 40% utilisation and $2 per GPU-hour: the final run only."</p>
            </section>
            <section class="panel">
                <h3>"Inference, per million input tokens (list prices)"</h3>
                <ul>
                    <li>"GPT-4 (2023): $30"</li>
                    <li>"GPT-4o: $2.50"</li>
                    <li>"GPT-4o mini (July 2024): $0.15, 200 times less than GPT-4 sixteen months earlier"</li>
                </ul>
            </section>
        </div>
        <p class="seed-note">
            "GPT-4o launched in May 2024 at $5 per million input tokens; the $2.50 price came with a "
            "later version in August 2024."
        </p>
        <h2>"Serving and training"</h2>
        <p>
            "A popular model serves a vast number of requests every day, and every one of those tokens is "
            "running cost. Even so, a frontier lab's compute goes mostly to training and research: "
            "Epoch AI's estimate of OpenAI's 2024 compute spending, from press reports, is about "
            "$5\u{a0}billion on research and development (final training runs and the many experiments "
            "behind them) against about $2\u{a0}billion on serving (Epoch AI, 2025, “Most of OpenAI's "
            "2024 compute went to experiments”)."
        </p>
        <h2>"Energy"</h2>
        <p>
            {format!(
                "Meta trained Llama 3 405B on up to 16,000 H100\u{a0}GPUs, each rated at 700\u{a0}W: {:.1} MW \
                 for the chips alone, before cooling and networking, for weeks on end. Its paper \
                 reports that the whole data centre's power draw swung by tens of megawatts as \
                 training paused and resumed, a strain on the grid. Power, not only chips, is \
                 becoming a limit on how large a run can be.",
                16_000.0 * 700.0 / 1e6
            )}
        </p>
        <div class="callout">
            <strong>"Why it matters. "</strong>
            "The compute economy is the model economy. Whoever controls chips and electricity "
            "controls how fast models improve."
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_is_written_to_three_figures() {
        assert_eq!(money(442_366.0), "$442,000");
        assert_eq!(money(1_234.0), "$1,230");
        assert_eq!(money(53_200_000.0), "$53.2 million");
        assert_eq!(money(2.4e9), "$2.40 billion");
        assert_eq!(money(12.0), "$12");
    }
}
