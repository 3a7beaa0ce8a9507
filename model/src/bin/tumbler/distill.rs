//! `tumbler distill`: the `distillation` chapter's run, natively — two toy students trained side
//! by side, one on the text's next tokens and one on the teacher's soft distribution at T — by the
//! same code the engine worker calls ([`DistillRun`]), for the end-to-end test to compare with.

use std::path::PathBuf;

use anyhow::Context;
use burn::tensor::Device;
use clap::Args;
use serde_json::json;
use tumbler_model::distill::{DistillEval, DistillOptions, DistillRun};
use tumbler_model::gpt::weights;
use tumbler_model::tokenizer::{Encoding, EncodingName};

#[derive(Args, Debug)]
pub struct DistillArgs {
    /// T: the temperature of the soft student's targets.
    #[arg(long = "t", default_value_t = 2.0)]
    temperature: f32,
    /// α: the weight of the hard loss in the soft student's loss (0: pure soft).
    #[arg(long, default_value_t = 0.0)]
    alpha: f32,
    /// Steps of both students.
    #[arg(long, default_value_t = 100)]
    steps: usize,
    /// Seed of the students' shared initial weights and of the batches (the page uses 7).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// The text: training windows from its start, held-out windows after them.
    #[arg(long, default_value = "public/model/heldout.txt")]
    text: PathBuf,
    /// The teacher: the base model's directory.
    #[arg(long, default_value = "public/model/base")]
    model: PathBuf,
    /// The Tumbler's tokenizer.json.
    #[arg(long, default_value = "public/model/tokenizer.json")]
    tokenizer: PathBuf,
}

/// Prints `{"setup", "steps"}` with `--json`: the run's sizes, the teacher's held-out loss and
/// both students before training, then every step as the worker streams it.
pub fn run(args: DistillArgs) -> anyhow::Result<()> {
    let teacher = weights::load(&args.model, &Device::flex())
        .with_context(|| format!("loading the model in {}", args.model.display()))?;
    let encoding = Encoding::from_file(EncodingName::Tumbler, &args.tokenizer)
        .with_context(|| format!("loading {}", args.tokenizer.display()))?;
    let text = std::fs::read_to_string(&args.text)
        .with_context(|| format!("reading {}", args.text.display()))?;
    let options = DistillOptions {
        alpha: args.alpha,
        ..DistillOptions::page(args.temperature, args.steps, args.seed)
    };
    let mut run = DistillRun::new(&teacher, &encoding.encode(&text), options)?;
    let setup = run.setup().clone();
    if !args.json {
        println!(
            "two students of {} parameters, teacher of {}; {} training tokens, {} held-out; \
             the teacher's held-out loss {:.3} nats/token",
            setup.student_params,
            setup.teacher_params,
            setup.train_tokens,
            setup.heldout_tokens,
            setup.teacher_loss
        );
        println!(
            "step  train: hard   soft | held-out loss: hard   soft | KL to teacher: hard   soft"
        );
    }
    let mut steps = Vec::new();
    let print = |e: &DistillEval, train: String| {
        println!(
            "{:>4}  {train:>19} | {:>19.3} {:>6.3} | {:>19.3} {:>6.3}",
            e.step, e.hard.loss, e.soft.loss, e.hard.kl, e.soft.kl
        );
    };
    if !args.json {
        print(&setup.initial, "-".into());
    }
    while !run.finished() {
        let step = run.step();
        if let (false, Some(eval)) = (args.json, &step.eval) {
            print(eval, format!("{:.3} {:>6.3}", step.hard_loss, step.soft_loss));
        }
        steps.push(step);
    }
    if args.json {
        println!("{}", serde_json::to_string(&json!({ "setup": setup, "steps": steps }))?);
    }
    Ok(())
}
