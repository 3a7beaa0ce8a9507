//! `tumbler tokenize`: text → ids with any encoding the guide shows.
//!
//! With `--jsonl`, each stdin line is one JSON string and each stdout line the JSON array of its
//! ids, streamed: memory stays bounded however many lines come, and output is flushed whenever
//! no further input is already waiting, so a caller can also talk to it line by line.

use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use tumbler_model::tokenizer::{Encoding, EncodingName};

#[derive(Args)]
pub struct TokenizeArgs {
    /// cl100k_base (GPT-4), o200k_base (GPT-4o), r50k_base (GPT-2) or tumbler.
    #[arg(long, value_parser = parse_encoding)]
    encoding: EncodingName,
    /// Read one JSON string per line, write one JSON array of ids per line. Without it, all of
    /// stdin is one text and one array is written.
    #[arg(long)]
    jsonl: bool,
    /// The vocabulary file. Default: public/tokenizers/<encoding>.tiktoken, or
    /// public/model/tokenizer.json for tumbler.
    #[arg(long)]
    tokenizer: Option<PathBuf>,
    /// Turn special-token text such as <|endoftext|> into its special id (otherwise plain text).
    #[arg(long)]
    special: bool,
}

fn parse_encoding(s: &str) -> Result<EncodingName, String> {
    s.parse().map_err(|e: tumbler_model::tokenizer::TokenizerError| e.to_string())
}

/// `public/...` from the working directory, else from this source tree.
fn default_path(name: EncodingName) -> PathBuf {
    let here = PathBuf::from("public").join(name.public_path());
    if here.exists() {
        return here;
    }
    tumbler_model::repo_file("public").join(name.public_path())
}

pub fn run(args: TokenizeArgs) -> Result<()> {
    let path = args.tokenizer.unwrap_or_else(|| default_path(args.encoding));
    let enc = Encoding::from_file(args.encoding, &path)
        .with_context(|| format!("loading {}", args.encoding))?;
    let encode = |text: &str| {
        if args.special { enc.encode_with_special_tokens(text) } else { enc.encode(text) }
    };
    let mut input = BufReader::with_capacity(1 << 16, std::io::stdin().lock());
    let mut out = BufWriter::new(std::io::stdout().lock());

    if !args.jsonl {
        let mut text = String::new();
        input.read_to_string(&mut text).context("reading stdin as UTF-8 text")?;
        write_ids(&mut out, &encode(&text))?;
        out.flush()?;
        return Ok(());
    }

    let mut line = String::new();
    for number in 1.. {
        line.clear();
        let read =
            input.read_line(&mut line).with_context(|| format!("line {number}: reading stdin"))?;
        if read == 0 {
            break;
        }
        let json = line.strip_suffix('\n').unwrap_or(&line);
        let json = json.strip_suffix('\r').unwrap_or(json);
        let text: String = match serde_json::from_str(json) {
            Ok(text) => text,
            Err(e) => bail!("line {number}: expected a JSON string ({e}): {}", preview(json)),
        };
        write_ids(&mut out, &encode(&text))?;
        // Nothing more waiting: the caller may be waiting for this line.
        if input.buffer().is_empty() {
            out.flush()?;
        }
    }
    out.flush()?;
    Ok(())
}

fn write_ids(out: &mut impl Write, ids: &[u32]) -> Result<()> {
    out.write_all(b"[")?;
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write!(out, "{id}")?;
    }
    out.write_all(b"]\n")?;
    Ok(())
}

/// The start of a bad line, for the error message.
fn preview(line: &str) -> String {
    let cut: String = line.chars().take(60).collect();
    if cut.len() < line.len() { format!("{cut}…") } else { cut }
}
