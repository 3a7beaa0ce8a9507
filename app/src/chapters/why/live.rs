//! The `why` chapter's three live panels over one prompt: the logit lens (a layer × position
//! grid), the direct logit attribution of the chosen token (a bar per head and MLP), and
//! ablation with patching from a second prompt. The maths is `tumbler_model::why`, run in the
//! engine worker; the page only draws.

use leptos::prelude::*;
use tumbler_engine::{
    Ablation, Component, DoneReason, MAX_TEXT_BYTES, MAX_WHY_TOKENS, PatchProgress, PatchRow,
    PatchSetup, WhyReport,
};

use crate::calc::expr::{fixed, signed};
use crate::engine::{EngineReady, Query, Run, RunStatus, Shown, latest};
use crate::url_state::text_param;
use crate::widgets::attention_map::visible;
use crate::widgets::live_panel::LivePanel;

const DEFAULT_PROMPT: &str = "The king of";
const DEFAULT_SOURCE: &str = "The land of";

/// A prompt the page can send, or why not.
fn checked(prompt: &str) -> Result<String, String> {
    if prompt.trim().is_empty() {
        return Err("There is no prompt yet: type a few words.".into());
    }
    if prompt.len() > MAX_TEXT_BYTES {
        return Err(format!(
            "These tools read at most {MAX_WHY_TOKENS} tokens (a short sentence); shorten the prompt."
        ));
    }
    Ok(prompt.to_string())
}

fn percent(p: f32) -> String {
    if p >= 0.095 { format!("{:.0}%", p * 100.0) } else { format!("{:.1}%", p * 100.0) }
}

/// The name of depth `d` of the stream: 0 is the embedding, d + 1 after block d (blocks and
/// heads count from 0, as in the attention chapter and the CLI).
fn depth_name(d: usize) -> String {
    if d == 0 { "embedding".into() } else { format!("block {}", d - 1) }
}

/// The logit-lens grid: a row per depth, a column per position, each cell the top token read
/// out there. Selecting a cell explains that token at that position below.
fn lens_view(
    report: &WhyReport,
    aim: RwSignal<Option<(String, usize, u32)>>,
    prompt: String,
) -> AnyView {
    let header = report
        .tokens
        .iter()
        .enumerate()
        .map(|(t, tok)| view! { <th scope="col" title=format!("position {t}")>{visible(tok)}</th> })
        .collect_view();
    let chosen = (report.attribution.position, report.attribution.target.id);
    let rows = report
        .lens
        .iter()
        .enumerate()
        .rev()
        .map(|(d, row)| {
            let cells = row
                .iter()
                .enumerate()
                .map(|(t, cell)| {
                    let top = &cell.top[0];
                    let (id, p) = (top.id, top.p);
                    let title = format!(
                        "{}, after “{}” (token {}): {}",
                        depth_name(d),
                        visible(&report.tokens[t]),
                        t + 1,
                        cell.top
                            .iter()
                            .map(|c| format!("“{}” {}", visible(&c.text), percent(c.p)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    let prompt = prompt.clone();
                    let on = chosen == (t, id);
                    view! {
                        <td
                            data-layer=d
                            data-position=t
                            data-token-id=id
                            data-p=p.to_string()
                            data-final-p=cell.final_p.to_string()
                            style=format!("--p: {:.3}", p.sqrt())
                            class:chosen=on
                        >
                            // Named by what it shows (token, probability); the title adds the rest.
                            <button type="button" title=title
                                on:click=move |_| aim.set(Some((prompt.clone(), t, id)))>
                                <span class="why-tok">{visible(&top.text)}</span>
                                <span class="why-p">{percent(p)}</span>
                            </button>
                        </td>
                    }
                })
                .collect_view();
            view! { <tr><th scope="row">{depth_name(d)}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <div class="why-scroll">
            <table class="why-grid">
                <thead><tr><th scope="col">"read after"</th>{header}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// One signed bar, scaled so that `max` fills half the track.
fn bar(label: String, value: f32, max: f32, component: Option<String>) -> impl IntoView {
    let width = if max > 0.0 { (value.abs() / max * 50.0).min(50.0) } else { 0.0 };
    let style = if value >= 0.0 {
        format!("left: 50%; width: {width:.2}%")
    } else {
        format!("left: {:.2}%; width: {width:.2}%", 50.0 - width)
    };
    view! {
        <li data-contribution=value.to_string() data-component=component class:neg={value < 0.0}>
            <span class="why-name">{label}</span>
            <span class="why-track"><span style=style></span></span>
            <span class="why-num">{signed(value, 2)}</span>
        </li>
    }
}

/// The attribution: the logit split into the embedding's, each head's and each MLP's shares.
fn attribution_view(report: &WhyReport) -> AnyView {
    let a = &report.attribution;
    let parts: Vec<f32> = std::iter::once(a.embedding)
        .chain(a.heads.iter().flatten().copied())
        .chain(a.mlps.iter().copied())
        .collect();
    let max = parts.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    // Every head and MLP with its share, in the bars' order (each layer's heads, then its MLP):
    // the bars and the strongest share both read this one list.
    let shares: Vec<(Component, f32)> = a
        .heads
        .iter()
        .enumerate()
        .flat_map(|(l, heads)| {
            heads
                .iter()
                .enumerate()
                .map(move |(h, &v)| (Component::Head { layer: l, head: h }, v))
                .chain(std::iter::once((Component::Mlp { layer: l }, a.mlps[l])))
        })
        .collect();
    let name = |c: &Component| match c {
        Component::Head { layer, head } => format!("L{layer}\u{a0}H{head}"),
        Component::Mlp { layer } => format!("L{layer}\u{a0}MLP"),
    };
    let mut bars = vec![bar("embedding".into(), a.embedding, max, None).into_any()];
    bars.extend(shares.iter().map(|(c, v)| bar(name(c), *v, max, Some(c.label())).into_any()));
    let sum: f32 = parts.iter().sum();
    let strongest =
        shares.iter().max_by(|x, y| x.1.abs().total_cmp(&y.1.abs())).map(|(c, v)| (name(c), *v));
    view! {
        <div
            class="why-attribution"
            data-live="attribution"
            data-logit=a.logit.to_string()
            data-rest=a.rest.to_string()
            data-target-id=a.target.id
            data-position=a.position
            data-norm-scale=a.norm_scale.to_string()
            data-millis=report.attribution_millis.to_string()
        >
            <p class="result">
                {format!(
                    "“{}” after “{}” (token {} of your prompt): logit {}, probability {}. The shares below sum to {}; what is left, {}, is rounding. The final norm divided this position's stream by {:.2}, and that scale is held fixed for every share.",
                    visible(&a.target.text), visible(&report.tokens[a.position]), a.position + 1, fixed(a.logit, 3), percent(a.target.p), fixed(sum, 3), left_over(a.rest), 1.0 / a.norm_scale
                )}
                {strongest.map(|(name, v)| format!(" The largest single share: {name}, {}.", signed(v, 2)))}
            </p>
            <ul class="why-bars">{bars}</ul>
            <p class="muted">{format!("Computed in {:.0}\u{a0}ms in the engine (the lens above: {:.0}\u{a0}ms).", report.attribution_millis, report.lens_millis)}</p>
        </div>
    }
    .into_any()
}

/// What the shares leave of the logit: rounding, so below the logit's three decimals it is
/// "under 0.001" rather than a power of ten (−8.8 × 10⁻⁸) a reader has to decode.
fn left_over(rest: f32) -> String {
    if rest.abs() < 0.0005 { "under 0.001".to_owned() } else { fixed(rest, 3) }
}

/// The before/after distribution of an ablation.
fn ablation_view(a: &Ablation) -> AnyView {
    let before = |id: u32| a.before.iter().find(|t| t.id == id).map(|t| t.p);
    let rows = a
        .after
        .iter()
        .map(|t| {
            let was = before(t.id);
            let text = match was {
                Some(b) => format!("{} (was {})", percent(t.p), percent(b)),
                None => format!("{} (was below the top {})", percent(t.p), a.before.len()),
            };
            view! {
                <li data-token-id=t.id data-p=t.p.to_string() data-p-before=was.map(|b| b.to_string()) class:target={t.id == a.target}>
                    <span class="why-name">{visible(&t.text)}</span>
                    <span class="why-track"><span style=format!("left: 0; width: {:.1}%", t.p * 100.0)></span>
                        {was.map(|b| view! { <span class="why-was" style=format!("left: {:.1}%", b * 100.0)></span> })}
                    </span>
                    <span class="why-num">{text}</span>
                </li>
            }
        })
        .collect_view();
    let labels: Vec<String> = a.components.iter().map(Component::label).collect();
    view! {
        <div class="why-ablated" data-components=labels.join(",") data-kl=a.kl.to_string()
            data-p-before=a.p[0].to_string() data-p-after=a.p[1].to_string()
            data-logit-before=a.logit[0].to_string() data-logit-after=a.logit[1].to_string()
            data-target-id=a.target data-millis=a.millis.to_string()>
            <p class="result">{format!(
                "The chosen token's probability: {} → {} (logit {} → {}); KL divergence from the unablated distribution {:.4} nats. {:.0}\u{a0}ms in the engine.",
                percent(a.p[0]), percent(a.p[1]), fixed(a.logit[0], 2), fixed(a.logit[1], 2), a.kl, a.millis
            )}</p>
            <ul class="why-bars why-dist">{rows}</ul>
        </div>
    }
    .into_any()
}

/// The patching grid as it fills: a row per depth, Δ logit per position.
fn patch_view(setup: &PatchSetup, rows: &[PatchRow], depths: usize) -> AnyView {
    let whole = setup.logit[1] - setup.logit[0];
    let header = setup
        .tokens
        .iter()
        .zip(&setup.source_tokens)
        .map(|(a, b)| {
            let text = if a == b { visible(a) } else { format!("{} / {}", visible(a), visible(b)) };
            view! { <th scope="col" class:differs={a != b}>{text}</th> }
        })
        .collect_view();
    let body = rows
        .iter()
        .rev()
        .map(|row| {
            let cells = row
                .delta_logit
                .iter()
                .zip(&row.delta_p)
                .enumerate()
                .map(|(t, (&dl, &dp))| {
                    let share = if whole.abs() > 1e-6 { (dl / whole).clamp(-1.0, 1.0) } else { 0.0 };
                    view! {
                        <td data-layer=row.layer data-position=t data-delta-logit=dl.to_string() data-delta-p=dp.to_string()
                            style=format!("--s: {:.3}", share.abs()) class:neg={share < 0.0}
                            title=format!("{}, position {t}: Δlogit {}, Δp {} points", depth_name(row.layer), signed(dl, 3), signed(dp * 100.0, 2))>
                            {signed(dl, 2)}
                        </td>
                    }
                })
                .collect_view();
            view! { <tr><th scope="row">{depth_name(row.layer)}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <p class="result">{format!(
            "“{}” after token {}: logit {} on your prompt, {} on the second one (probability {} vs {}). Each cell: copy the second prompt's stream at that depth and position into your prompt's run, and see how much of the {} change it brings. {} of {depths} rows done.",
            visible(&setup.target.text), setup.position + 1, fixed(setup.logit[0], 2), fixed(setup.logit[1], 2), percent(setup.p[0]), percent(setup.p[1]), signed(whole, 2), rows.len()
        )}</p>
        <div class="why-scroll">
            <table class="why-grid why-patch-grid">
                <thead><tr><th scope="col">"patched at"</th>{header}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// The chapter's panels.
#[component]
pub fn WhyLive() -> impl IntoView {
    let prompt = text_param("prompt", DEFAULT_PROMPT);
    let source = text_param("source", DEFAULT_SOURCE);
    // A cell of the lens the reader picked: (the prompt it belongs to, position, token id).
    let aim = RwSignal::new(None::<(String, usize, u32)>);
    let report = latest::<WhyReport>(move || {
        let p = checked(&prompt.get())?;
        let (position, target) = match aim.get() {
            Some((for_prompt, t, id)) if for_prompt == p => (Some(t), Some(id)),
            _ => (None, None),
        };
        Ok(Query::Why { prompt: p, target, position })
    });
    let components = RwSignal::new(Vec::<Component>::new());
    let touched = RwSignal::new(false);
    let mean = RwSignal::new(false);
    // Until the reader toggles anything, the head with the largest share is switched off.
    Effect::new(move |_| {
        if touched.get_untracked() {
            return;
        }
        report.answer.with(|a| {
            if let Some(Ok(r)) = a {
                let best = r
                    .attribution
                    .heads
                    .iter()
                    .enumerate()
                    .flat_map(|(l, hs)| hs.iter().enumerate().map(move |(h, &v)| (l, h, v)))
                    .max_by(|x, y| x.2.abs().total_cmp(&y.2.abs()));
                if let Some((layer, head, _)) = best {
                    components.set(vec![Component::Head { layer, head }]);
                }
            }
        });
    });
    let aimed = move || {
        report.answer.with(|a| match a {
            Some(Ok(r)) => Some((r.attribution.position, r.attribution.target.id)),
            _ => None,
        })
    };
    let ablation = latest::<Ablation>(move || {
        let p = checked(&prompt.get())?;
        let Some((position, target)) = aimed() else {
            return Err("Waiting for the lens…".into());
        };
        Ok(Query::WhyAblate {
            prompt: p,
            components: components.get(),
            mean: mean.get(),
            target: Some(target),
            position: Some(position),
        })
    });
    let toggle = move |c: Component| {
        touched.set(true);
        components.update(|list| {
            if let Some(i) = list.iter().position(|x| *x == c) {
                list.remove(i);
            } else {
                list.push(c);
            }
        });
    };
    let shape = move || {
        report.answer.with(|a| match a {
            Some(Ok(r)) => {
                Some((r.attribution.heads.len(), r.attribution.heads.first().map_or(0, Vec::len)))
            }
            _ => None,
        })
    };
    let toggles = move || {
        shape().map(|(layers, heads)| {
            (0..layers)
                .map(|l| {
                    let buttons = (0..heads)
                        .map(|h| Component::Head { layer: l, head: h })
                        .chain([Component::Mlp { layer: l }])
                        .map(|c| {
                            let name = match c {
                                Component::Head { head, .. } => format!("H{head}"),
                                Component::Mlp { .. } => "MLP".into(),
                            };
                            let label = format!("Switch off layer {l} {name}");
                            view! {
                                <button type="button" data-component=c.label()
                                    aria-pressed=move || components.with(|l| l.contains(&c)).to_string()
                                    aria-label=label
                                    on:click=move |_| toggle(c)>{name}</button>
                            }
                        })
                        .collect_view();
                    view! { <div class="why-layer" role="group"><span>{format!("L{l}")}</span>{buttons}</div> }
                })
                .collect_view()
        })
    };

    // Patching: streamed, restarted whenever either prompt or the aim changes.
    let run = Run::new();
    let setup = RwSignal::new(None::<PatchSetup>);
    let rows = RwSignal::new(Vec::<PatchRow>::new());
    let depths = move || shape().map_or(0, |(layers, _)| layers + 1);
    Effect::new(move |_| {
        let (Ok(p), Ok(s)) = (checked(&prompt.get()), checked(&source.get())) else {
            run.reset();
            return;
        };
        let Some((position, target)) = aimed() else { return };
        setup.set(None);
        rows.set(Vec::new());
        let query = Query::WhyPatch {
            prompt: p,
            source: s,
            target: Some(target),
            position: Some(position),
        };
        run.start(query, move |step: PatchProgress| match step {
            PatchProgress::Start(s) => setup.set(Some(s)),
            PatchProgress::Row(r) => rows.update(|rs| rs.push(r)),
        });
    });
    let patch_status = move || match run.status.get() {
        RunStatus::Failed(message) => {
            Some(view! { <p class="note-live" role="alert">{message}</p> }.into_any())
        }
        RunStatus::Ended(DoneReason::Stopped) => {
            Some(view! { <p class="muted">"Stopped."</p> }.into_any())
        }
        _ => None,
    };

    let draw = move |r: &WhyReport| {
        let p = prompt.get_untracked();
        view! {
            <div data-live="logit-lens" data-tokens=r.ids.len() data-layers=r.lens.len()
                data-millis=r.lens_millis.to_string()>
                <p class="muted">{format!(
                    "Rows: the stream after the embedding and after each of the {} blocks, read through the final norm and the unembedding; the top row is the model's real prediction. Each cell: the most likely next token there and its probability (hover for the top {}). Select a cell to explain that token below. {} tokens, {:.0}\u{a0}ms in the engine.",
                    r.lens.len() - 1, r.lens[0][0].top.len(), r.ids.len(), r.lens_millis
                )}</p>
                {lens_view(r, aim, p)}
            </div>
        }
        .into_any()
    };
    let attribution = move || {
        report.answer.with(|a| match a {
            Some(Ok(r)) => attribution_view(r),
            Some(Err(m)) => view! { <p class="note-live" role="alert">{m.clone()}</p> }.into_any(),
            None => view! { <p class="note-live">"Splitting the logit…"</p> }.into_any(),
        })
    };
    let ablated = move || {
        ablation.answer.with(|a| match a {
            Some(Ok(a)) => ablation_view(a),
            Some(Err(m)) => view! { <p class="note-live" role="alert">{m.clone()}</p> }.into_any(),
            None => view! { <p class="note-live">"Switching parts off…"</p> }.into_any(),
        })
    };
    let patch_shown = move || match run.status.get() {
        RunStatus::Failed(_) => Shown::Error,
        _ if setup.with(Option::is_some) && rows.with(|r| !r.is_empty()) => Shown::Result,
        _ => Shown::Working,
    };
    let patched =
        move || setup.with(|s| s.as_ref().map(|s| rows.with(|rs| patch_view(s, rs, depths()))));
    view! {
        <LivePanel
            class="live-why"
            title="The logit lens: the prediction after every layer"
            label="Prompt to explain"
            text=prompt
            live=report
            loading="The Tumbler is loading."
            working="Reading the stream after every layer…"
            draw
            rows=2
        >
            <p>
                "Type a prompt (up to " {MAX_WHY_TOKENS} " tokens). After each block, the Tumbler's \
                 residual stream is run through the model's own final norm and unembedding, as if \
                 the model stopped there: where does the answer appear?"
            </p>
        </LivePanel>
        <div class="panel live-why">
            <h2>"Direct logit attribution: who wrote the logit"</h2>
            <p>
                "The chosen token's logit is the final stream, normalised, dotted with that token's \
                 row of the unembedding. Since the stream is a sum, so is the logit: one share from \
                 the token's embedding, one from each head, one from each MLP. Bars right push the \
                 token up; bars left push it down."
            </p>
            <EngineReady loading="The Tumbler is loading." shown=move || report.answer.with(Shown::of)>{attribution}</EngineReady>
        </div>
        <div class="panel live-why" data-live="ablation" data-mode=move || if mean.get() { "mean" } else { "zero" }
            data-patch-state=move || run.status.get().id()>
            <h2>"Ablation and patching: switch parts off, swap parts in"</h2>
            <p>
                "Attribution shows direct effects. To see everything a part does, including what it \
                 feeds to later layers, switch it off and run the model again. Pressed buttons are \
                 off; at first, the head with the largest share above."
            </p>
            <div class="preset-row" role="group" aria-label="Replace a switched-off part's output by">
                <button type="button" aria-pressed=move || (!mean.get()).to_string() on:click=move |_| mean.set(false)>"zero"</button>
                <button type="button" aria-pressed=move || mean.get().to_string() on:click=move |_| mean.set(true)>"its prompt mean"</button>
            </div>
            <div class="why-toggles">{toggles}</div>
            <EngineReady loading="The Tumbler is loading." shown=move || ablation.answer.with(Shown::of)>{ablated}</EngineReady>
            <h3>"Patching from a second prompt"</h3>
            <p>
                "Run a second prompt of the same length, differing in a word. Copy its residual stream \
                 at one depth and position into your prompt's run, and watch the chosen token's logit: \
                 the cells that move it most are where the difference lives (causal tracing)."
            </p>
            <textarea aria-label="Second prompt" rows=2 prop:value=move || source.get()
                on:input=move |ev| source.set(event_target_value(&ev))></textarea>
            // Patching starts by itself; "Stop" is there only while it runs (a lone disabled button
            // after it finished looked like a control that had failed).
            {move || run.busy().then(|| view! {
                <div class="preset-row">
                    <button type="button" on:click=move |_| run.stop()>"Stop"</button>
                </div>
            })}
            {patch_status}
            <EngineReady loading="The Tumbler is loading." shown=patch_shown>{patched}</EngineReady>
        </div>
    }
}
