//! `tumbler`: the command-line face of the model crate.
//!
//! Each subcommand lives in its own file beside this one; this file only parses and dispatches.

mod answer_loss;
mod bench;
mod card;
mod contamination;
mod corpus;
mod distill;
mod dpo;
mod engine;
mod eval;
mod foreign;
mod gates;
mod history;
mod mmoe;
mod moe;
mod next;
mod rl;
mod rlhf;
mod sample;
mod scaling;
mod sft;
mod tokenize;
mod trace;
mod train;
mod train_tokenizer;
mod why;

#[cfg(test)]
mod own_export;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "tumbler",
    version,
    about = "Tokenize, sample, trace, evaluate and train the Tumbler"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Text to token ids (GPT-4, GPT-4o, GPT-2 or Tumbler); --jsonl streams one string per line.
    Tokenize(tokenize::TokenizeArgs),
    /// Generate text from a prompt (temperature, top-k, top-p, seeded).
    Sample(sample::SampleArgs),
    /// The next token's distribution after a prompt, before and after temperature, top-k, top-p.
    Next(next::NextArgs),
    /// Run one forward pass and print the trace (attention, gates, logits).
    Trace(trace::TraceArgs),
    /// The SwiGLU gate values of one token in every layer, as JSON (what the gates chapter draws).
    Gates(gates::GatesArgs),
    /// The loss of each token of an answer after each of several contexts, as JSON.
    AnswerLoss(answer_loss::AnswerLossArgs),
    /// Loss, perplexity and bits per byte of the model on a text file.
    Eval(eval::EvalArgs),
    /// Prefill and decode speed, with and without the KV cache.
    Bench(bench::BenchArgs),
    /// Build the pre-training corpus: run the pipeline over the fetched registry packages.
    Corpus(corpus::CorpusArgs),
    /// Train the Tumbler's byte-level BPE on the corpus and save tokenizer.json.
    TrainTokenizer(train_tokenizer::TrainTokenizerArgs),
    /// Pre-train the Tumbler (resumable), or measure tokens/s with --bench.
    Train(train::TrainArgs),
    /// Write the loss history the training chapter draws, read back from a finished run's curve.
    History(history::HistoryArgs),
    /// Fine-tune the pre-trained Tumbler into a chat model (resumable).
    Sft(sft::SftArgs),
    /// The DPO loss of a chosen/rejected pair (chat model vs base model), then DPO steps on a copy.
    Dpo(dpo::DpoArgs),
    /// Write public/model/MODEL_CARD.md from the runs' records and fresh measurements.
    Card(card::CardArgs),
    /// The rl chapter's run: fine-tune a toy policy, then rounds of GRPO-style RL, as JSON.
    Rl(rl::RlArgs),
    /// The benchmarks chapter's contamination quiz: --build it from the fine-tuning pairs, or
    /// score it with the chat model (JSON).
    Contamination(contamination::ContaminationArgs),
    /// Train several sizes of the Tumbler with one recipe (resumable) and write their records.
    Scaling(scaling::ScalingArgs),
    /// The rlhf chapter's run: a reward model on preference pairs, then best-of-n against it, as JSON.
    Rlhf(rlhf::RlhfArgs),
    /// The distillation chapter's run: two toy students, hard labels vs the teacher's soft
    /// distribution at T, measured on held-out text.
    Distill(distill::DistillArgs),
    /// The moe chapter's model: upcycle the Tumbler into experts and train it (--train), or
    /// print the routing of a text (--route TEXT --json).
    Moe(moe::MoeArgs),
    /// The mmoe chapter's run: a toy two-task Multi-gate Mixture-of-Experts on the paper's
    /// synthetic tasks, each task's held-out loss and gate mixture per step.
    Mmoe(mmoe::MmoeArgs),
    /// The why chapter's tools: logit lens, direct logit attribution, ablation (--ablate L.H,
    /// L.mlp) and patching (--patch-from TEXT), as JSON with --json.
    Why(why::WhyArgs),
    /// Write a Llama checkpoint this project did not train (another width, depth and
    /// vocabulary, transformers' naming, bf16) with its tokenizer, for the tests to open.
    Foreign(foreign::ForeignArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Tokenize(args) => tokenize::run(args),
        Command::Sample(args) => sample::run(args),
        Command::Next(args) => next::run(args),
        Command::Trace(args) => trace::run(args),
        Command::Gates(args) => gates::run(args),
        Command::AnswerLoss(args) => answer_loss::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Corpus(args) => corpus::run(args),
        Command::TrainTokenizer(args) => train_tokenizer::run(args),
        Command::Train(args) => train::run(args),
        Command::History(args) => history::run(args),
        Command::Sft(args) => sft::run(args),
        Command::Card(args) => card::run(args),
        Command::Rl(args) => rl::run(args),
        Command::Dpo(args) => dpo::run(args),
        Command::Scaling(args) => scaling::run(args),
        Command::Contamination(args) => contamination::run(args),
        Command::Rlhf(args) => rlhf::run(args),
        Command::Distill(args) => distill::run(args),
        Command::Moe(args) => moe::run(args),
        Command::Mmoe(args) => mmoe::run(args),
        Command::Why(args) => why::run(args),
        Command::Foreign(args) => foreign::run(args),
    }
}
