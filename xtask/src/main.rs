//! `cargo xtask <command>`: the project's two-command workflow and its helpers.
//!
//! - `setup`  installs what the other commands need and is missing (idempotent).
//! - `serve`  builds the release app and serves it on http://127.0.0.1:8080.
//! - `build`  builds the release app into `dist/`.
//! - `test`   runs every test: format, the native unit tests, the WGSL kernel tests on a real
//!   wgpu adapter (Mesa's lavapipe where there is no GPU) and the release wasm build (all linted
//!   by clippy as they compile), and the end-to-end tests in Chromium (WebGPU on SwiftShader,
//!   then the CPU fallback) with the native `tumbler` binary to compare against.
//! - `bench`  runs the benchmarks and prints their numbers (`bench tokenize`, `bench model`,
//!   `bench browser`: the engine in Chromium on WebGPU and on the CPU, then ONNX Runtime Web on
//!   the same weights; `bench phone`: the guide on an emulated mid-range phone; `bench
//!   lighthouse`, only when named: Lighthouse's mobile audit of five chapters).
//! - `train`  rebuilds the shipped model from the registry packages: corpus, tokenizer,
//!   pre-training, fine-tuning, model card (hours on 2 cores; resumable: run it again).
//!
//! Only the standard library, so this compiles in seconds on a fresh machine.

mod setup;

use std::path::PathBuf;
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

/// The workspace root (the parent of `xtask/`): from the `CARGO_MANIFEST_DIR` that `cargo run`
/// (and so `cargo xtask`) sets, not the one compiled in, which names the checkout this binary was
/// built in (with CI's build cache, an earlier clone).
pub fn root() -> PathBuf {
    let xtask = std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    xtask.parent().expect("xtask sits in the workspace").to_owned()
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

/// Builds the release app (as the tests do) and serves `dist/` with the end-to-end tests' static
/// server. A failed build fails here, loudly, instead of a server answering 404.
fn serve() -> Result<(), String> {
    setup::ensure()?;
    site_build()?;
    let mut c = cmd("node");
    c.args(["tests/e2e/serve.mjs", SERVE_ADDR]);
    eprintln!("xtask: serving dist/ on http://{SERVE_ADDR} (Ctrl-C to stop)");
    run(c)
}

fn build() -> Result<(), String> {
    setup::ensure()?;
    site_build()
}

/// The site in `dist/`: the release build, then each chapter's first-paint snapshot.
fn site_build() -> Result<(), String> {
    run(trunk_build())?;
    run(prerender())
}

/// Renders every chapter of the build in `dist/` once in Chromium and keeps its markup as the
/// chapter's first paint, before the page's wasm arrives (tests/e2e/prerender.mjs); then writes
/// the offline manifest again, with those files.
fn prerender() -> Command {
    let mut c = cmd("node");
    c.arg("tests/e2e/prerender.mjs");
    c
}

/// `trunk build --release`, with the workspace's own crates compiled by clippy (see [`linted`]).
fn trunk_build() -> Command {
    let mut c = cmd("trunk");
    c.args(["build", "--release"]);
    linted(c)
}

/// Compiles the workspace's own crates with `clippy-driver`, warnings denied, in the same cargo
/// run that builds them: the lints of `cargo clippy -- -D warnings` without a second, check-only
/// compilation of every dependency (on 2 cores that was ~20 of a cold CI run's minutes, for the
/// native and the two wasm builds). Dependencies are compiled by plain rustc, as always.
///
/// `CLIPPY_ARGS` is how `cargo clippy` hands its arguments to the driver (Rust 1.95).
fn linted(mut c: Command) -> Command {
    c.env("RUSTC_WORKSPACE_WRAPPER", "clippy-driver")
        .env("CLIPPY_ARGS", "-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__");
    c
}

/// The model crate's GPU features, on for the whole native test build (see `test_steps`).
const GPU_FEATURES: &str = "tumbler-model/wgpu,tumbler-model/gpu";

/// Every test, in the order that fails fastest, with a table of where the time went.
/// `--skip-e2e` leaves out the browser tests.
fn test(args: &[String]) -> Result<(), String> {
    let mut steps = Steps::new();
    let result = test_steps(args, &mut steps);
    steps.print();
    result
}

fn test_steps(args: &[String], steps: &mut Steps) -> Result<(), String> {
    steps.time("setup (installs what is missing)", setup::ensure_but_site_tools)?;

    let mut fmt = cmd("cargo");
    fmt.args(["fmt", "--all", "--check"]);
    steps.run("cargo fmt --check", fmt)?;

    native_tests(steps)?;
    if args.iter().any(|a| a == "--skip-e2e") {
        eprintln!("xtask: skipping the site build and the browser tests (--skip-e2e)");
        return Ok(());
    }
    // One step after another. The native build and the site's ran side by side for a while, as
    // two cargo processes: on 2 cores each ran its own two jobs, and a cold run took 2,795 s for
    // the pair (7 Dec, an idle machine) where the same builds one after the other had taken
    // 2,336 s (6 Dec). Both are compile-bound, so the pair only competed for the cores.
    steps.time("install trunk and wasm-bindgen-cli (if missing)", setup::site_tools)?;
    steps.run("trunk build --release (clippy-linted)", trunk_build())?;
    steps.run("prerender every chapter's first paint", prerender())?;

    // The e2e tests compare the page with the native CLI that `cargo test --workspace` built
    // (the bin target of a package with integration tests): name it, so that a missing binary
    // fails here instead of skipping every native comparison.
    let bin = target_dir().join("debug/tumbler");
    if !bin.is_file() {
        return Err(format!("{} is missing: the e2e tests compare against it", bin.display()));
    }
    // Tests that the engine's backend cannot change run in the CPU run only (`ENGINE_FREE` in
    // tests/e2e/harness.mjs); the WebGPU run names them skipped.
    for backend in ["webgpu", "cpu"] {
        let mut e2e = cmd("node");
        e2e.args(["--test", "--test-concurrency=1", "tests/e2e/"]);
        e2e.env("TUMBLER_E2E_BACKEND", backend).env("TUMBLER_BIN", &bin);
        steps.run(&format!("e2e in Chromium, {backend}"), e2e)?;
    }
    Ok(())
}

/// Every crate's lib, bins, tests and examples, linted as they compile, then run, with the model
/// crate's two GPU features on; then the GPU tests on the same binaries.
fn native_tests(steps: &mut Steps) -> Result<(), String> {
    // Both steps share this one build: a separate `-p tumbler-model --features wgpu,gpu` would
    // unify features differently from the workspace and compile the whole dependency tree a
    // second time (16 min of a cold run).
    let mut unit = cmd("cargo");
    unit.args(["test", "--workspace", "--features", GPU_FEATURES]).args([
        "--",
        "--skip",
        "kernels::",
        "--skip",
        "decode::gpu::",
        "--skip",
        "learn::wgpu_tests::",
    ]);
    steps.run("cargo test --workspace (clippy-linted)", linted(unit))?;

    // The WGSL kernels against the burn ops they replace, the fused WGSL decoder against the
    // CPU path and burn, and a training run on burn's wgpu backend against the CPU's, on a real
    // wgpu adapter: a GPU's, else Mesa's lavapipe (Vulkan on the CPU, which setup installs).
    // The adapter is required, so a machine without one fails here instead of passing
    // vacuously. `--show-output` prints the adapter's name and the measured differences.
    let mut kernels = cmd("cargo");
    kernels
        .args(["test", "--workspace", "--features", GPU_FEATURES, "--lib"])
        .args(["--", "kernels::", "decode::gpu::", "learn::wgpu_tests::", "--show-output"])
        .env("TUMBLER_REQUIRE_WGPU", "1");
    steps.run("kernel tests on wgpu (clippy-linted)", linted(kernels))
}

/// The seconds each step of a command took, printed as a table at its end (pass or fail).
struct Steps {
    rows: Vec<(String, f64)>,
    started: Instant,
}

impl Steps {
    fn new() -> Self {
        Self { rows: Vec::new(), started: Instant::now() }
    }

    fn time(&mut self, name: &str, f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
        let started = Instant::now();
        let result = f();
        self.rows.push((name.to_owned(), started.elapsed().as_secs_f64()));
        result
    }

    fn run(&mut self, name: &str, c: Command) -> Result<(), String> {
        self.time(name, || run(c))
    }

    /// Each step, then the wall-clock time of the whole.
    fn print(&self) {
        eprintln!("xtask: where the time went");
        for (name, secs) in &self.rows {
            eprintln!("xtask: {secs:>8.1} s  {name}");
        }
        eprintln!("xtask: {:>8.1} s  in all (wall clock)", self.started.elapsed().as_secs_f64());
    }
}

/// The benchmarks, each printing its own numbers. `tokenize`, `browser`, `phone` or `model` runs
/// just one; `lighthouse` runs only when named.
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
        // After our engine, the same run times ONNX Runtime Web on the same weights: the shipped
        // model written as ONNX by scripts/tumbler_onnx.py (in a venv with pinned onnx, numpy).
        setup::ensure()?;
        if !args.iter().any(|a| a == "--no-build") {
            site_build()?;
        }
        let onnx = target_dir().join("onnx/model.onnx");
        let mut export = cmd(&setup::onnx_python()?);
        export.args(["scripts/tumbler_onnx.py", "export", "--out"]).arg(&onnx);
        run(export)?;
        for backend in ["webgpu", "cpu"] {
            let mut c = cmd("node");
            c.args(["tests/e2e/bench.mjs"])
                .env("TUMBLER_E2E_BACKEND", backend)
                .env("TUMBLER_ONNX", &onnx);
            run(c)?;
        }
    }
    if matches!(only, None | Some("phone")) {
        // The guide on an emulated mid-range phone (360×740, 4× CPU slowdown, Lighthouse's
        // mobile network): first contentful paint, time to the engine's ready, decode ms/token on
        // the backend the page chose, sideways scroll (tests/e2e/phone.mjs).
        setup::ensure()?;
        if !args.iter().any(|a| a == "--no-build") && only.is_some() {
            site_build()?;
        }
        for backend in ["webgpu", "cpu"] {
            let mut c = cmd("node");
            c.args(["tests/e2e/phone.mjs"]).env("TUMBLER_E2E_BACKEND", backend);
            run(c)?;
        }
    }
    if only == Some("lighthouse") {
        // Lighthouse (npm, pinned in tests/e2e/package.json) in its mobile mode on five chapters,
        // the build served brotli-compressed: performance, accessibility and best-practices
        // scores and the largest contentful paint (tests/e2e/lighthouse.mjs). Only when asked:
        // it is a report, not a test, and its scores vary from run to run.
        setup::ensure()?;
        if !args.iter().any(|a| a == "--no-build") {
            site_build()?;
        }
        // Chromium without WebGPU, as on most phones (the page then needs only its CPU engine).
        let mut c = cmd("node");
        c.args(["tests/e2e/lighthouse.mjs"]).env("TUMBLER_E2E_BACKEND", "cpu");
        run(c)?;
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
    // The benchmarks chapter's quiz, from the fine-tuning split the chat model was trained with.
    tumbler(&["contamination", "--build"])?;
    // The scaling-laws chapter's sweep: five sizes with one recipe (resumes like the steps above).
    tumbler(&["scaling"])?;
    // The moe chapter's model: the base model upcycled into 8 experts per layer, trained on
    // (resumable; it writes public/model/moe.{safetensors,json}).
    tumbler(&["moe", "--train", "--steps", "180", "--eval-every", "60"])?;
    eprintln!("xtask: train finished in {:.0} min", started.elapsed().as_secs_f64() / 60.0);
    Ok(())
}
