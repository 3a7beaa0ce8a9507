//! Native `cl100k_base` encode throughput beside OpenAI's `tiktoken`, on the same ~10 MB of
//! English (every State of the Union address), in one command:
//!
//!     cargo run --release -p tumbler-model --no-default-features --example tokenize_bench
//!
//! Options: `--text PATH` (default `.cache/tokenize-bench/sotu.txt`, made by the Python side if
//! missing), `--runs N` (best of N, default 3), `--no-python` (skip tiktoken). The Python side is
//! `tiktoken_bench.py` beside this file; it needs `pip install tiktoken` and, for the text, npm.
//! Exits non-zero if the two encoders disagree on the ids.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use tumbler_model::tokenizer::{Encoding, EncodingName};

struct Timing {
    seconds: f64,
    tokens: usize,
}

impl Timing {
    fn line(&self, who: &str, bytes: usize) -> String {
        let mb = bytes as f64 / 1e6;
        format!(
            "{who:<22} {:>8.2} MB/s {:>12.0} tokens/s   ({} tokens in {:.3} s)",
            mb / self.seconds,
            self.tokens as f64 / self.seconds,
            self.tokens,
            self.seconds
        )
    }
}

fn best_of(runs: usize, mut f: impl FnMut() -> usize) -> Timing {
    let mut best = Timing { seconds: f64::INFINITY, tokens: 0 };
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let tokens = f();
        let seconds = start.elapsed().as_secs_f64();
        if seconds < best.seconds {
            best = Timing { seconds, tokens };
        }
    }
    best
}

/// The same fingerprint as `tiktoken_bench.py`.
fn fingerprint(ids: &[u32]) -> u64 {
    ids.iter().fold(0u64, |h, &i| h.wrapping_mul(1_000_003).wrapping_add(u64::from(i)))
}

fn python(root: &Path, text: &Path, runs: usize) -> Result<serde_json::Value, String> {
    let script = root.join("model/examples/tiktoken_bench.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg("--text")
        .arg(text)
        .arg("--runs")
        .arg(runs.to_string())
        .output()
        .map_err(|e| format!("running python3 {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed:\n{}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("reading tiktoken's result: {e}"))
}

fn main() -> ExitCode {
    let root = tumbler_model::repo_file("");
    let mut text_path = root.join(".cache/tokenize-bench/sotu.txt");
    let mut runs = 3;
    let mut with_python = true;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--text", Some(p)) => text_path = PathBuf::from(p),
            ("--runs", Some(n)) if n.parse::<usize>().is_ok() => runs = n.parse().unwrap_or(3),
            ("--no-python", None) => with_python = false,
            _ => {
                eprintln!("usage: tokenize_bench [--text PATH] [--runs N] [--no-python]");
                return ExitCode::FAILURE;
            }
        }
    }

    // The Python side first: it makes the text when it is missing.
    let reference = if with_python {
        match python(&root, &text_path, runs) {
            Ok(v) => Some(v),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let text = match std::fs::read_to_string(&text_path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("reading {}: {e} (run without --no-python to make it)", text_path.display());
            return ExitCode::FAILURE;
        }
    };
    let name = EncodingName::Cl100kBase;
    let load = Instant::now();
    let enc = match Encoding::from_file(name, &root.join("public").join(name.public_path())) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    println!("cl100k_base loaded in {:.3} s", load.elapsed().as_secs_f64());
    println!("text: {} ({:.2} MB)", text_path.display(), text.len() as f64 / 1e6);

    let ids = enc.encode(&text);
    let ours = best_of(runs, || enc.encode(&text).len());
    println!("{}", ours.line("tumbler (Rust)", text.len()));
    let rs = tiktoken_rs::cl100k_base_singleton();
    let rs_timing = best_of(runs, || rs.encode_ordinary(&text).len());
    println!("{}", rs_timing.line("tiktoken-rs 0.12.1", text.len()));

    let Some(reference) = reference else { return ExitCode::SUCCESS };
    let seconds = reference["seconds"].as_f64().unwrap_or(f64::NAN);
    let tokens = reference["tokens"].as_u64().unwrap_or(0) as usize;
    let version = reference["tiktoken"].as_str().unwrap_or("?");
    println!(
        "{}",
        Timing { seconds, tokens }.line(&format!("tiktoken {version} (Py)"), text.len())
    );
    println!("ratio (tiktoken time / ours): {:.2}x", seconds / ours.seconds);
    if reference["fingerprint"].as_u64() != Some(fingerprint(&ids)) || tokens != ids.len() {
        eprintln!("ids differ from tiktoken's");
        return ExitCode::FAILURE;
    }
    println!("ids identical to tiktoken's ({} tokens)", ids.len());
    ExitCode::SUCCESS
}
