//! `tumbler rl`: the `rl` chapter's run, natively — fine-tuning on the toy task, then rounds of
//! group-relative policy gradient — by the same code the engine worker calls ([`RlRun`]), printed
//! as one JSON object for the end-to-end test to compare with the page.

use anyhow::anyhow;
use clap::Args;
use tumbler_model::rl::task::Reward;
use tumbler_model::rl::{RlOptions, RlRun};

#[derive(Args, Debug)]
pub struct RlArgs {
    /// Seed of the weights, the problems and the samples (the page uses 7).
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// What the policy is rewarded for: correct, partial, format or length.
    #[arg(long, default_value = "correct")]
    reward: String,
    /// Rounds of policy gradient after fine-tuning.
    #[arg(long, default_value_t = 10)]
    rounds: usize,
    /// Fine-tuning steps (the page's by default).
    #[arg(long)]
    sft_steps: Option<usize>,
    /// Fine-tuning learning rate (the page's by default).
    #[arg(long)]
    sft_lr: Option<f64>,
    /// Policy-gradient learning rate (the page's by default).
    #[arg(long)]
    lr: Option<f64>,
    /// Problems per round, P (the page's by default).
    #[arg(long)]
    problems: Option<usize>,
    /// Attempts per problem, G (the page's by default).
    #[arg(long)]
    group: Option<usize>,
    /// Letters the strings are drawn from (the page's by default).
    #[arg(long)]
    letters: Option<usize>,
    /// Sampling temperature (the page's by default).
    #[arg(long)]
    temperature: Option<f32>,
}

/// Prints `{"options", "sft_losses", "fine_tuned", "rounds"}`: the options, the fine-tuning
/// losses, the held-out check after fine-tuning, and every round as the worker streams it.
pub fn run(args: RlArgs) -> anyhow::Result<()> {
    let reward = Reward::from_id(&args.reward)
        .ok_or_else(|| anyhow!("--reward must be correct, partial, format or length"))?;
    let mut options = RlOptions::page(args.seed, reward);
    options.sft_steps = args.sft_steps.unwrap_or(options.sft_steps);
    options.sft_lr = args.sft_lr.unwrap_or(options.sft_lr);
    options.lr = args.lr.unwrap_or(options.lr);
    options.problems = args.problems.unwrap_or(options.problems);
    options.group = args.group.unwrap_or(options.group);
    options.temperature = args.temperature.unwrap_or(options.temperature);
    options.letters = args.letters.unwrap_or(options.letters);
    let mut run = RlRun::new(options)?;
    let mut sft_losses = Vec::new();
    while !run.fine_tuned() {
        sft_losses.push(run.sft_step());
    }
    let fine_tuned = run.evaluate();
    let rounds: Vec<_> = (0..args.rounds).map(|_| run.round()).collect();
    let out = serde_json::json!({
        "options": run.options(),
        "sft_losses": sft_losses,
        "fine_tuned": fine_tuned,
        "rounds": rounds,
    });
    println!("{out}");
    Ok(())
}
