//! Installs what the build and the tests need and is missing, and says what it does.
//!
//! Nothing here downloads a binary from outside the package registries: trunk and
//! wasm-bindgen-cli come from crates.io (built here), wasm-opt from npm's `binaryen`, Chromium
//! and Mesa's Vulkan drivers from Debian, Playwright's driver (`playwright-core`, which downloads
//! no browser) from npm.

use std::path::Path;
use std::process::Command;

use crate::{cmd, root, run, tools_dir};

/// trunk 0.22 needs rustc ≥ 1.96.1; 0.21.14 builds on this toolchain (Rust 1.95).
const TRUNK_VERSION: &str = "0.21.14";

pub fn ensure() -> Result<(), String> {
    ensure_but_site_tools()?;
    site_tools()
}

/// Everything but the two tools built from source, each quick once installed.
pub fn ensure_but_site_tools() -> Result<(), String> {
    components()?;
    wasm_target()?;
    crates()?;
    npm_packages()?;
    chromium()?;
    vulkan()
}

/// trunk and wasm-bindgen-cli, built from crates.io (~5 minutes of a cold run on 2 cores): only
/// the site's build needs them, so `cargo xtask test` builds them after the native tests (a
/// failing unit test fails the run before they cost anything).
pub fn site_tools() -> Result<(), String> {
    trunk()?;
    wasm_bindgen()
}

/// Every crate `Cargo.lock` names, for every target and feature: trunk builds offline
/// (`Trunk.toml`), so a crate that only the wasm builds use (the WebGPU worker's, say) must be in
/// cargo's registry cache before it runs. Quick when they all are.
fn crates() -> Result<(), String> {
    let mut c = cmd("cargo");
    c.args(["fetch", "--locked", "--quiet"]);
    run(c)
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = cmd(program).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// rustfmt and clippy (`cargo xtask test` formats and lints with them); rustup's default profile
/// has both, a minimal one neither.
fn components() -> Result<(), String> {
    let missing: Vec<&str> = [("rustfmt", "rustfmt"), ("clippy-driver", "clippy")]
        .into_iter()
        .filter(|(program, _)| output(program, &["--version"]).is_none())
        .map(|(_, component)| component)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut c = cmd("rustup");
    c.args(["component", "add"]).args(&missing);
    run(c)
}

fn wasm_target() -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    let mut c = cmd("rustup");
    c.args(["target", "add", "wasm32-unknown-unknown"]);
    run(c)
}

fn trunk() -> Result<(), String> {
    let version = output("trunk", &["--version"]).unwrap_or_default();
    if version.split_whitespace().nth(1) == Some(TRUNK_VERSION) {
        return Ok(());
    }
    eprintln!("xtask: installing trunk {TRUNK_VERSION} (about 4 minutes on 2 cores, once)");
    run(install(&["--locked", &format!("trunk@{TRUNK_VERSION}")]))
}

/// The `wasm-bindgen` version in Cargo.lock: the CLI must match it exactly.
pub fn locked_wasm_bindgen() -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(v) = lines.next().and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_owned());
        }
    }
    Err("Cargo.lock has no wasm-bindgen entry".into())
}

fn wasm_bindgen() -> Result<(), String> {
    let want = locked_wasm_bindgen()?;
    let trunk_toml = std::fs::read_to_string(root().join("Trunk.toml")).unwrap_or_default();
    if !trunk_toml.contains(&format!("wasm_bindgen = \"{want}\"")) {
        return Err(format!("Trunk.toml [tools] wasm_bindgen must be \"{want}\" (Cargo.lock)"));
    }
    let have = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(want.as_str()) {
        return Ok(());
    }
    eprintln!("xtask: installing wasm-bindgen-cli {want} (about 1.5 minutes on 2 cores, once)");
    // Without --locked: with it, a dependency version the CLI's lock names is not on crates.io.
    run(install(&["--force", &format!("wasm-bindgen-cli@{want}")]))
}

/// `cargo install` into [`tools_dir`] (on the PATH of every command `cmd` makes).
///
/// The tools only move files and run wasm-bindgen over a few megabytes, so they are built for
/// build speed: `opt-level = 1`, no LTO, no debug info. On 2 cores that takes trunk 206 s and
/// wasm-bindgen-cli 86 s, against 507 s and 139 s with their own release profiles. Cargo's
/// temporary target directory keeps their build apart from the project's and is removed after.
fn install(args: &[&str]) -> Command {
    let mut c = cmd("cargo");
    c.arg("install").arg("--root").arg(tools_dir()).args(args);
    c.env_remove("CARGO_TARGET_DIR")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16");
    c
}

fn npm_packages() -> Result<(), String> {
    let e2e = root().join("tests/e2e");
    let marker = e2e.join("node_modules/.package-lock.json");
    if is_newer(&marker, &e2e.join("package-lock.json")) {
        return Ok(());
    }
    let mut c = cmd("npm");
    c.current_dir(&e2e).args(["ci", "--no-audit", "--no-fund"]);
    run(c)
}

/// The Python packages scripts/tumbler_onnx.py needs to write the benchmark's ONNX model (not
/// onnxruntime: its `check` runs the graph too, and says how to install it).
const ONNX_PACKAGES: [&str; 2] = ["onnx==1.23.2", "numpy==2.4.6"];

/// The Python of a virtual environment in the tools folder with [`ONNX_PACKAGES`] (from PyPI,
/// once), for `cargo xtask bench browser`'s ONNX export.
pub fn onnx_python() -> Result<String, String> {
    let venv = tools_dir().join("onnx-venv");
    let python = venv.join("bin/python");
    let python_str = python.to_string_lossy().into_owned();
    let pins = ONNX_PACKAGES.map(|p| p.split_once("==").expect("pinned"));
    let check = format!(
        "import importlib.metadata as m; assert all(m.version(n) == v for n, v in {pins:?})"
    );
    if output(&python_str, &["-c", &check]).is_some() {
        return Ok(python_str);
    }
    if !python.exists() {
        eprintln!("xtask: creating a Python venv for the ONNX export in {}", venv.display());
        let mut c = cmd("python3");
        c.args(["-m", "venv"]).arg(&venv);
        run(c).map_err(|e| {
            format!("{e}: the ONNX export needs Python 3 with venv (Debian: apt-get install python3-venv)")
        })?;
    }
    let mut c = cmd(&python_str);
    c.args(["-m", "pip", "install", "--quiet"]).args(ONNX_PACKAGES);
    run(c)?;
    Ok(python_str)
}

fn is_newer(a: &Path, b: &Path) -> bool {
    let time = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((time(a), time(b)), (Some(x), Some(y)) if x >= y)
}

fn chromium() -> Result<(), String> {
    if Path::new("/usr/bin/chromium").exists() {
        return Ok(());
    }
    eprintln!("xtask: installing Debian's chromium (the browser the end-to-end tests drive)");
    apt_install(&["chromium"])
}

/// The Vulkan loader and Mesa's drivers, among them lavapipe (Vulkan on the CPU): the wgpu
/// adapter the native kernel tests run on where there is no GPU (a few seconds after the update).
fn vulkan() -> Result<(), String> {
    const PACKAGES: [&str; 2] = ["libvulkan1", "mesa-vulkan-drivers"];
    let installed = |package: &str| {
        output("dpkg-query", &["-W", "-f=${Status}", package])
            .is_some_and(|s| s.trim() == "install ok installed")
    };
    if PACKAGES.iter().all(|p| installed(p)) {
        return Ok(());
    }
    eprintln!("xtask: installing Mesa's Vulkan drivers (lavapipe runs the WGSL kernel tests)");
    apt_install(&PACKAGES)
}

/// `apt-get update` and `apt-get install -y` of `packages`, through sudo unless run as root.
fn apt_install(packages: &[&str]) -> Result<(), String> {
    let root_user = output("id", &["-u"]).is_some_and(|u| u.trim() == "0");
    let sudo: &[&str] = if root_user { &[] } else { &["sudo"] };
    let update: Vec<&str> = vec!["apt-get", "update"];
    let install: Vec<&str> =
        ["apt-get", "install", "-y"].into_iter().chain(packages.iter().copied()).collect();
    for args in [update, install] {
        let all: Vec<&str> = sudo.iter().copied().chain(args).collect();
        let mut c = Command::new(all[0]);
        c.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        run(c)?;
    }
    Ok(())
}
