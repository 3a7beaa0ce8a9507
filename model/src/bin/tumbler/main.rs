//! `tumbler`: the command-line face of the model crate.
//!
//! Each subcommand lives in its own file beside this one; this file only parses and dispatches.

mod corpus;
mod tokenize;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "tumbler", version, about = "Tokenize, sample, trace, evaluate and train the Tumbler")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Text to token ids (GPT-4, GPT-4o, GPT-2 or Tumbler); --jsonl streams one string per line.
    Tokenize(tokenize::TokenizeArgs),
    /// Build the pre-training corpus: run the pipeline over the fetched registry packages.
    Corpus(corpus::CorpusArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Tokenize(args) => tokenize::run(args),
        Command::Corpus(args) => corpus::run(args),
    }
}
