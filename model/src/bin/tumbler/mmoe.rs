//! `tumbler mmoe`: the `mmoe` chapter's run, natively — a toy two-task Multi-gate
//! Mixture-of-Experts on the MMoE paper's synthetic tasks at a chosen correlation — by the same
//! code the engine worker calls ([`MmoeRun`]), for the end-to-end test to compare with.

use clap::Args;
use serde_json::json;
use tumbler_model::mmoe::{MmoeEval, MmoeOptions, MmoeRun};

#[derive(Args, Debug)]
pub struct MmoeArgs {
    /// The cosine between the two tasks' weight vectors, in [−1, 1].
    #[arg(long, allow_hyphen_values = true, default_value_t = 0.9)]
    corr: f64,
    /// Optimisation steps.
    #[arg(long, default_value_t = 600)]
    steps: usize,
    /// Seed of the data, the initial weights and the batches (the page starts at 1).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// Prints `{"setup", "steps"}` with `--json`: the run's sizes and data, the model before
/// training, then every step as the worker streams it.
pub fn run(args: MmoeArgs) -> anyhow::Result<()> {
    let mut run = MmoeRun::new(MmoeOptions::page(args.corr, args.steps, args.seed))?;
    let setup = run.setup().clone();
    let print = |e: &MmoeEval| {
        let mix = |m: &[f32]| m.iter().map(|v| format!("{v:.2}")).collect::<Vec<_>>().join(" ");
        println!(
            "{:>4}  {:>7.3} {:>7.3}  {:>7.3}  A [{}]  B [{}]",
            e.step,
            e.loss_a,
            e.loss_b,
            e.overlap,
            mix(&e.mixture_a),
            mix(&e.mixture_b)
        );
    };
    if !args.json {
        println!(
            "{} parameters; task vectors' cosine {:.3}, labels' correlation {:.3}, label \
             variances {:.3} and {:.3}",
            setup.params,
            setup.cosine,
            setup.label_correlation,
            setup.label_variance[0],
            setup.label_variance[1]
        );
        println!("step  loss A  loss B  overlap  gate mixtures (held-out means)");
        print(&setup.initial);
    }
    let mut steps = Vec::new();
    while !run.finished() {
        let step = run.step();
        if let (false, Some(eval)) = (args.json, &step.eval) {
            print(eval);
        }
        steps.push(step);
    }
    if args.json {
        println!("{}", serde_json::to_string(&json!({ "setup": setup, "steps": steps }))?);
    }
    Ok(())
}
