//! `tumbler next`: the distribution of the token after a prompt, before and after temperature,
//! top-k and top-p — the numbers the guide's sampling chapters draw, computed natively.

use clap::Args;
use serde_json::json;
use tumbler_model::generate::Vocab;
use tumbler_model::gpt::ids_tensor;
use tumbler_model::sampling::{SamplingConfig, filtered_distribution, softmax_with_temperature};

use crate::engine::{Engine, ModelArgs};

#[derive(Args, Debug)]
pub struct NextArgs {
    /// Text whose next token to predict.
    #[arg(long)]
    prompt: String,
    /// Softmax temperature; 0 is greedy.
    #[arg(long, default_value_t = 1.0)]
    temperature: f32,
    /// Keep only the k most likely tokens.
    #[arg(long)]
    top_k: Option<usize>,
    /// Keep the smallest set of tokens with at least this much probability.
    #[arg(long, default_value_t = 1.0)]
    top_p: f32,
    /// How many of the most likely tokens to list.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    model: ModelArgs,
}

pub fn run(args: NextArgs) -> anyhow::Result<()> {
    let config =
        SamplingConfig { temperature: args.temperature, top_k: args.top_k, top_p: args.top_p };
    let engine = Engine::load(&args.model)?;
    let ids = engine.encode_prompt(&args.prompt)?;
    let logits = engine.model.forward(ids_tensor(&ids, &engine.device)); // (1, T, V)
    let [_, t, v] = logits.dims();
    let last = logits.slice([0..1, t - 1..t, 0..v]).reshape([v]); // (V)
    let logits = last.into_data().try_to_vec::<f32>().map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let probs = softmax_with_temperature(&logits, 1.0);
    let kept = filtered_distribution(&logits, &config)?;
    let mut order: Vec<usize> = (0..v).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
    let top: Vec<_> = order
        .iter()
        .take(args.top)
        .map(|&id| {
            json!({
                "id": id,
                "text": engine.codec.text(id as u32),
                "logit": logits[id],
                "p": probs[id],
                "kept_p": kept.prob(id as u32),
            })
        })
        .collect();
    if args.json {
        let out = json!({
            "tokens": ids.iter().map(|&id| engine.codec.text(id)).collect::<Vec<_>>(),
            "config": config,
            "top": top,
            "kept": kept,
        });
        println!("{out}");
        return Ok(());
    }
    println!(
        "{} tokens; {} kept at temperature {}, top-k {:?}, top-p {}",
        ids.len(),
        kept.ids.len(),
        config.temperature,
        config.top_k,
        config.top_p
    );
    for &id in order.iter().take(args.top) {
        println!(
            "{:>6} {:<16} logit {:>8.4}  p {:.5}  kept {:.5}",
            id,
            format!("{:?}", engine.codec.text(id as u32)),
            logits[id],
            probs[id],
            kept.prob(id as u32)
        );
    }
    Ok(())
}
