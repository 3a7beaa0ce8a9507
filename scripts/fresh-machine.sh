#!/usr/bin/env bash
# A newcomer's first run, end to end: clones this repository's committed HEAD into a temporary
# folder, with an empty cargo home (no registry cache: every crate is downloaded again) and an
# empty target directory (no builds, no installed trunk or wasm-bindgen), then runs the README's
# two commands as written:
#
#   cargo xtask serve   until http://127.0.0.1:8080/ serves the page and its wasm (then stopped)
#   cargo xtask test
#
# and prints the time of each. Fails if either fails.
#
#   scripts/fresh-machine.sh [--cargo-home DIR] [--target-dir DIR] [--keep]
#
# --cargo-home / --target-dir put the two in DIR instead of the temporary folder; each must be
# empty or not exist yet (so that the run is cold). --keep keeps the clone afterwards.
# What is installed system-wide (rustup's wasm32 target, Debian's chromium) is not removed first.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/tumbler-fresh.XXXXXX")"
cargo_home="$work/cargo-home"
target_dir=""
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --cargo-home) cargo_home="$2"; shift 2 ;;
    --target-dir) target_dir="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "fresh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for dir in "$cargo_home/registry" "$target_dir"; do
  if [ -n "$dir" ] && [ -d "$dir" ] && [ -n "$(ls -A "$dir")" ]; then
    echo "fresh: $dir is not empty, so the run would not be cold" >&2
    exit 2
  fi
done

clone="$work/token-tumbler"
git clone --quiet --no-hardlinks "$repo" "$clone"
echo "fresh: $(git -C "$clone" log -1 --format='%h %s') in $clone"
export CARGO_HOME="$cargo_home"
mkdir -p "$CARGO_HOME"
if [ -n "$target_dir" ]; then
  export CARGO_TARGET_DIR="$target_dir"
else
  unset CARGO_TARGET_DIR
fi
export CARGO_TERM_COLOR=never
cd "$clone"
serve_pid=""
cleanup() {
  if [ -n "$serve_pid" ]; then kill -- "-$serve_pid" 2>/dev/null || true; fi
  if [ "$keep" = 0 ]; then rm -rf "$clone"; fi
}
trap cleanup EXIT

# 1. cargo xtask serve: wait for the page and every wasm it names, or for the command to fail.
started=$(date +%s)
setsid cargo xtask serve > "$work/serve.log" 2>&1 &
serve_pid=$!
while :; do
  if ! kill -0 "$serve_pid" 2>/dev/null; then
    wait "$serve_pid" && status=0 || status=$?
    tail -n 40 "$work/serve.log" >&2
    echo "fresh: cargo xtask serve exited ($status) before serving the page" >&2
    exit 1
  fi
  if page=$(curl -fsS http://127.0.0.1:8080/ 2>/dev/null) && grep -q "<title>Inside the Token Tumbler" <<<"$page"; then
    for wasm in $(grep -o '[a-zA-Z0-9_./-]*\.wasm' <<<"$page" | sort -u); do
      curl -fsS -o /dev/null "http://127.0.0.1:8080/${wasm#/}"
    done
    break
  fi
  sleep 5
done
serve_s=$(( $(date +%s) - started ))
echo "fresh: cargo xtask serve served the page after $serve_s s"
kill -- "-$serve_pid"
wait "$serve_pid" 2>/dev/null || true
serve_pid=""

# 2. cargo xtask test.
started=$(date +%s)
cargo xtask test 2>&1 | tee "$work/test.log"
test_s=$(( $(date +%s) - started ))
echo "fresh: cargo xtask serve $serve_s s, cargo xtask test $test_s s (logs in $work)"
