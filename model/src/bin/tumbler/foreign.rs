//! `tumbler foreign`: writes a checkpoint this project did not train, in transformers' Llama
//! naming, layout and bf16 ([`foreign_checkpoint`]): another width, depth, head layout, rotary
//! base and vocabulary than the Tumbler's, with its own tokenizer. The page's tests open it
//! (`tests/e2e/fixtures/foreign-llama/`); every other command reads it with `--model DIR`.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use tumbler_model::gpt::checkpoint::foreign::{
    FOREIGN_NAME, checkpoint_of, foreign_config, sized_config,
};
use tumbler_model::gpt::checkpoint::read::LlamaDtype;

/// How the weights are stored.
#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum Dtype {
    /// bfloat16, as most Llama checkpoints ship.
    Bf16,
    /// IEEE half.
    F16,
    /// 4 bytes, exact.
    F32,
}

#[derive(Args, Debug)]
pub struct ForeignArgs {
    /// Directory to write config.json, tokenizer.json and model.safetensors into.
    #[arg(long)]
    out: PathBuf,
    /// Seed of the weights.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Storage dtype of the weights.
    #[arg(long, value_enum, default_value_t = Dtype::Bf16)]
    dtype: Dtype,
    /// A larger model of the family instead (with --layers): its width, heads of 64. For
    /// measuring the largest model the page's engine loads.
    #[arg(long, requires = "layers")]
    width: Option<usize>,
    /// Its number of blocks.
    #[arg(long, requires = "width")]
    layers: Option<usize>,
}

pub fn run(args: ForeignArgs) -> anyhow::Result<()> {
    let dtype = match args.dtype {
        Dtype::Bf16 => LlamaDtype::Bf16,
        Dtype::F16 => LlamaDtype::F16,
        Dtype::F32 => LlamaDtype::F32,
    };
    let (config, name) = match (args.width, args.layers) {
        (Some(width), Some(layers)) => {
            (sized_config(width, layers), format!("foreign-llama-{layers}L-{width}C"))
        }
        _ => (foreign_config(), FOREIGN_NAME.to_string()),
    };
    config.validate()?;
    let files = checkpoint_of(&config, &name, args.seed, dtype)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    for (name, bytes) in [
        ("config.json", files.config.as_bytes()),
        ("tokenizer.json", files.tokenizer.as_bytes()),
        ("model.safetensors", &files.weights[..]),
    ] {
        let path = args.out.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!(
        "wrote {name} to {} ({} parameters, {} bytes of weights)",
        args.out.display(),
        config.param_count(),
        files.weights.len()
    );
    Ok(())
}
