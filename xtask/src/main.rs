//! `cargo xtask <command>`: the project's two-command workflow and its helpers.
//!
//! - `setup`  installs what the other commands need and is missing (idempotent).
//! - `serve`  builds the app and serves it on http://127.0.0.1:8080.
//! - `build`  builds the release app into `dist/`.
//! - `test`   runs every test: format, lints, native unit tests, the release wasm build, and the
//!   end-to-end tests in Chromium (WebGPU on SwiftShader, then the CPU fallback).
//! - `bench`  runs the benchmarks and prints their numbers (`bench tokenize`, `bench model`,
//!   `bench browser`: the engine in Chromium on WebGPU and on the CPU).
//! - `train`  rebuilds the shipped model from the registry packages: corpus, tokenizer,
//!   pre-training, fine-tuning, model card (hours on 2 cores; resumable: run it again).
//!
//! Only the standard library, so this compiles in seconds on a fresh machine.

mod setup;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// Where the app is served, by `serve` and by the end-to-end tests' own server.
pub const SERVE_ADDR: &str = "127.0.0.1:8080";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprintln!("usage: cargo xtask <setup|serve|build|test|bench|train>");
        return ExitCode::from(2);
    };
    let rest = &args[1..];
    let result = match command.as_str() {
        "setup" => setup::ensure(),
        "serve" => serve(),
        "build" => build(),
        "test" => test(rest),
        "bench" => bench(rest),
        "train" => train(rest),
        other => {
            Err(format!("unknown command `{other}`; try setup, serve, build, test, bench or train"))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace").to_owned()
}

/// The target directory: `CARGO_TARGET_DIR`, else `target/` in the workspace.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root().join(dir),
        _ => root().join("target"),
    }
}

/// Where `setup` installs trunk and wasm-bindgen-cli: inside the target directory, so that a CI
/// that keeps `target/` between runs keeps the tools too (they take ~20 minutes to build).
pub fn tools_dir() -> PathBuf {
    target_dir().join("tools")
}

/// A command run in the workspace root with `tests/e2e/node_modules/.bin` (npm's wasm-opt) and
/// the installed tools first on the PATH.
pub fn cmd(program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(root());
    let node_bin = root().join("tests/e2e/node_modules/.bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![node_bin, tools_dir().join("bin")];
    if let Some(home) = std::env::var_os("HOME") {
        paths.push(PathBuf::from(home).join(".cargo/bin"));
    }
    paths.extend(std::env::split_paths(&path));
    c.env("PATH", std::env::join_paths(paths).expect("PATH entries are valid"));
    c
}

/// Runs a command to completion, failing with its description if it fails.
pub fn run(mut c: Command) -> Result<(), String> {
    let what = format!("{c:?}");
    let started = Instant::now();
    eprintln!("xtask: $ {}", describe(&c));
    let status = c.status().map_err(|e| format!("could not start {what}: {e}"))?;
    eprintln!("xtask:   ({:.1} s)", started.elapsed().as_secs_f64());
    if status.success() { Ok(()) } else { Err(format!("{} failed ({status})", describe(&c))) }
}

fn describe(c: &Command) -> String {
    let mut s = c.get_program().to_string_lossy().into_owned();
    for a in c.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

fn serve() -> Result<(), String> {
    setup::ensure()?;
    let mut c = cmd("trunk");
    c.args(["serve", "--release", "--address", "127.0.0.1", "--port", "8080"]);
    eprintln!("xtask: serving on http://{SERVE_ADDR} (Ctrl-C to stop)");
    run(c)
}

fn build() -> Result<(), String> {
    setup::ensure()?;
    let mut c = cmd("trunk");
    c.args(["build", "--release"]);
    run(c)
}

/// Every test, in the order that fails fastest. `--skip-e2e` leaves out the browser tests.
fn test(args: &[String]) -> Result<(), String> {
    let started = Instant::now();
    setup::ensure()?;

    let mut fmt = cmd("cargo");
    fmt.args(["fmt", "--all", "--check"]);
    run(fmt)?;

    let mut clippy = cmd("cargo");
    clippy.args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]);
    run(clippy)?;
    let mut clippy_wasm = cmd("cargo");
    clippy_wasm.args([
        "clippy",
        "-p",
        "tumbler-app",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]);
    run(clippy_wasm)?;
    // The engine worker's own code (burn on flex, the message loop) for the browser. Its WebGPU
    // build is left to trunk's release build: checking wgpu and cubecl for wasm32 as well costs
    // a cold CI run minutes.
    let mut clippy_engine = cmd("cargo");
    clippy_engine.args([
        "clippy",
        "-p",
        "tumbler-engine",
        "--features",
        "worker",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]);
    run(clippy_engine)?;

    let mut unit = cmd("cargo");
    unit.args(["test", "--workspace"]);
    run(unit)?;

    if args.iter().any(|a| a == "--skip-e2e") {
        eprintln!("xtask: skipping the browser tests (--skip-e2e)");
    } else {
        let mut trunk = cmd("trunk");
        trunk.args(["build", "--release"]);
        run(trunk)?;
        for backend in ["webgpu", "cpu"] {
            let mut e2e = cmd("node");
            e2e.args(["--test", "--test-concurrency=1", "tests/e2e/"]);
            e2e.env("TUMBLER_E2E_BACKEND", backend);
            run(e2e)?;
        }
    }
    eprintln!("xtask: all tests passed in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The benchmarks, each printing its own numbers. `tokenize`, `browser` or `model` runs just one.
fn bench(args: &[String]) -> Result<(), String> {
    let only = args.first().map(String::as_str).filter(|a| !a.starts_with("--"));
    if matches!(only, None | Some("tokenize")) {
        // cl100k_base encode throughput beside OpenAI's tiktoken on the same ~10 MB of English.
        let mut c = cmd("cargo");
        c.args([
            "run",
            "--release",
            "-p",
            "tumbler-model",
            "--no-default-features",
            "--example",
            "tokenize_bench",
        ]);
        run(c)?;
    }
    if matches!(only, None | Some("browser")) {
        // The engine in Chromium, per backend: wasm sizes, time to ready, prefill, decode, first
        // token (tests/e2e/bench.mjs). It measures the release build in dist/ (built here unless
        // `--no-build`).
        setup::ensure()?;
        if !args.iter().any(|a| a == "--no-build") {
            let mut trunk = cmd("trunk");
            trunk.args(["build", "--release"]);
            run(trunk)?;
        }
        for backend in ["webgpu", "cpu"] {
            let mut c = cmd("node");
            c.args(["tests/e2e/bench.mjs"]).env("TUMBLER_E2E_BACKEND", backend);
            run(c)?;
        }
    }
    if matches!(only, None | Some("model")) {
        // Prefill and decode ms/token at positions 10 and 200, KV cache on and off (flex, CPU).
        let mut c = cmd("cargo");
        c.args(["run", "--release", "-p", "tumbler-model", "--bin", "tumbler", "--", "bench"]);
        run(c)?;
    }
    Ok(())
}

/// The shipped model's settings (see public/model/MODEL_CARD.md); `cargo xtask train` passes them
/// to `tumbler`, so running it again reproduces the card.
const PRETRAIN_ARGS: &[&str] = &[
    "--d-model",
    "128",
    "--layers",
    "4",
    "--heads",
    "4",
    "--batch",
    "16",
    "--seq",
    "256",
    "--steps",
    "2500",
    "--lr",
    "2e-3",
    "--eval-every",
    "250",
];
const SFT_ARGS: &[&str] =
    &["--steps", "600", "--lr", "5e-4", "--batch", "16", "--eval-every", "100"];

/// Every step from registry packages to `public/model/`. Each step is skipped when its output
/// exists, except the training steps, which resume from their checkpoints in `.cache/train/`;
/// `--retokenize` also retrains the tokenizer (which changes every token id downstream).
fn train(args: &[String]) -> Result<(), String> {
    let started = Instant::now();
    let mut fetch = cmd("bash");
    fetch.arg("scripts/fetch-data.sh");
    run(fetch)?;
    let tumbler = |sub: &[&str]| -> Result<(), String> {
        let mut c = cmd("cargo");
        c.args(["run", "--release", "-p", "tumbler-model", "--bin", "tumbler", "--"]);
        c.args(sub);
        run(c)
    };
    if !root().join(".cache/corpus/train.txt").is_file() {
        tumbler(&["corpus"])?;
    }
    if args.iter().any(|a| a == "--retokenize") {
        tumbler(&["train-tokenizer"])?;
    }
    let mut pretrain = vec!["train"];
    pretrain.extend_from_slice(PRETRAIN_ARGS);
    tumbler(&pretrain)?;
    let mut sft = vec!["sft"];
    sft.extend_from_slice(SFT_ARGS);
    tumbler(&sft)?;
    tumbler(&["card"])?;
    eprintln!("xtask: train finished in {:.0} min", started.elapsed().as_secs_f64() / 60.0);
    Ok(())
}
