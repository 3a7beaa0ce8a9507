//! `tumbler why`: the `why` chapter's tools on a prompt — the logit lens, the direct logit
//! attribution of the target token, an ablation, and patching from a second prompt — computed
//! natively by the same code the engine worker runs (`tumbler_model::why`).

use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use serde_json::json;
use tumbler_model::decode::DecodeWeights;
use tumbler_model::why::{AblationMode, Component, Why};

use crate::engine::{Engine, ModelArgs};

#[derive(Args, Debug)]
pub struct WhyArgs {
    /// The prompt.
    #[arg(long)]
    prompt: String,
    /// The token id to explain (default: the one the model ranks first at --position).
    #[arg(long)]
    target: Option<u32>,
    /// The position read, from 0 (default: the last token's).
    #[arg(long)]
    position: Option<usize>,
    /// Components to switch off: heads as L.H, MLPs as L.mlp, comma-separated, from 0.
    #[arg(long, value_delimiter = ',')]
    ablate: Vec<String>,
    /// Replace ablated outputs by their mean over the prompt's positions instead of zero.
    #[arg(long)]
    mean: bool,
    /// A second prompt of the same length in tokens whose residual stream is patched in.
    #[arg(long)]
    patch_from: Option<String>,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    model: ModelArgs,
}

pub fn run(args: WhyArgs) -> Result<()> {
    let engine = Engine::load(&args.model)?;
    let weights = Arc::new(DecodeWeights::read_cpu(&engine.model).context("reading weights")?);
    let mut why = Why::new(weights);
    let ids = engine.codec.encode(&args.prompt);
    let codec = &engine.codec;
    let report = why.report(&ids, codec, args.target, args.position, || 0.0)?;
    let components =
        args.ablate.iter().map(|c| Component::parse(c)).collect::<Result<Vec<_>, _>>()?;
    let mode = if args.mean { AblationMode::Mean } else { AblationMode::Zero };
    let target = Some(report.attribution.target.id);
    let ablation = why.ablate(&ids, codec, &components, mode, target, args.position)?;
    let patching = match &args.patch_from {
        Some(source) => {
            let source = codec.encode(source);
            Some(why.patch(&ids, &source, codec, target, args.position)?)
        }
        None => None,
    };
    if args.json {
        let patching = patching.map(|(setup, rows)| json!({ "setup": setup, "rows": rows }));
        println!("{}", json!({ "report": report, "ablation": ablation, "patching": patching }));
        return Ok(());
    }
    let a = &report.attribution;
    println!("tokens: {:?}", report.tokens);
    println!("logit lens (top token and p per layer, position {}):", a.position);
    for (depth, row) in report.lens.iter().enumerate() {
        let cell = &row[a.position];
        let name =
            if depth == 0 { "embedding".to_string() } else { format!("block {}", depth - 1) };
        println!("  {name:<10} {:?} {:.4}", cell.top[0].text, cell.top[0].p);
    }
    println!(
        "attribution of {:?} (id {}, p {:.4}) at position {}: logit {:.4} = embedding {:.4} + heads + MLPs + rest {:.2e}",
        a.target.text, a.target.id, a.target.p, a.position, a.logit, a.embedding, a.rest
    );
    for (layer, heads) in a.heads.iter().enumerate() {
        let heads: Vec<String> = heads.iter().map(|h| format!("{h:+.3}")).collect();
        println!("  block {layer}: heads [{}]  mlp {:+.3}", heads.join(", "), a.mlps[layer]);
    }
    let labels: Vec<String> = components.iter().map(Component::label).collect();
    println!(
        "ablating [{}] ({mode:?}): p {:.4} -> {:.4}, KL {:.4}; top after: {:?}",
        labels.join(", "),
        ablation.p[0],
        ablation.p[1],
        ablation.kl,
        ablation.after.iter().take(5).map(|t| (&t.text, t.p)).collect::<Vec<_>>()
    );
    if let Some((setup, rows)) = patching {
        println!("patching: logit {:.4} here, {:.4} in the source", setup.logit[0], setup.logit[1]);
        for row in rows {
            let cells: Vec<String> = row.delta_logit.iter().map(|d| format!("{d:+.2}")).collect();
            println!("  depth {}: {}", row.layer, cells.join(" "));
        }
    }
    Ok(())
}
