//! Our own scaling curves: the sweep `tumbler scaling` trained on this project's machine and
//! recorded in `scaling.json` (five sizes of the Tumbler, one recipe, the same batches), power laws
//! fitted to it in the page by `tumbler_model::scaling`, and the shipped Tumbler placed among
//! published models by parameters and training tokens.

use leptos::prelude::*;
use serde_json::Value;
use tumbler_engine::fetch;
use tumbler_model::scaling::{
    FitError, Fits, PowerLaw, SizeRun, Sweep, fits as fit_records, loss_by_params,
};

use crate::calc::expr::group_thousands;
use crate::calc::scaling::TOKENS_PER_PARAM;
use crate::widgets::math::notation;
use crate::widgets::plot::{Axis, Dots, LineChart, Series, compact};
use crate::widgets::{Chart, Reproduce};

const SWEEP_URL: &str = "public/model/scaling.json";
const CARD_URL: &str = "public/model/card.json";

/// Kaplan et al. (2020), their eqs. 1.1 and 1.3: L ∝ N^−0.076, L ∝ C_min^−0.050.
const KAPLAN_ALPHA_N: f64 = 0.076;
const KAPLAN_ALPHA_C: f64 = 0.050;

/// Published models, (name, parameters, training tokens): Brown et al. 2020 (GPT-3), Hoffmann
/// et al. 2022 (Chinchilla), Llama Team 2024 (Llama 3).
const PUBLISHED: [(&str, f64, f64); 4] = [
    ("GPT-3", 175e9, 300e9),
    ("Chinchilla", 70e9, 1.4e12),
    ("Llama 3 8B", 8e9, 15e12),
    ("Llama 3 70B", 70e9, 15e12),
];

/// The shipped Tumbler's pre-training, from `card.json`.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Shipped {
    params: f64,
    tokens: f64,
    val_loss: f64,
}

impl Shipped {
    fn of(card: &Value) -> Option<Self> {
        Some(Self {
            params: card["parameters"].as_f64()?,
            tokens: card["base"]["run"]["tokens_seen"].as_f64()?,
            val_loss: card["base"]["run"]["final_val_loss_nats_per_token"].as_f64()?,
        })
    }
}

/// The smallest and largest of `values` (1 and 10 for none).
fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if lo.is_finite() && hi > 0.0 { (lo, hi) } else { (1.0, 10.0) }
}

/// A log axis a little wider than `values` on both sides.
fn log_axis(values: impl Iterator<Item = f64>) -> Axis {
    let (lo, hi) = span(values);
    Axis::log(lo / 1.15, hi * 1.15)
}

/// The loss axis: linear, as the losses span less than a factor of two (a log axis that short
/// gets no tick labels), padded a little.
fn loss_axis(values: impl Iterator<Item = f64>) -> Axis {
    let (lo, hi) = span(values);
    let pad = (hi - lo).max(0.1) * 0.08;
    Axis { min: lo - pad, max: hi + pad, log: false, format: loss_fmt }
}

fn loss_fmt(v: f64) -> String {
    format!("{v:.2}")
}

/// A run's name for a reader: its shape in words ("2 layers × 32 wide"), not its file name
/// (`d32-l2`, kept in `data-run` for the tests).
fn title(r: &SizeRun) -> String {
    let layers = r.config.n_layers;
    format!("{layers} layer{} × {} wide", if layers == 1 { "" } else { "s" }, r.config.d_model)
}

fn curves_chart(sweep: &Sweep) -> String {
    let series: Vec<Series> = sweep
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| Series {
            label: format!("{} ({} params)", title(r), compact(r.params as f64)),
            points: r.curve.iter().map(|p| (p.tokens as f64, p.val_loss)).collect(),
            color: i,
            // Every other run dotted: d96-l4's curve runs under d128-l4's and was hidden.
            markers: i % 2 == 1,
        })
        .collect();
    let points = || sweep.runs.iter().flat_map(|r| r.curve.iter());
    LineChart {
        x: log_axis(points().map(|p| p.tokens as f64)),
        y: loss_axis(points().map(|p| p.val_loss)),
        x_label: "training tokens D".into(),
        y_label: "validation loss (nats/token)".into(),
        series,
        size: (720, 400),
    }
    .svg_with(&[])
}

fn params_chart(sweep: &Sweep, fit: Option<&PowerLaw>) -> String {
    let measured = loss_by_params(sweep);
    let mut series = vec![Series {
        label: "measured, end of each run".into(),
        points: measured.clone(),
        color: 0,
        markers: true,
    }];
    if let Some(f) = fit {
        let (lo, hi) = (measured[0].0, measured[measured.len() - 1].0);
        series.push(Series {
            label: format!("fit: L = {:.2} · N^{{−{:.3}}}", f.coefficient, f.exponent),
            points: (0..=20)
                .map(|i| lo * (hi / lo).powf(f64::from(i) / 20.0))
                .map(|n| (n, f.at(n)))
                .collect(),
            color: 5,
            markers: false,
        });
    }
    LineChart {
        x: log_axis(measured.iter().map(|p| p.0)),
        // The fit's line too: it ran below the last measured loss, into the x axis.
        y: loss_axis(series.iter().flat_map(|s| s.points.iter().map(|p| p.1))),
        x_label: "parameters outside the embedding N".into(),
        y_label: "validation loss (nats/token)".into(),
        series,
        size: (720, 380),
    }
    .svg_with(&[])
}

fn compute_chart(sweep: &Sweep, fits: &Fits) -> String {
    let mut series: Vec<Series> = sweep
        .runs
        .iter()
        .enumerate()
        .map(|(i, r)| Series {
            label: title(r),
            points: r.curve.iter().map(|p| (r.compute(p.tokens), p.val_loss)).collect(),
            color: i,
            markers: i % 2 == 1,
        })
        .collect();
    if let (Ok(f), Some(first), Some(last)) =
        (&fits.by_compute, fits.frontier.first(), fits.frontier.last())
    {
        let (lo, hi) = (first.compute, last.compute);
        series.push(Series {
            label: format!("frontier fit: L ∝ C^{{−{:.3}}}", f.exponent),
            points: (0..=20)
                .map(|i| lo * (hi / lo).powf(f64::from(i) / 20.0))
                .map(|c| (c, f.at(c)))
                .collect(),
            color: 5,
            markers: false,
        });
    }
    let points = || {
        sweep
            .runs
            .iter()
            .flat_map(|r| r.curve.iter().map(move |p| (r.compute(p.tokens), p.val_loss)))
    };
    LineChart {
        x: log_axis(points().map(|p| p.0)),
        // The frontier's line too: it ran below the runs' last losses, into the x axis.
        y: loss_axis(series.iter().flat_map(|s| s.points.iter().map(|p| p.1))),
        x_label: "training compute C (FLOPs)".into(),
        y_label: "validation loss (nats/token)".into(),
        series,
        size: (720, 400),
    }
    .svg_with(&[])
}

fn placement_chart(sweep: &Sweep, shipped: Option<Shipped>) -> String {
    let (lo, hi) = (1e5, 1e12);
    let series = vec![Series {
        label: format!("Chinchilla's rule, D = {TOKENS_PER_PARAM:.0}·N"),
        points: vec![(lo, TOKENS_PER_PARAM * lo), (hi, TOKENS_PER_PARAM * hi)],
        color: 5,
        markers: false,
    }];
    let mut dots = vec![Dots {
        label: "published models".into(),
        points: PUBLISHED.iter().map(|&(name, n, d)| (n, d, name.to_string())).collect(),
        color: 2,
    }];
    dots.push(Dots {
        label: "our sweep".into(),
        points: sweep
            .runs
            .iter()
            .filter_map(|r| Some((r.params as f64, r.last()?.tokens as f64, String::new())))
            .collect(),
        color: 1,
    });
    if let Some(s) = shipped {
        dots.push(Dots {
            label: "the Tumbler".into(),
            points: vec![(s.params, s.tokens, "the Tumbler".into())],
            color: 0,
        });
    }
    LineChart {
        x: Axis::log(lo, hi),
        y: Axis::log(1e6, 1e14),
        x_label: "parameters N".into(),
        y_label: "training tokens D".into(),
        series,
        size: (720, 420),
    }
    .svg_with(&dots)
}

fn fit_text(f: &Result<PowerLaw, FitError>, what: &str, theirs: f64) -> String {
    match f {
        Ok(f) => format!(
            "Fitted to {} points: the loss falls as {what}^{{−{:.3}}} (R² = {:.3}); each tenfold {what} \
             multiplies it by {:.3}. Kaplan et\u{a0}al. measured an exponent of {theirs} on models up \
             to a billion parameters.",
            f.points,
            f.exponent,
            f.r_squared,
            f.per_decade()
        ),
        Err(e) => format!("No fit yet: {e}."),
    }
}

/// The fit in words, its exponent set as a superscript.
fn fit_view(f: &Result<PowerLaw, FitError>, what: &str, theirs: f64) -> AnyView {
    notation(&fit_text(f, what, theirs))
}

/// The sweep's charts, fits and table, or why they cannot be drawn.
#[component]
pub fn OurSweep() -> impl IntoView {
    let sweep = RwSignal::new(None::<Result<Sweep, String>>);
    let shipped = RwSignal::new(None::<Shipped>);
    leptos::task::spawn_local(async move {
        let loaded = fetch::json::<Sweep>(SWEEP_URL).await.map_err(|e| format!("{SWEEP_URL}: {e}"));
        let card = fetch::json::<Value>(CARD_URL).await.ok();
        shipped.try_set(card.as_ref().and_then(Shipped::of));
        sweep.try_set(Some(loaded));
    });
    move || {
        sweep.with(|s| match s {
            None => view! { <p class="note-live">"Reading the sweep's records…"</p> }.into_any(),
            Some(Err(e)) => view! {
                <p class="error" role="alert">"The scaling records could not be read: " {e.clone()}</p>
            }
            .into_any(),
            Some(Ok(sweep)) => sweep_view(sweep, shipped.get()).into_any(),
        })
    }
}

fn sweep_view(sweep: &Sweep, shipped: Option<Shipped>) -> impl IntoView + use<> {
    let fits = fit_records(sweep);
    let finished = sweep.runs.iter().filter(|r| r.finished()).count();
    let unfinished: Vec<String> = sweep
        .runs
        .iter()
        .filter(|r| !r.finished())
        .map(|r| format!("{} stopped at step {} of {}", title(r), r.steps, r.total_steps))
        .collect();
    let recipe = &sweep.recipe;
    let tokens_per_run = recipe.steps * recipe.batch_size * recipe.seq_len;
    let curves = curves_chart(sweep);
    let params = params_chart(sweep, fits.by_params.as_ref().ok());
    let compute = compute_chart(sweep, &fits);
    let placement = placement_chart(sweep, shipped);
    let alpha = |f: &Result<PowerLaw, FitError>| {
        f.as_ref().map_or(String::new(), |f| format!("{:.4}", f.exponent))
    };
    let r2 = |f: &Result<PowerLaw, FitError>| {
        f.as_ref().map_or(String::new(), |f| format!("{:.4}", f.r_squared))
    };
    let rows: Vec<_> = sweep
        .runs
        .iter()
        .map(|r| {
            let last = r.last();
            let tokens = last.map_or(0, |p| p.tokens);
            view! {
                <tr data-run=r.name.clone() data-loss=last.map_or(String::new(), |p| format!("{:.4}", p.val_loss))>
                    <th scope="row">{title(r)}</th>
                    <td data-label="layers × heads × width">{format!("{} × {} × {}", r.config.n_layers, r.config.n_heads, r.config.d_model)}</td>
                    <td data-label="parameters">{group_thousands(r.params as i128)}</td>
                    <td data-label="outside embedding">{group_thousands(r.non_embedding_params as i128)}</td>
                    <td data-label="tokens per parameter">{format!("{:.1}", tokens as f64 / r.params as f64)}</td>
                    <td data-label="compute (FLOPs)">{crate::calc::expr::power_of_ten(r.compute(tokens), 2)}</td>
                    <td data-label="validation loss">{last.map_or("–".into(), |p| format!("{:.3}", p.val_loss))}</td>
                    <td data-label="time">{format!("{:.0} min", r.seconds / 60.0)}</td>
                </tr>
            }
        })
        .collect();
    let best = sweep
        .runs
        .iter()
        .filter_map(|r| Some((r.last()?.val_loss, title(r))))
        .min_by(|a, b| a.0.total_cmp(&b.0));
    let placement_text = shipped.map(|s| {
        let ratio = s.tokens / s.params;
        let versus = best.as_ref().map_or(String::new(), |(loss, name)| {
            let side = if s.val_loss < *loss { "below" } else { "above" };
            format!(
                ", {side} the sweep's best ({loss:.3}, {name}, which saw {} tokens)",
                compact(tokens_per_run as f64)
            )
        });
        format!(
            "The shipped Tumbler has {} parameters and saw {} tokens: {ratio:.1} tokens per \
             parameter, {:.1}× fewer than Chinchilla's 20. Its validation loss after that run was \
             {:.3} nats per token{versus}.",
            group_thousands(s.params as i128),
            group_thousands(s.tokens as i128),
            TOKENS_PER_PARAM / ratio,
            s.val_loss,
        )
    });
    let ratio_attr = shipped.map_or(String::new(), |s| format!("{:.3}", s.tokens / s.params));
    view! {
        <div
            class="panel scaling-ours"
            data-live="scaling"
            data-sizes=finished
            data-alpha-n=alpha(&fits.by_params)
            data-r2-n=r2(&fits.by_params)
            data-alpha-c=alpha(&fits.by_compute)
            data-r2-c=r2(&fits.by_compute)
            data-frontier=fits.frontier.len()
            data-tumbler-tokens-per-param=ratio_attr
        >
            <h2>"Our own curve"</h2>
            <p>
                {format!(
                    "{} sizes of the Tumbler, from {} to {} parameters, were trained on this \
                     project's two\u{2011}core machine with one recipe: the same {} batches of {} × {} \
                     tokens from the corpus ({} tokens each), learning rate {} with warm-up and \
                     cosine decay, validation loss on the same {} held-back tokens every {} steps. \
                     Every number below comes from those runs' records, and every fit is computed \
                     in this page.",
                    sweep.runs.len(),
                    compact(sweep.runs.first().map_or(0.0, |r| r.params as f64)),
                    compact(sweep.runs.last().map_or(0.0, |r| r.params as f64)),
                    recipe.steps,
                    recipe.batch_size,
                    recipe.seq_len,
                    compact(tokens_per_run as f64),
                    recipe.max_lr,
                    compact(recipe.eval_tokens as f64),
                    recipe.eval_every,
                )}
            </p>
            {(!unfinished.is_empty()).then(|| view! {
                <p class="note-live" role="status">
                    {format!("The sweep is not finished: {}. The fits use the finished runs only.", unfinished.join("; "))}
                </p>
            })}
            <Chart svg=Signal::derive(move || curves.clone())
                label="Validation loss against training tokens for each size of the sweep, log-log: every curve falls, and the larger models fall further"
                caption="Loss against data. Each line is one model size learning; larger models reach lower loss from the same tokens, up to the two largest, which end almost level (their lines overlap at the right; the table below has both)."/>
            <Chart svg=Signal::derive(move || params.clone())
                label="Final validation loss against parameters outside the embedding, log-log, with the fitted power law"
                caption="Loss against parameters, at the end of each run (the same tokens for every size)."/>
            <p data-fit="params">{fit_view(&fits.by_params, "N", KAPLAN_ALPHA_N)}</p>
            <Chart svg=Signal::derive(move || compute.clone())
                label="Validation loss against training compute for every size, log-log, with a power law fitted to the lowest loss reached at each compute"
                caption="Loss against compute. Each run traces a curve; at any budget the best model is on the lower envelope (the frontier), and small models win at small budgets."/>
            <p data-fit="compute">{fit_view(&fits.by_compute, "C", KAPLAN_ALPHA_C)}</p>
            <div class="table-scroll">
                <table class="dpo-table scaling-table stack">
                    <thead><tr>
                        <th scope="col">"model"</th><th scope="col">"layers\u{a0}× heads\u{a0}× width"</th>
                        <th scope="col">"parameters"</th><th scope="col">"outside embedding"</th>
                        <th scope="col">"tokens per parameter"</th>
                        <th scope="col">"compute (FLOPs)"</th><th scope="col">"validation loss"</th>
                        <th scope="col">"time"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <p class="small">
                "Compute is counted from each model's shapes: three times the forward pass's \
                 multiply-adds per token (every matrix product, the attention over half the window \
                 on average, and the output head), not 6·N, which undercounts small models whose \
                 output head is most of their work. Exponents from five small models on a few \
                 million tokens are rough: the largest runs are far from converged, which bends \
                 the parameter curve flat at the top."
            </p>
            <h3>"Where the Tumbler sits"</h3>
            <Chart svg=Signal::derive(move || placement.clone())
                label="Training tokens against parameters, log-log: published models, Chinchilla's 20 tokens per parameter line, our sweep and the Tumbler"
                caption="Parameters and training tokens. Above the line, a model saw more data than Chinchilla's compute-optimal rule; below it, less."/>
            {placement_text.map(|t| view! { <p data-placement="">{t}</p> })}
            <Reproduce command="cargo xtask train" gives="trains the same sweep again on your machine and rewrites its records"/>
        </div>
    }
}
