//! Backpropagation and gradient descent: a ball on a 2-D loss surface, and a tiny network's real
//! gradients.

use leptos::prelude::*;
use plotters::prelude::*;

use crate::calc::descent::{ETA_LIMIT, Verdict, loss, path, verdict};
use crate::calc::expr::signed;
use crate::calc::tinynet::{Net, TARGET, X};
use crate::url_state::number_param;
use crate::widgets::plot::{
    DataTable, SERIES, TABLE_POINTS, failed, fitted, readable, spread, themed,
};
use crate::widgets::{Chart, Math, Slider};

const UPDATE: &str = "<mrow><msub><mi>w</mi><mtext>new</mtext></msub><mo>=</mo><msub><mi>w</mi><mtext>old</mtext></msub>\
<mo>−</mo><mi>η</mi><mo>⋅</mo><mfrac><mrow><mo>∂</mo><mi>L</mi></mrow><mrow><mo>∂</mo><mi>w</mi></mrow></mfrac></mrow>";

const START: (f64, f64) = (-2.5, 1.2);
const STEPS: usize = 30;

fn three(v: f64) -> String {
    format!("{v:.3}")
}

/// The loss surface as shaded cells, with the ball's path on top.
fn surface_svg(eta: f64) -> String {
    let walk = path(START, eta, STEPS);
    let draw = || -> Result<String, String> {
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, fitted((640, 360))).into_drawing_area();
            let mut chart = ChartBuilder::on(&root)
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(48)
                .build_cartesian_2d(-3.0..3.0, -1.6..1.6)
                .map_err(|e| e.to_string())?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_desc("weight 1")
                .y_desc("weight 2")
                .x_labels(if crate::widgets::screen::narrow() { 5 } else { 7 })
                .x_label_formatter(&|v| crate::calc::expr::fixed(*v, 1))
                .y_label_formatter(&|v| crate::calc::expr::fixed(*v, 1))
                .label_style(("sans-serif", 14).into_font().color(&BLACK))
                .axis_desc_style(("sans-serif", 15).into_font().color(&BLACK))
                .axis_style(BLACK.mix(0.6))
                .draw()
                .map_err(|e| e.to_string())?;
            let (nx, ny) = (48, 26);
            let max = loss(3.0, 1.6).ln_1p();
            let cells = (0..nx).flat_map(|i| (0..ny).map(move |j| (i, j)));
            chart
                .draw_series(cells.map(|(i, j)| {
                    let x0 = -3.0 + 6.0 * i as f64 / nx as f64;
                    let y0 = -1.6 + 3.2 * j as f64 / ny as f64;
                    let (x1, y1) = (x0 + 6.0 / nx as f64, y0 + 3.2 / ny as f64);
                    let l = loss((x0 + x1) / 2.0, (y0 + y1) / 2.0).ln_1p() / max;
                    Rectangle::new([(x0, y0), (x1, y1)], SERIES[0].mix(0.05 + 0.55 * l).filled())
                }))
                .map_err(|e| e.to_string())?;
            let inside: Vec<(f64, f64)> =
                walk.iter().copied().take_while(|p| p.0.abs() <= 3.0 && p.1.abs() <= 1.6).collect();
            let ink = SERIES[2];
            chart
                .draw_series(LineSeries::new(inside.iter().copied(), ink.stroke_width(2)))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(inside.iter().map(|&p| Circle::new(p, 3, ink.filled())))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(std::iter::once(Circle::new((0.0, 0.0), 5, BLACK.stroke_width(2))))
                .map_err(|e| e.to_string())?;
            root.present().map_err(|e| e.to_string())?;
        }
        Ok(out)
    };
    // The surface's cells edge to edge: anti-aliased, a scaled drawing showed a hairline between
    // each two (the walk's line stays smooth: only rectangles are crisp).
    let svg = draw()
        .map(|s| themed(s).replace("<rect ", "<rect shape-rendering=\"crispEdges\" "))
        .unwrap_or_else(failed);
    let table = DataTable {
        caption: format!(
            "The ball's path: {} of its {} positions, and the loss at each",
            TABLE_POINTS.min(walk.len()),
            walk.len()
        ),
        head: vec!["step".into(), "weight 1".into(), "weight 2".into(), "loss".into()],
        rows: spread(walk.len(), TABLE_POINTS)
            .into_iter()
            .map(|i| {
                let (x, y) = walk[i];
                vec![i.to_string(), readable(x), readable(y), readable(loss(x, y))]
            })
            .collect(),
    };
    format!("{svg}{}", table.html())
}

/// The body of the `backprop` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let eta = number_param("lr", 0.1, 0.001, 0.3);
    let svg = Signal::derive(move || surface_svg(eta.get()));
    let net = RwSignal::new(Net::EXAMPLE);
    let steps_taken = RwSignal::new(0u32);
    let net_eta = 0.5;
    let summary = move || {
        let walk = path(START, eta.get(), STEPS);
        let last = walk[walk.len() - 1];
        let (l0, l1) = (loss(START.0, START.1), loss(last.0, last.1));
        let word = match verdict(&walk) {
            Verdict::TooSlow => "too small: the ball creeps and is still far from the bottom",
            Verdict::Converged => "large enough: the ball reaches the bottom",
            Verdict::Diverged => "too large: every step overshoots further and the loss explodes",
        };
        format!(
            "After {} steps the loss went from {:.3} to {}. Learning rate {} is {word}.",
            walk.len() - 1,
            l0,
            crate::widgets::plot::readable(l1),
            crate::widgets::plot::readable(eta.get())
        )
    };
    // A preset reads as pressed while the slider is at its rate.
    let pressed = move |v: f64| move || ((eta.get() - v).abs() < 1e-9).to_string();
    let table = move || {
        let n = net.get();
        let (f, g) = n.backward(X, TARGET);
        let rows = [
            ("w1 (input 1 → hidden 1)", n.w1[0][0], g.w1[0][0]),
            ("w2 (input 2 → hidden 1)", n.w1[0][1], g.w1[0][1]),
            ("w3 (input 1 → hidden 2)", n.w1[1][0], g.w1[1][0]),
            ("w4 (input 2 → hidden 2)", n.w1[1][1], g.w1[1][1]),
            ("w5 (hidden 1 → output 1)", n.w2[0][0], g.w2[0][0]),
            ("w6 (hidden 2 → output 1)", n.w2[0][1], g.w2[0][1]),
            ("w7 (hidden 1 → output 2)", n.w2[1][0], g.w2[1][0]),
            ("w8 (hidden 2 → output 2)", n.w2[1][1], g.w2[1][1]),
        ];
        let body = rows
            .iter()
            .map(|&(name, w, d)| view! {
                <tr><th scope="row">{name}</th><td data-label="value">{format!("{w:.6}")}</td><td data-label="∂L/∂w">{signed(d, 6)}</td><td data-label="after w − 0.5·∂L/∂w">{format!("{:.6}", w - net_eta * d)}</td></tr>
            })
            .collect_view();
        view! {
            <p class="result" data-net-loss=format!("{:.9}", f.loss)>
                {format!(
                    // No line breaks inside a pair or before "=" (a phone's line began "= 0.298371").
                    "Forward: hidden = ({:.4},\u{a0}{:.4}), outputs = ({:.4},\u{a0}{:.4}) against targets (0.01,\u{a0}0.99); loss ½Σ(target\u{a0}−\u{a0}output)²\u{a0}=\u{a0}{:.6}",
                    f.hidden[0], f.hidden[1], f.out[0], f.out[1], f.loss
                )}
            </p>
            <table class="numbers stack">
                <thead><tr><th scope="col">"weight"</th><th scope="col">"value"</th><th scope="col">"∂L/∂w"</th><th scope="col">"after w − 0.5·∂L/∂w"</th></tr></thead>
                <tbody>{body}</tbody>
            </table>
        }
    };
    view! {
        <p>
            "Picture the loss as a landscape over the weights: high where the model is wrong, low \
             where it is right. Training rolls a ball downhill. At each point the " <strong>"gradient"</strong>
            " says which way is steepest up; the update takes a small step the other way, then looks again."
        </p>
        <Math parts=&[UPDATE] label="w new equals w old minus eta times the partial derivative of L with respect to w"/>
        <p>"The step size " <i>"η"</i> " is the " <strong>"learning rate"</strong> ". Too small and training crawls; too large and each step overshoots the valley."</p>
        <div class="panel">
            <h2>"Roll the ball"</h2>
            <p>{format!("The surface is L = ½(w₁² + 8·w₂²), a long narrow valley. It is steep across the valley, so any learning rate above 2/8 = {ETA_LIMIT} diverges.")}</p>
            <Slider label="Learning rate η" value=eta min=0.001 max=0.3 step=0.001 format=three/>
            <div class="preset-row">
                <button type="button" aria-pressed=pressed(0.005) on:click=move |_| eta.set(0.005)>"Too small (0.005)"</button>
                <button type="button" aria-pressed=pressed(0.2) on:click=move |_| eta.set(0.2)>"About right (0.2)"</button>
                <button type="button" aria-pressed=pressed(0.26) on:click=move |_| eta.set(0.26)>"Too large (0.26)"</button>
            </div>
            <Chart svg label="A shaded loss surface with the path of 30 gradient-descent steps from the left; the ring marks the minimum" caption="The stronger the shading, the higher the loss; the dots are the ball's positions, one per step."/>
            <p class="result" aria-live="polite">{summary}</p>
        </div>
        <h2>"Forward, then backward"</h2>
        <p>
            "The " <strong>"forward pass"</strong> " runs the input through the network and ends in one \
             number, the loss. The " <strong>"backward pass"</strong> " walks the same path in reverse, \
             applying the chain rule at each operation, and finds for every weight how much the loss \
             would change if that weight moved a little. That is " <strong>"backpropagation"</strong> "."
        </p>
        <div class="panel">
            <h3>"A network of two inputs, two hidden units and two outputs"</h3>
            <p>"Inputs (0.05, 0.10), sigmoid units, the starting weights of Matt Mazur's well-known worked example. Every number below is computed here; press the button to apply the update."</p>
            {table}
            <div class="preset-row">
                <button type="button" on:click=move |_| {
                    let n = net.get_untracked();
                    let (_, g) = n.backward(X, TARGET);
                    net.set(n.step(&g, net_eta));
                    steps_taken.update(|s| *s += 1);
                }>"Take one step (η = 0.5)"</button>
                <button type="button" on:click=move |_| { net.set(Net::EXAMPLE); steps_taken.set(0); }>"Start again"</button>
                <span>{move || format!("steps taken: {}", steps_taken.get())}</span>
            </div>
        </div>
        <h2>"The scale"</h2>
        <p>
            "A frontier model repeats this for hundreds of billions of weights, over hundreds of \
             thousands of steps. \
             Its optimizer is usually AdamW, which keeps running averages of each weight's past \
             gradients and their squares, so each weight gets its own effective step size."
        </p>
        <p class="seed-note">
            "How much arithmetic that is: frontier training runs use on the order of 10²⁵ \
             floating-point operations. Llama 3 405B took 3.8\u{a0}×\u{a0}10²⁵."
        </p>
        <div class="callout">
            <strong>"Why it works at all: "</strong>
            "always stepping downhill is a simple rule, yet at scale it finds weights that produce \
             fluent language. It works in practice better than theory fully explains."
        </div>
    }
}
