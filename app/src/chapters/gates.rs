//! Gates: a sigmoid between 0 and 1 multiplied into a signal.

mod live;

use leptos::prelude::*;

use crate::calc::expr::{fixed, unbroken};
use crate::calc::gate::{gated, sigmoid, silu, swiglu};
use crate::url_state::number_param;
use crate::widgets::plot::{Axis, LineChart, Series};
use crate::widgets::{Chart, Flow, FlowStep, Math, Slider};
use live::LiveGates;

const GATE: [&str; 3] = [
    "<mrow><mtext>gate</mtext><mo stretchy=\"false\">(</mo><mi>x</mi><mo stretchy=\"false\">)</mo>\
<mo>=</mo><mi>σ</mi><mo stretchy=\"false\">(</mo><mi>W</mi><mi>x</mi><mo>+</mo><mi>b</mi><mo stretchy=\"false\">)</mo></mrow>",
    "<mrow><mtext>output</mtext><mo>=</mo><mtext>gate</mtext><mo stretchy=\"false\">(</mo><mi>x</mi>\
<mo stretchy=\"false\">)</mo><mo>⊙</mo><mtext>signal</mtext></mrow>",
    "<mrow><mi>σ</mi><mo stretchy=\"false\">(</mo><mi>z</mi><mo stretchy=\"false\">)</mo><mo>=</mo>\
<mfrac><mn>1</mn><mrow><mn>1</mn><mo>+</mo><msup><mi>e</mi><mrow><mo>−</mo><mi>z</mi></mrow></msup></mrow></mfrac></mrow>",
];

const SWIGLU: [&str; 2] = [
    "<mrow><mtext>FFN</mtext><mo stretchy=\"false\">(</mo><mi>x</mi><mo stretchy=\"false\">)</mo>\
<mo>=</mo><msub><mi>W</mi><mtext>down</mtext></msub><mo stretchy=\"false\">(</mo><mtext>SiLU</mtext>\
<mo stretchy=\"false\">(</mo><msub><mi>W</mi><mtext>gate</mtext></msub><mi>x</mi><mo stretchy=\"false\">)</mo>\
<mo>⊙</mo><msub><mi>W</mi><mtext>up</mtext></msub><mi>x</mi><mo stretchy=\"false\">)</mo></mrow>",
    "<mrow><mtext>SiLU</mtext><mo stretchy=\"false\">(</mo><mi>z</mi><mo stretchy=\"false\">)</mo>\
<mo>=</mo><mi>z</mi><mo>⁢</mo><mi>σ</mi><mo stretchy=\"false\">(</mo><mi>z</mi><mo stretchy=\"false\">)</mo></mrow>",
];

const LSTM: &[FlowStep] = &[
    FlowStep { title: "Cell state in", detail: "the memory so far" },
    FlowStep { title: "Forget gate", detail: "what to drop" },
    FlowStep { title: "Input gate", detail: "what to add" },
    FlowStep { title: "Output gate", detail: "what to expose" },
    FlowStep { title: "Hidden state", detail: "what the next step sees" },
];

fn two(v: f64) -> String {
    format!("{v:.2}")
}

fn sigmoid_chart(z: f64) -> String {
    let points: Vec<(f64, f64)> =
        (-60..=60).map(|i| i as f64 / 10.0).map(|x| (x, sigmoid(x))).collect();
    let swish: Vec<(f64, f64)> =
        (-60..=60).map(|i| i as f64 / 10.0).map(|x| (x, silu(x) / 6.0)).collect();
    LineChart {
        x: Axis::linear(-6.0, 6.0),
        y: Axis::linear(-0.1, 1.05),
        x_label: "gate input z = W·x + b".into(),
        y_label: "value".into(),
        series: vec![
            Series { label: "σ(z)".into(), points, color: 0, markers: false },
            Series {
                label: "SiLU(z) ÷ 6, for shape".into(),
                points: swish,
                color: 1,
                markers: false,
            },
            Series { label: "now".into(), points: vec![(z, sigmoid(z))], color: 2, markers: true },
        ],
        size: (640, 320),
    }
    .svg()
}

/// The body of the `gates` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let signal = number_param("signal", 0.8, -1.0, 1.0);
    let z = number_param("z", 2.94, -6.0, 6.0);
    let svg = Signal::derive(move || sigmoid_chart(z.get()));
    view! {
        <p>
            "A " <strong>"gate"</strong> " is a number between 0 and 1, computed from the current \
             input, that multiplies another signal. At 0 it blocks the signal, at 1 it lets all of it \
             through, and in between it lets some through. Because the sigmoid that makes it is \
             smooth, the network can learn by gradient descent when each gate should open."
        </p>
        <Math parts=&GATE label="gate of x equals sigma of W x plus b; output equals gate of x times signal, element by element; sigma of z equals 1 over 1 plus e to the minus z"/>
        <div class="panel">
            <h2>"A single gate"</h2>
            <Slider label="Signal" value=signal min=-1.0 max=1.0 step=0.01 format=two/>
            <Slider label="Gate input z" value=z min=-6.0 max=6.0 step=0.01 format=two/>
            <p class="result" data-gate=move || format!("{:.6}", sigmoid(z.get()))>
                {move || {
                    let (g, out) = gated(signal.get(), 1.0, z.get(), 0.0);
                    let state = if g > 0.9 { "open" } else if g < 0.1 { "closed" } else { "partly open" };
                    // One statement a line, each formula whole ("SiLU(2.94) ×" ended a phone's
                    // line, "0.80 = 2.234" began the next).
                    let (zt, sig) = (fixed(z.get(), 2), fixed(signal.get(), 2));
                    view! {
                        {unbroken(&format!("gate σ({zt}) = {}", fixed(g, 3)))}" ("{state}");"
                        <br/>
                        {unbroken(&format!("output = {} × {sig} = {}.", fixed(g, 3), fixed(out, 3)))}
                        <br/>
                        "As a SwiGLU unit: "
                        {unbroken(&format!("SiLU({zt}) × {sig} = {}", fixed(swiglu(z.get(), signal.get()), 3)))}
                    }
                }}
            </p>
            <div class="preset-row">
                <button type="button" on:click=move |_| { signal.set(0.8); z.set((0.95f64 / 0.05).ln()); }>"Open: gate 0.95"</button>
                <button type="button" on:click=move |_| { signal.set(0.8); z.set((0.05f64 / 0.95).ln()); }>"Closed: gate 0.05"</button>
            </div>
            <Chart svg label="The sigmoid curve from 0 to 1, the SiLU curve for comparison, and the current gate value" caption="σ squashes any input into (0, 1); SiLU, z·σ(z), is the gate inside SwiGLU."/>
        </div>
        <h2>"Where gates appear"</h2>
        <h3>"LSTM and GRU"</h3>
        <p>
            "Before transformers, LSTMs kept a running memory (the cell state) and used three gates \
             at every step: forget decides what to erase, input what to write, output what to show. \
             GRUs do the same with two (reset and update). Explicit control over memory is what let \
             gradients survive over long sequences."
        </p>
        <Flow steps=LSTM active=Signal::derive(|| None) per_row=5 label="An LSTM cell's three gates"/>
        <h3>"SwiGLU in transformer feed-forward layers"</h3>
        <p>
            "Llama and Mistral (and the Tumbler) compute two projections of each token; one goes \
             through SiLU and multiplies the other, element by element: SwiGLU. Gemma does the same \
             with GELU in place of SiLU (GeGLU). One branch proposes values, the other decides how \
             much of each passes. In Shazeer's 2020 comparison such gated units beat plain ReLU and \
             GELU layers of the same cost."
        </p>
        <Math parts=&SWIGLU label="FFN of x equals W down times the product of SiLU of W gate x and W up x; SiLU of z equals z times sigma of z"/>
        <h3>"The MoE router"</h3>
        <p>
            "A mixture-of-experts router is a gate too: a softmax over experts, of which only the \
             top few stay open for each token."
        </p>
        <div class="callout">
            <strong>"The pattern to spot: "</strong>
            "wherever a sigmoid or softmax is multiplied into another signal, that is a gate. It is \
             how a network learns what to ignore."
        </div>
        <LiveGates/>
    }
}
