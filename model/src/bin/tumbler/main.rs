//! `tumbler`: the command-line face of the model crate.
//!
//! Each subcommand lives in its own file beside this one; this file only parses and dispatches.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "tumbler", version, about = "Tokenize, sample, trace, evaluate and train the Tumbler")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {}
}
