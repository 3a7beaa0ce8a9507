//! The Tumbler as a network diagram: its inputs the real token ids of the reader's text, its
//! outputs the real probabilities of the tokens that could come next.

use leptos::prelude::*;

use crate::engine::{EngineReady, Shown};

use crate::calc::expr::group_thousands;
use crate::engine::live::next_logits;
use crate::engine::{self, EngineState, NextLogits};
use crate::url_state::text_param;
use crate::widgets::attention_map::visible;
use crate::widgets::screen;
use tumbler_engine::top_tokens;
use tumbler_model::sampling::softmax_with_temperature;

const DEFAULT_TEXT: &str = "The cat sat on the";
/// Input tokens drawn (the text's last ones).
const INPUTS: usize = 5;
/// Output tokens drawn by name; the rest of the vocabulary shares one more node.
const OUTPUTS: usize = 4;
/// Nodes drawn per block column: a few stand for the C numbers of a token's vector.
const HIDDEN: usize = 6;

/// The numbers the diagram shows.
#[derive(Clone, Debug, PartialEq)]
struct Net {
    /// (id, text) of the last tokens read.
    inputs: Vec<(u32, String)>,
    /// (id, text, probability) of the most likely next tokens.
    outputs: Vec<(u32, String, f64)>,
    /// The probability of every other token, summed.
    rest: f64,
    /// Tokens in the vocabulary.
    vocab: usize,
    /// The sum of all V probabilities (1, up to rounding).
    total: f64,
}

fn net(next: &NextLogits) -> Net {
    let probs = softmax_with_temperature(&next.logits, 1.0); // (V)
    let top = top_tokens(&probs, OUTPUTS, |id| next.name(id).unwrap_or("?").to_string());
    let named: Vec<usize> = top.iter().map(|t| t.id as usize).collect();
    let rest = probs
        .iter()
        .enumerate()
        .filter(|(i, _)| !named.contains(i))
        .map(|(_, &p)| f64::from(p))
        .sum();
    let skip = next.ids.len().saturating_sub(INPUTS);
    Net {
        inputs: next.ids.iter().copied().zip(next.tokens.iter().cloned()).skip(skip).collect(),
        outputs: top.into_iter().map(|t| (t.id, t.text, f64::from(t.p))).collect(),
        rest,
        vocab: probs.len(),
        total: probs.iter().map(|&p| f64::from(p)).sum(),
    }
}

/// Where the diagram's columns and labels go: the desktop's 800 units across, or a phone's 344
/// (drawn at 0.84 in a 288-px panel, so its 13-unit labels stay 11 px rather than scrolling).
struct Layout {
    w: f64,
    h: f64,
    x_in: f64,
    x_out: f64,
    /// The first and last block columns.
    hidden: (f64, f64),
    /// Labels on two lines (token, then its id or probability) and one caption for all blocks.
    phone: bool,
}

const DESKTOP: Layout =
    Layout { w: 800.0, h: 330.0, x_in: 150.0, x_out: 600.0, hidden: (230.0, 510.0), phone: false };
// The longest output label, "the other 4,092", takes ~105 of the 344 units after its node.
const PHONE: Layout =
    Layout { w: 344.0, h: 330.0, x_in: 96.0, x_out: 222.0, hidden: (128.0, 190.0), phone: true };

/// Evenly spaced heights for `n` nodes.
fn ys(n: usize) -> Vec<f64> {
    (0..n).map(|i| 30.0 + (i as f64 + 0.5) * 250.0 / n as f64).collect()
}

/// A token as a label: on a phone at most 9 characters (the full text is in the aria-label).
fn token_label(text: &str, phone: bool) -> String {
    let shown = visible(text);
    if phone && shown.chars().count() > 9 {
        format!("“{}…”", shown.chars().take(8).collect::<String>())
    } else {
        format!("“{shown}”")
    }
}

/// A label beside a node: one line on a desktop, two on a phone (`first`, then `second` muted).
fn node_label(
    x: f64,
    y: f64,
    anchor: &'static str,
    first: String,
    second: String,
    phone: bool,
) -> AnyView {
    if phone {
        view! {
            <text x=x y=y - 3.0 text-anchor=anchor class="nn-label">
                {first}
                <tspan x=x dy="15" class="nn-sub">{second}</tspan>
            </text>
        }
        .into_any()
    } else {
        view! { <text x=x y=y + 4.0 text-anchor=anchor class="nn-label">{format!("{first} {second}")}</text> }
            .into_any()
    }
}

fn diagram(net: &Net, layers: usize, width: usize, at: &Layout) -> impl IntoView + use<> {
    let (x_in, x_out, phone) = (at.x_in, at.x_out, at.phone);
    let (first, last) = at.hidden;
    let hidden_x: Vec<f64> = (0..layers)
        .map(|l| first + l as f64 * (last - first) / (layers.max(2) - 1) as f64)
        .collect();
    let columns: Vec<(f64, Vec<f64>)> = std::iter::once((x_in, ys(net.inputs.len())))
        .chain(hidden_x.iter().map(|&x| (x, ys(HIDDEN))))
        .chain(std::iter::once((x_out, ys(net.outputs.len() + 1))))
        .collect();
    let lines = columns
        .windows(2)
        .flat_map(|pair| {
            let ((xa, ya), (xb, yb)) = (&pair[0], &pair[1]);
            let (xa, xb) = (*xa, *xb);
            ya.iter()
                .flat_map(|&a| yb.iter().map(move |&b| (a, b)))
                .map(move |(a, b)| view! { <line x1=xa y1=a x2=xb y2=b class="nn-w"></line> })
                .collect::<Vec<_>>()
        })
        .collect_view();
    let (r_io, r_hidden) = if phone { (8.0, 5.0) } else { (10.0, 7.0) };
    let inputs = net
        .inputs
        .iter()
        .zip(ys(net.inputs.len()))
        .map(|((id, text), y)| {
            view! {
                <g class="nn-input" data-token-id=*id>
                    <circle cx=x_in cy=y r=r_io class="nn-node"></circle>
                    {node_label(x_in - 14.0, y, "end", token_label(text, phone), id.to_string(), phone)}
                </g>
            }
        })
        .collect_view();
    let hidden = hidden_x
        .iter()
        .enumerate()
        .map(|(l, &x)| {
            let nodes = ys(HIDDEN)
                .into_iter()
                .map(|y| view! { <circle cx=x cy=y r=r_hidden class="nn-node"></circle> })
                .collect_view();
            // A phone's block columns are too close for a label each: one caption names them all.
            let label = (!phone).then(|| {
                view! { <text x=x y="300" text-anchor="middle" class="nn-label">{format!("block {}", l + 1)}</text> }
            });
            view! { <g class="nn-block">{nodes}{label}</g> }
        })
        .collect_view();
    let out_ys = ys(net.outputs.len() + 1);
    let outputs = net
        .outputs
        .iter()
        .zip(&out_ys)
        .map(|((id, text, p), &y)| {
            view! {
                <g class="nn-output" data-token-id=*id data-p=p.to_string()>
                    <circle cx=x_out cy=y r=r_io class="nn-node" style:fill-opacity=format!("{:.2}", p.sqrt())></circle>
                    {node_label(x_out + 14.0, y, "start", token_label(text, phone), format!("{:.1}%", p * 100.0), phone)}
                </g>
            }
        })
        .collect_view();
    let rest_y = out_ys.last().copied().unwrap_or(0.0);
    let others = net.vocab - net.outputs.len();
    let rest_label = if phone {
        format!("the other {}", group_thousands(others as i128))
    } else {
        format!("the other {}:", group_thousands(others as i128))
    };
    let middle = (hidden_x[0] + hidden_x[hidden_x.len() - 1]) / 2.0;
    let blocks_caption = if phone {
        // Above the block columns, which are too close for a label each.
        view! {
            <text x=middle y="18" text-anchor="middle" class="nn-label">{format!("{layers} blocks")}</text>
            <text x=at.w / 2.0 y="322" text-anchor="middle" class="nn-label">
                {format!("each block: {width} numbers per token")}
            </text>
        }
        .into_any()
    } else {
        view! {
            <text x=middle y="320" text-anchor="middle" class="nn-label">
                {format!("each block: a vector of {width} numbers per token")}
            </text>
        }
        .into_any()
    };
    view! {
        <svg
            viewBox=format!("0 0 {} {}", at.w, at.h)
            class="nn-live"
            class:nn-phone=phone
            role="img"
            aria-label=format!(
                "The Tumbler as a network: your last tokens' ids go in on the left, pass through \
                 its {layers} blocks, and the probabilities of the next token come out on the \
                 right: {}; the other {others} tokens {:.1}%",
                net.outputs
                    .iter()
                    .map(|(_, text, p)| format!("“{}” {:.1}%", visible(text), p * 100.0))
                    .collect::<Vec<_>>()
                    .join(", "),
                net.rest * 100.0,
            )
        >
            {lines}
            {inputs}
            {hidden}
            {outputs}
            <g class="nn-output nn-rest" data-p=net.rest.to_string()>
                <circle cx=x_out cy=rest_y r=r_io class="nn-node"></circle>
                {node_label(x_out + 14.0, rest_y, "start", rest_label, format!("{:.1}%", net.rest * 100.0), phone)}
            </g>
            <text x=x_in y="300" text-anchor="middle" class="nn-label">"token ids in"</text>
            <text x=x_out y="300" text-anchor="middle" class="nn-label">"probabilities out"</text>
            {blocks_caption}
        </svg>
    }
}

/// The reader's text through the Tumbler, drawn as a network.
#[component]
pub fn LiveNetwork() -> impl IntoView {
    let text = text_param("text", DEFAULT_TEXT);
    let next = next_logits(text.into());
    let state = engine::state();
    let shown = move || {
        let EngineState::Ready { config, .. } = state.get() else { return None };
        next.answer.with(|a| {
            Some(match a {
                None => view! { <p class="note-live">"Running the Tumbler on your text…"</p> }.into_any(),
                Some(Err(message)) => {
                    view! { <p class="note-live" role="alert">{message.clone()}</p> }.into_any()
                }
                Some(Ok(answer)) => {
                    let net = net(&answer.value);
                    let read = answer.value.tokens.len();
                    let (drawn, layers, width) = (net.clone(), config.n_layers, config.d_model);
                    view! {
                        <div class="nn-diagram" data-total=net.total.to_string()>
                            {move || {
                                let at = if screen::narrow() { &PHONE } else { &DESKTOP };
                                diagram(&drawn, layers, width, at)
                            }}
                        </div>
                        <p class="small">
                            {format!(
                                "It read {read} token{} (the last {} drawn). Out come {} probabilities, one \
                                 per token of its vocabulary, summing to {:.4}; the {OUTPUTS} largest are drawn \
                                 by name. Forward pass: {:.0}\u{a0}ms.",
                                if read == 1 { "" } else { "s" },
                                net.inputs.len(),
                                group_thousands(net.vocab as i128),
                                net.total,
                                answer.value.millis
                            )}
                        </p>
                    }
                    .into_any()
                }
            })
        })
    };
    let body = view! { <EngineReady loading="The Tumbler is loading; its network, fed your text, appears here when it is ready." shown=move || next.answer.with(Shown::of)>{shown}</EngineReady> };
    view! {
        <div class="panel live-network">
            <h2>"The Tumbler as a network"</h2>
            <p>
                "Our model, fed your text. The inputs are the token ids its tokenizer gives; each \
                 block turns every token's vector into a new one; the output is a probability for \
                 every token in its vocabulary."
            </p>
            <textarea
                aria-label="Text for the network"
                rows="1"
                maxlength="500"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            {body}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diagram_numbers_come_from_the_logits() {
        let logits = vec![0.0, 2.0, 1.0, 0.5, -1.0, 3.0, 0.0];
        let probs = softmax_with_temperature(&logits, 1.0);
        let next = NextLogits {
            ids: (10..17).collect(),
            tokens: (0..7).map(|i| format!("t{i}")).collect(),
            total_tokens: 7,
            top: top_tokens(&probs, 7, |id| format!("n{id}")),
            logits,
            millis: 1.0,
        };
        let n = net(&next);
        assert_eq!(n.inputs.len(), INPUTS);
        assert_eq!(n.inputs[0], (12, "t2".to_string()));
        let ids: Vec<u32> = n.outputs.iter().map(|o| o.0).collect();
        assert_eq!(ids, [5, 1, 2, 3]);
        assert_eq!(n.outputs[0].1, "n5");
        let rest = f64::from(probs[0] + probs[4] + probs[6]);
        assert!((n.rest - rest).abs() < 1e-6);
        let named: f64 = n.outputs.iter().map(|o| o.2).sum();
        assert!((named + n.rest - 1.0).abs() < 1e-6);
        assert!((n.total - 1.0).abs() < 1e-6);
        assert_eq!(n.vocab, 7);
    }
}
