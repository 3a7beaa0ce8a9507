#!/usr/bin/env python3
"""The Tumbler as an ONNX graph with a KV cache: the peer the browser benchmark runs in
ONNX Runtime Web (tests/e2e/bench.mjs), written from the shipped weights with nothing but the
`onnx` package's helpers and numpy.

The graph is the model of model/src/gpt/ op for op: token embedding tied with the output head,
n_layers pre-norm blocks (RMSNorm, attention with rotate-half RoPE and grouped-query heads,
SwiGLU), final RMSNorm. Opset 17, standard ops only, so both the wasm and the webgpu providers
of onnxruntime-web run it.

    export [--model DIR] [--out FILE]   write DIR's model.safetensors + config.json as ONNX
    check  [--model DIR] [--bin TUMBLER] compare its logits and greedy ids with `tumbler`
                                        (needs onnxruntime); exits 1 on a mismatch

Inputs:  input_ids (1, T) int64; past_key.{l}, past_value.{l} (1, nkv, P, hs) float32, P ≥ 0
         (the tokens take positions P..P+T).
Outputs: logits (1, T, V); present_key.{l}, present_value.{l} (1, nkv, P+T, hs).
"""

import argparse
import json
import math
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parent.parent
OPSET = 17
# Every layer's matrices, in model/src/gpt/config.rs BLOCK_MATRICES order, stored (in, out).
BLOCK_MATRICES = [
    "attn.wq",
    "attn.wk",
    "attn.wv",
    "attn.wo",
    "mlp.w_gate",
    "mlp.w_up",
    "mlp.w_down",
]
SAFETENSORS_DTYPES = {"F32": np.float32, "F16": np.float16}


def read_safetensors(path):
    """Every tensor of a safetensors file by name: an 8-byte little-endian header length, a JSON
    header of {name: {dtype, shape, data_offsets}}, then the raw little-endian data."""
    data = Path(path).read_bytes()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = memoryview(data)[8 + n :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = SAFETENSORS_DTYPES.get(info["dtype"])
        if dtype is None:
            raise ValueError(f"{path}: tensor {name} is {info['dtype']}; only F32 and F16 are read")
        start, end = info["data_offsets"]
        array = np.frombuffer(body[start:end], dtype=np.dtype(dtype).newbyteorder("<"))
        tensors[name] = array.reshape(info["shape"])
    return tensors


def load_model(model_dir):
    model_dir = Path(model_dir)
    for f in ("config.json", "model.safetensors"):
        if not (model_dir / f).is_file():
            sys.exit(
                f"error: {model_dir / f} is missing (a model directory holds config.json and model.safetensors)"
            )
    config = json.loads((model_dir / "config.json").read_text())
    return config, read_safetensors(model_dir / "model.safetensors")


def rope_tables(hs, theta, n_positions):
    """cos and sin of position · θ_i, θ_i = theta^(-2i/hs), (n_positions, hs/2): computed in f64
    and rounded to f32, as model/src/gpt/rope.rs does."""
    half = hs // 2
    freq = np.array([theta ** (-(2 * i) / hs) for i in range(half)], dtype=np.float64)
    angle = np.arange(n_positions, dtype=np.float64)[:, None] * freq[None, :]
    return np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)


class Graph:
    """Nodes and initializers, with fresh names for intermediate values."""

    def __init__(self):
        self.nodes, self.inits, self.consts, self.count = [], [], {}, 0

    def op(self, op_type, inputs, name=None, **attrs):
        self.count += 1
        out = name or f"{op_type.lower()}_{self.count}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def const(self, name, array):
        """A constant; naming one again with the same value reuses it."""
        array = np.asarray(array)
        if name in self.consts:
            assert np.array_equal(self.consts[name], array), f"two values named {name}"
            return name
        self.consts[name] = array
        self.inits.append(numpy_helper.from_array(array, name))
        return name

    def weight(self, name, array):
        """A weight stored in its file's dtype; float16 is cast to float32 in the graph (folded at
        session creation), so the ONNX file is no larger than the safetensors one."""
        stored = self.const(name, array)
        if array.dtype == np.float32:
            return stored
        return self.op("Cast", [stored], name=f"{name}.f32", to=TensorProto.FLOAT)


def build(config, weights):
    c = config["d_model"]
    nh, nkv = config["n_heads"], config["n_kv_heads"]
    hs = c // nh
    half = hs // 2
    v = config["vocab_size"]
    n_layers = config["n_layers"]
    eps = float(config["norm_eps"])
    expected = {"embedding.weight", "norm.weight"} | {
        f"blocks.{l}.{p}"
        for l in range(n_layers)
        for p in BLOCK_MATRICES + ["attn_norm.weight", "mlp_norm.weight"]
    }
    if set(weights) != expected:
        raise ValueError(
            f"the weights do not match config.json: missing {sorted(expected - set(weights))}, "
            f"unexpected {sorted(set(weights) - expected)}"
        )
    g = Graph()
    f32 = lambda x: np.array(x, dtype=np.float32)
    i64 = lambda x: np.array(x, dtype=np.int64)
    g.const("eps", f32(eps))
    g.const("scale", f32(math.sqrt(hs)))
    g.const("neg_inf", f32(-np.inf))
    g.const("zero", i64(0))
    g.const("one", i64(1))
    g.const("two", i64(2))
    g.const("axis_1", i64([1]))
    g.const("shape_q", i64([0, 0, nh, hs]))
    g.const("shape_kv", i64([0, 0, nkv, hs]))
    g.const("shape_y", i64([0, 0, nh * hs]))
    g.const("shape_2d", i64([-1, c]))
    g.const("half_lo", i64([0]))
    g.const("half_mid", i64([half]))
    g.const("half_hi", i64([hs]))
    g.const("axis_3", i64([3]))
    cos, sin = rope_tables(hs, float(config["rope_theta"]), config["context_length"])
    g.const("rope_cos", cos)  # (context, hs/2)
    g.const("rope_sin", sin)  # (context, hs/2)

    # Positions: the new tokens sit at P..P+T, P the cached length.
    p = g.op("Gather", [g.op("Shape", ["past_key.0"]), "two"], name="past_len")  # scalar P
    t = g.op("Gather", [g.op("Shape", ["input_ids"]), "one"], name="new_len")  # scalar T
    total = g.op("Add", [p, t], name="total_len")  # scalar P+T
    positions = g.op("Range", [p, total, "one"], name="positions")  # (T)
    cos_t = g.op("Gather", ["rope_cos", positions], axis=0)  # (T, hs/2)
    sin_t = g.op("Gather", ["rope_sin", positions], axis=0)  # (T, hs/2)
    # Query P+i may see keys 0..=P+i; `future` is true for the keys after it.
    keys = g.op("Range", ["zero", total, "one"])  # (P+T)
    future = g.op(
        "Greater",
        [
            g.op("Unsqueeze", [keys, g.const("axis_0", i64([0]))]),
            g.op("Unsqueeze", [positions, "axis_1"]),
        ],
        name="future",
    )  # (T, P+T)

    def rms_norm(x, w):
        ms = g.op("ReduceMean", [g.op("Mul", [x, x])], axes=[-1], keepdims=1)  # (1, T, 1)
        rms = g.op("Sqrt", [g.op("Add", [ms, "eps"])])  # (1, T, 1)
        return g.op("Mul", [g.op("Div", [x, rms]), w])  # (1, T, C)

    def rope(x):  # (1, heads, T, hs), rotate-half pairing: i with i + hs/2
        x1 = g.op("Slice", [x, "half_lo", "half_mid", "axis_3"])  # (1, heads, T, hs/2)
        x2 = g.op("Slice", [x, "half_mid", "half_hi", "axis_3"])  # (1, heads, T, hs/2)
        r1 = g.op("Sub", [g.op("Mul", [x1, cos_t]), g.op("Mul", [x2, sin_t])])
        r2 = g.op("Add", [g.op("Mul", [x2, cos_t]), g.op("Mul", [x1, sin_t])])
        return g.op("Concat", [r1, r2], axis=3)  # (1, heads, T, hs)

    def heads(x, shape):  # (1, T, n·hs) → (1, n, T, hs)
        return g.op("Transpose", [g.op("Reshape", [x, shape])], perm=[0, 2, 1, 3])

    def repeat_kv(x):  # (1, nkv, S, hs) → (1, nh, S, hs), head h reading kv head h / group
        group = nh // nkv
        if group == 1:
            return x
        shape = g.op("Shape", [x])
        s = g.op("Slice", [shape, g.const("s_lo", i64([2])), g.const("s_hi", i64([3])), "axis_0"])
        expand_to = g.op(
            "Concat",
            [g.const("e_pre", i64([1, nkv, group])), s, g.const("e_hs", i64([hs]))],
            axis=0,
        )
        x5 = g.op(
            "Expand", [g.op("Unsqueeze", [x, g.const("axis_2", i64([2]))]), expand_to]
        )  # (1, nkv, g, S, hs)
        return g.op(
            "Reshape",
            [
                x5,
                g.op(
                    "Concat",
                    [g.const("r_pre", i64([1, nh])), s, g.const("r_hs", i64([hs]))],
                    axis=0,
                ),
            ],
        )

    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [1, "T"])]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, "T", v])]
    embedding = g.weight("embedding.weight", weights["embedding.weight"])  # (V, C)
    x = g.op("Gather", [embedding, "input_ids"], axis=0)  # (1, T, C)
    for l in range(n_layers):
        w = {
            k: g.weight(f"blocks.{l}.{k}", weights[f"blocks.{l}.{k}"])
            for k in BLOCK_MATRICES + ["attn_norm.weight", "mlp_norm.weight"]
        }
        for kind in ("key", "value"):
            inputs.append(
                helper.make_tensor_value_info(
                    f"past_{kind}.{l}", TensorProto.FLOAT, [1, nkv, "P", hs]
                )
            )
            outputs.append(
                helper.make_tensor_value_info(
                    f"present_{kind}.{l}", TensorProto.FLOAT, [1, nkv, "P+T", hs]
                )
            )

        h = rms_norm(x, w["attn_norm.weight"])  # (1, T, C)
        q = rope(heads(g.op("MatMul", [h, w["attn.wq"]]), "shape_q"))  # (1, nh, T, hs)
        k = rope(heads(g.op("MatMul", [h, w["attn.wk"]]), "shape_kv"))  # (1, nkv, T, hs)
        val = heads(g.op("MatMul", [h, w["attn.wv"]]), "shape_kv")  # (1, nkv, T, hs)
        k_all = g.op(
            "Concat", [f"past_key.{l}", k], name=f"present_key.{l}", axis=2
        )  # (1, nkv, P+T, hs)
        v_all = g.op(
            "Concat", [f"past_value.{l}", val], name=f"present_value.{l}", axis=2
        )  # (1, nkv, P+T, hs)
        k_t = g.op("Transpose", [repeat_kv(k_all)], perm=[0, 1, 3, 2])  # (1, nh, hs, P+T)
        scores = g.op("Div", [g.op("MatMul", [q, k_t]), "scale"])  # (1, nh, T, P+T)
        scores = g.op("Where", [future, "neg_inf", scores])  # (1, nh, T, P+T)
        probs = g.op("Softmax", [scores], axis=-1)  # (1, nh, T, P+T)
        y = g.op("MatMul", [probs, repeat_kv(v_all)])  # (1, nh, T, hs)
        y = g.op("Reshape", [g.op("Transpose", [y], perm=[0, 2, 1, 3]), "shape_y"])  # (1, T, nh·hs)
        x = g.op("Add", [x, g.op("MatMul", [y, w["attn.wo"]])])  # (1, T, C)

        h = rms_norm(x, w["mlp_norm.weight"])  # (1, T, C)
        gate = g.op("MatMul", [h, w["mlp.w_gate"]])  # (1, T, d_ff)
        gate = g.op("Mul", [gate, g.op("Sigmoid", [gate])])  # silu
        up = g.op("MatMul", [h, w["mlp.w_up"]])  # (1, T, d_ff)
        x = g.op(
            "Add", [x, g.op("MatMul", [g.op("Mul", [gate, up]), w["mlp.w_down"]])]
        )  # (1, T, C)

    x = rms_norm(x, g.weight("norm.weight", weights["norm.weight"]))  # (1, T, C)
    # The tied head: logits = x·Eᵀ, as a Gemm over the embedding itself (no transposed copy).
    flat = g.op("Reshape", [x, "shape_2d"])  # (T, C)
    logits = g.op("Gemm", [flat, embedding], transB=1)  # (T, V)
    g.op("Unsqueeze", [logits, g.const("axis_0b", i64([0]))], name="logits")  # (1, T, V)

    graph = helper.make_graph(g.nodes, "tumbler", inputs, outputs, g.inits)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="tumbler_onnx.py"
    )
    model.ir_version = 8  # what onnxruntime-web's and onnxruntime's readers accept
    onnx.checker.check_model(model)
    return model


def export(model_dir, out):
    config, weights = load_model(model_dir)
    model = build(config, weights)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, out)
    # The settings the benchmark page needs to feed the cache, beside the graph.
    meta = {
        k: config[k] for k in ("vocab_size", "n_layers", "n_heads", "n_kv_heads", "context_length")
    }
    meta["head_size"] = config["d_model"] // config["n_heads"]
    out.with_suffix(".json").write_text(json.dumps(meta))
    print(f"wrote {out} ({out.stat().st_size} B) from {model_dir}")


# ---- check: the ONNX graph against the project's own model (`tumbler next` / `tumbler sample`)


def tumbler_bin(named):
    """--bin, else $TUMBLER_BIN, else the newest tumbler built (as tests/e2e/harness.mjs)."""
    named = named or os.environ.get("TUMBLER_BIN")
    if named:
        if not Path(named).is_file():
            sys.exit(f"error: tumbler binary {named} does not exist")
        return named
    targets = [os.environ.get("CARGO_TARGET_DIR"), ROOT / "target"]
    found = [Path(t) / p / "tumbler" for t in targets if t for p in ("release", "debug")]
    found = sorted((f for f in found if f.is_file()), key=lambda f: f.stat().st_mtime, reverse=True)
    if not found:
        sys.exit(
            "error: no tumbler binary: pass --bin, set TUMBLER_BIN, or run "
            "`cargo build --release -p tumbler-model --bin tumbler`"
        )
    return str(found[0])


def tumbler(bin_, model_dir, *args):
    out = subprocess.run(
        [bin_, *args, "--model", str(model_dir)], capture_output=True, text=True, cwd=ROOT
    )
    if out.returncode != 0:
        sys.exit(f"error: {bin_} {' '.join(args[:1])} failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


def prompt_ids(bin_, model_dir, text):
    return tumbler(bin_, model_dir, "sample", "--prompt", text, "--max-tokens", "0", "--json")[
        "prompt_ids"
    ]


def prompt_of(bin_, model_dir, words, n):
    """The longest prefix (in words) of `words` with at most n tokens, as bench.mjs picks it."""
    lo, hi = 1, min(len(words), n)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(prompt_ids(bin_, model_dir, " ".join(words[:mid]))) <= n:
            lo = mid
        else:
            hi = mid - 1
    return " ".join(words[:lo])


def next_logits(bin_, model_dir, text, vocab):
    """The full forward pass's last-position logits, (V), from `tumbler next`."""
    reply = tumbler(bin_, model_dir, "next", "--prompt", text, "--top", str(vocab), "--json")
    logits = np.full(vocab, np.nan, dtype=np.float32)
    for entry in reply["top"]:
        logits[entry["id"]] = entry["logit"]
    return logits


class OnnxTumbler:
    def __init__(self, ort, path, meta):
        self.session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        self.meta = meta

    def empty(self):
        m = self.meta
        shape = (1, m["n_kv_heads"], 0, m["head_size"])
        return {
            f"past_{k}.{l}": np.zeros(shape, np.float32)
            for l in range(m["n_layers"])
            for k in ("key", "value")
        }

    def run(self, ids, past):
        """Logits (T, V) for `ids` after the cached tokens, and the grown cache."""
        feeds = {"input_ids": np.array([ids], dtype=np.int64), **past}
        names = [o.name for o in self.session.get_outputs()]
        outs = dict(zip(names, self.session.run(None, feeds)))
        present = {
            n.replace("present_", "past_"): a for n, a in outs.items() if n.startswith("present_")
        }
        return outs["logits"][0], present

    def greedy(self, ids, n, cache=True):
        past = self.empty()
        logits, past = self.run(ids, past)
        seq, out = list(ids), []
        for _ in range(n):
            out.append(int(np.argmax(logits[-1])))
            seq.append(out[-1])
            if cache:
                logits, past = self.run([out[-1]], past)
            else:
                logits, _ = self.run(seq, self.empty())
        return out


def check_grouped(onnxruntime, model_dir, words, tolerance):
    """The grouped-query path, which the shipped models (n_kv_heads = n_heads) never take: a graph
    with half the key/value heads (every other one of the shipped weights) against the full-head
    graph whose wk and wv repeat each kept head for its group, as the model's repeat_kv reads them.
    """
    import tempfile

    config, weights = load_model(model_dir)
    nh, hs = config["n_heads"], config["d_model"] // config["n_heads"]
    grouped_config = {**config, "n_kv_heads": nh // 2}
    grouped, repeated = dict(weights), dict(weights)
    for l in range(config["n_layers"]):
        for m in ("attn.wk", "attn.wv"):
            heads = weights[f"blocks.{l}.{m}"].reshape(-1, nh, hs)  # (C, nh, hs)
            kept = heads[:, ::2]  # (C, nh/2, hs)
            grouped[f"blocks.{l}.{m}"] = kept.reshape(-1, nh // 2 * hs)
            repeated[f"blocks.{l}.{m}"] = np.repeat(kept, 2, axis=1).reshape(-1, nh * hs)
    ids = list(range(1, 41))
    outs = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, cfg, w in (("grouped", grouped_config, grouped), ("repeated", config, repeated)):
            path = Path(tmp) / f"{name}.onnx"
            onnx.save(build(cfg, w), path)
            meta = {"n_layers": cfg["n_layers"], "n_kv_heads": cfg["n_kv_heads"], "head_size": hs}
            net = OnnxTumbler(onnxruntime, path, meta)
            logits, past = net.run(ids[:20], net.empty())
            steps = [logits]
            for token in ids[20:]:
                logits, past = net.run([token], past)
                steps.append(logits)
            outs.append(np.concatenate(steps))  # (40, V)
    d = float(np.max(np.abs(outs[0] - outs[1])))
    print(
        f"grouped-query attention ({nh // 2} key/value heads for {nh} query heads) against the "
        f"same heads repeated, 40 positions with the cache: max |logit difference| {d:.2e}"
    )
    return d <= tolerance


def check(model_dir, bin_, tolerance, new_tokens):
    import tempfile

    try:
        import onnxruntime
    except ImportError:
        sys.exit("error: `check` runs the graph in onnxruntime: `pip install onnxruntime` first")
    bin_ = tumbler_bin(bin_)
    config, _ = load_model(model_dir)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.onnx"
        export(model_dir, path)
        net = OnnxTumbler(onnxruntime, path, json.loads(path.with_suffix(".json").read_text()))
    words = (ROOT / "public" / "model" / "heldout.txt").read_text().split()
    logits_ok = ids_ok = True
    if config["n_heads"] % 2 == 0 and config["n_kv_heads"] == config["n_heads"]:
        logits_ok &= check_grouped(onnxruntime, model_dir, words, tolerance)
    for n in (10, 200):
        text = prompt_of(bin_, model_dir, words, n)
        ids = prompt_ids(bin_, model_dir, text)
        reference = next_logits(bin_, model_dir, text, config["vocab_size"])  # (V)
        full, _ = net.run(ids, net.empty())  # (T, V), no cache
        # With the cache: the first half as one pass, then one token at a time.
        past, steps = net.empty(), []
        logits, past = net.run(ids[: len(ids) // 2], past)
        for token in ids[len(ids) // 2 :]:
            logits, past = net.run([token], past)
            steps.append(logits[-1])
        cached = np.stack(steps)  # (T - T/2, V)
        d_full = float(np.max(np.abs(full[-1] - reference)))
        d_cached = float(np.max(np.abs(cached[-1] - reference)))
        d_self = float(np.max(np.abs(cached - full[len(ids) // 2 :])))
        print(
            f"prompt of {len(ids)} tokens: max |logit difference| against `tumbler next`: "
            f"{d_full:.2e} without the cache, {d_cached:.2e} with it; "
            f"cached against uncached ONNX over the last {len(steps)} positions: {d_self:.2e}"
        )
        logits_ok &= max(d_full, d_cached, d_self) <= tolerance

        want = [
            t["id"]
            for t in tumbler(
                bin_,
                model_dir,
                "sample",
                "--prompt",
                text,
                "--temperature",
                "0",
                "--max-tokens",
                str(new_tokens),
                "--json",
            )["tokens"]
        ]
        want_nc = [
            t["id"]
            for t in tumbler(
                bin_,
                model_dir,
                "sample",
                "--prompt",
                text,
                "--temperature",
                "0",
                "--max-tokens",
                str(new_tokens),
                "--no-kv-cache",
                "--json",
            )["tokens"]
        ]
        got = net.greedy(ids, len(want), cache=True)
        got_nc = net.greedy(ids, len(want), cache=False)
        same = got == want and got_nc == want and want_nc == want
        print(
            f"  greedy {len(want)} tokens: tumbler {want} (no cache: {'same' if want_nc == want else want_nc}); "
            f"ONNX with cache {'same' if got == want else got}, without {'same' if got_nc == want else got_nc}"
        )
        ids_ok &= same
    ok = logits_ok and ids_ok
    print(
        f"{'ok' if ok else 'MISMATCH'}: logits {'within' if logits_ok else 'NOT within'} {tolerance:g}, "
        f"greedy ids {'equal' if ids_ok else 'DIFFERENT'}"
    )
    return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export", help="write the model as ONNX")
    ex.add_argument("--model", default=ROOT / "public" / "model" / "base", help="model directory")
    ex.add_argument(
        "--out", default=ROOT / "target" / "onnx" / "model.onnx", help="the .onnx file to write"
    )
    ck = sub.add_parser(
        "check", help="compare the ONNX graph's logits and greedy ids with tumbler's"
    )
    ck.add_argument("--model", default=ROOT / "public" / "model" / "base", help="model directory")
    ck.add_argument(
        "--bin", help="the tumbler binary (default: $TUMBLER_BIN, else the newest built)"
    )
    ck.add_argument(
        "--tolerance", type=float, default=1e-4, help="largest allowed |logit difference|"
    )
    ck.add_argument("--tokens", type=int, default=16, help="greedy tokens to compare")
    args = parser.parse_args()
    if args.command == "export":
        export(args.model, args.out)
    else:
        sys.exit(check(args.model, args.bin, args.tolerance, args.tokens))


if __name__ == "__main__":
    main()
