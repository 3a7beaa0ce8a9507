//! Scaling Laws: the published fits (Kaplan, Chinchilla), then our own curve measured on five
//! sizes of the Tumbler.

mod ours;

use leptos::prelude::*;

use crate::calc::scaling::{
    chinchilla, chinchilla_loss, chinchilla_tokens, kaplan_loss_data, kaplan_loss_params,
    training_flops,
};
use crate::url_state::number_param;
use crate::widgets::plot::{Axis, LineChart, Series, compact};
use crate::widgets::{Chart, Math, Slider};

const KAPLAN_MATHML: &str = "<mrow><mi>L</mi><mo>≈</mo><msup><mrow><mo>(</mo><mfrac><msub><mi>N</mi><mi>c</mi></msub><mi>N</mi></mfrac><mo>)</mo></mrow><msub><mi>α</mi><mi>N</mi></msub></msup>\
<mo>+</mo><msup><mrow><mo>(</mo><mfrac><msub><mi>D</mi><mi>c</mi></msub><mi>D</mi></mfrac><mo>)</mo></mrow><msub><mi>α</mi><mi>D</mi></msub></msup></mrow>";

const CHINCHILLA_MATHML: &str = "<mrow><mi>L</mi><mo>(</mo><mi>N</mi><mo>,</mo><mi>D</mi><mo>)</mo><mo>=</mo><mi>E</mi><mo>+</mo>\
<mfrac><mi>A</mi><msup><mi>N</mi><mi>α</mi></msup></mfrac><mo>+</mo><mfrac><mi>B</mi><msup><mi>D</mi><mi>β</mi></msup></mfrac></mrow>";

fn log_points(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f64> {
    let (a, b) = (lo.log10(), hi.log10());
    (0..=n).map(move |i| 10f64.powf(a + (b - a) * i as f64 / n as f64))
}

fn chart() -> String {
    let ns = || log_points(1e8, 1e12, 60);
    let mut series: Vec<Series> =
        [(1e10, "10B tokens"), (1e11, "100B tokens"), (1e12, "1T tokens")]
            .iter()
            .enumerate()
            .map(|(i, &(d, name))| Series {
                label: format!("fixed data: {name}"),
                points: ns().map(|n| (n, chinchilla_loss(n, d))).collect(),
                color: i + 1,
                markers: false,
            })
            .collect();
    series.insert(
        0,
        Series {
            label: "compute-optimal: D = 20·N".into(),
            points: ns().map(|n| (n, chinchilla_loss(n, chinchilla_tokens(n)))).collect(),
            color: 0,
            markers: false,
        },
    );
    LineChart {
        x: Axis::log(1e8, 1e12),
        // Linear: a log axis over less than a decade gets no labelled ticks from plotters.
        y: Axis { min: 1.75, max: 4.0, log: false, format: |v| format!("{v:.1}") },
        x_label: "parameters N".into(),
        y_label: "loss (nats/token)".into(),
        series,
        size: (720, 400),
    }
    .svg()
}

/// Chinchilla's fitted loss at 0.7B, 7B and 70B parameters, each trained on 20 tokens per
/// parameter: the drops shrink as the loss nears E.
fn diminishing() -> String {
    let l = |n: f64| chinchilla_loss(n, chinchilla_tokens(n));
    let (a, b, c) = (l(0.7e9), l(7e9), l(70e9));
    format!(
        "By Chinchilla's fit, going from 0.7B to 7B parameters (each trained compute-optimally) \
         lowers the loss by {:.3} nats, and 7B to 70B by only {:.3}: each step of ten costs ten \
         times more and buys less, as the loss nears the floor E.",
        a - b,
        b - c
    )
}

fn billions(v: f64) -> String {
    if v >= 1000.0 { format!("{:.2}T", v / 1000.0) } else { format!("{v:.1}B") }
}

/// The body of the `scaling-laws` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let params_b = number_param("N", 70.0, 0.1, 2000.0);
    let svg = chart();
    let n = move || params_b.get() * 1e9;
    view! {
        <p>
            "In 2020 OpenAI published curves showing that a language model's loss falls "
            "predictably as parameters, data and compute grow. Plotted on log-log axes they are "
            "nearly straight lines over many orders of magnitude. Much of the following five years "
            "was labs riding those lines."
        </p>
        <h2>"Kaplan et\u{a0}al. (2020)"</h2>
        <p>"Loss is a power law in parameters N, training tokens D and compute C. It is often written as"</p>
        <Math parts=&[KAPLAN_MATHML] label="L approximately equals N c over N to the alpha N, plus D c over D to the alpha D"/>
        <p class="seed-note">
            "That sum is a simplification. Kaplan et\u{a0}al. fit each variable alone, "
            "L(N) = (N"<sub>"c"</sub>"/N)"<sup>"0.076"</sup>" and L(D) = (D"<sub>"c"</sub>"/D)"<sup>"0.095"</sup>
            ", and combined them as L(N, D) = [(N"<sub>"c"</sub>"/N)"<sup>"α"<sub>"N"</sub>"/α"<sub>"D"</sub></sup>" + D"<sub>"c"</sub>"/D]"<sup>"α"<sub>"D"</sub></sup>
            ", not as a plain sum. "
            {format!("Their laws give {:.3} nats for a 1B-parameter model with unlimited data, and {:.3} for \
             unlimited parameters trained on 10B tokens.", kaplan_loss_params(1e9), kaplan_loss_data(1e10))}
        </p>
        <h2>"The Chinchilla correction (2022)"</h2>
        <p>
            "Hoffmann et\u{a0}al. at DeepMind found that most large models of the time were "
            "under-trained: too many parameters for too few tokens. Their fit of loss to both is"
        </p>
        <Math parts=&[CHINCHILLA_MATHML] label="L of N and D equals E plus A over N to the alpha plus B over D to the beta"/>
        <p>
            {format!("with E\u{a0}=\u{a0}{}, A\u{a0}=\u{a0}{}, B\u{a0}=\u{a0}{}, α\u{a0}=\u{a0}{}, β\u{a0}=\u{a0}{} (their approach 3). E is the loss no \
             model can beat, the entropy of text itself; the two other terms are what finite \
             size and finite data cost.", chinchilla::E, chinchilla::A, chinchilla::B, chinchilla::ALPHA, chinchilla::BETA)}
        </p>
        <Chart svg=Signal::derive(move || svg.clone())
            label="Chinchilla's fitted loss against parameters on log-log axes: with data held fixed each curve flattens as parameters grow, while the compute-optimal curve keeps falling"
            caption="Drawn from Hoffmann et\u{a0}al.'s published fit, not from our own runs. With the data fixed, more parameters stop helping: the fit's data term sets a floor. Growing data with size, at 20 tokens per parameter, keeps the loss falling."/>
        <div class="panel">
            <h3>"Chinchilla calculator"</h3>
            <Slider label="parameters (billions)" value=params_b min=0.1 max=2000.0 step=0.1 format=billions/>
            <table class="dpo-table stack">
                <tbody>
                    <tr><th scope="row">"compute-optimal tokens\u{a0}≈\u{a0}20\u{a0}×\u{a0}N"</th>
                        <td data-chinchilla-tokens=move || format!("{}", chinchilla_tokens(n()))>{move || format!("{} tokens", compact(chinchilla_tokens(n())))}</td></tr>
                    <tr><th scope="row">"training compute\u{a0}≈\u{a0}6\u{a0}×\u{a0}N\u{a0}×\u{a0}D"</th>
                        <td>{move || crate::calc::expr::unbroken(&format!("{} FLOPs", crate::calc::expr::power_of_ten(training_flops(n(), chinchilla_tokens(n())), 1)))}</td></tr>
                    <tr><th scope="row">"fitted loss L(N, 20N)"</th>
                        <td>{move || format!("{:.3}\u{a0}nats/token", chinchilla_loss(n(), chinchilla_tokens(n())))}</td></tr>
                </tbody>
            </table>
            <p>"A 70B model wants about 1.4T tokens. Llama 3 trained its 8B and 70B models on about "
               "15T tokens, far past this point: Chinchilla is optimal for training compute, but a "
               "smaller model trained longer is cheaper to run for every user afterwards."</p>
        </div>
        <ours::OurSweep/>
        <div class="agents-kinds">
            <section class="panel"><h3>"Diminishing returns"</h3><p>{diminishing()}</p></section>
            <section class="panel"><h3>"The cost wall"</h3><p>"OpenAI's chief executive said GPT-4 cost more than $100M to train, and later frontier runs cost more still; capital, chips and power become the limit."</p></section>
            <section class="panel"><h3>"Test-time compute"</h3><p>"o1 and R1 opened a second axis: spend compute when answering (longer thinking), not only when training."</p></section>
        </div>
        <div class="callout">
            <strong>"What scaling bought. "</strong>
            "Loss fell predictably; abilities appeared less predictably on top of it. Scaling laws "
            "are the closest thing modern machine learning has to physics, and the reason labs bet "
            "that bigger would be better."
        </div>
    }
}
