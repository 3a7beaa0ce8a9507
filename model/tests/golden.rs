//! The golden fixture: numbers of a tiny Tumbler with seeded weights, recorded once in
//! `tests/golden/tiny.json` and compared on every run, so that a change to the forward or the
//! backward maths fails here even when it moves both sides of a self-consistency test (KV cache
//! against a full pass, a kernel against its reference) at once.
//!
//! The fixture holds its own config (what `TumblerConfig::tiny()` was when it was recorded), the
//! seed, the input ids and, for that input: the logits at three positions, the mean next-token
//! loss, and the gradient of that loss with respect to block 0's query projection (its L2 norm
//! and its largest entries).
//!
//! The weights are drawn on the host by `Tumbler::init` with our own seeded generator
//! (`sampling::Rng`, xoshiro256**), the same stream on every machine; the norm gains, which
//! init sets to one, are then drawn from the same kind of generator so that the gain multiply
//! is exercised too.
//!
//! To regenerate after an intended change of the maths, run
//! `TUMBLER_BLESS=1 cargo test -p tumbler-model --test golden` and commit the new JSON with a
//! word on why the numbers moved.

#![cfg(feature = "learn")]

use std::path::PathBuf;

use burn::module::Param;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use tumbler_model::gpt::{Tumbler, TumblerConfig, ids_tensor};
use tumbler_model::sampling::Rng;

/// Tolerance, relative to the value plus the scale of its kind (the largest logit of its row,
/// the largest recorded gradient entry), so that a value near zero is held to the error its
/// neighbours' sums carry rather than to zero: the numbers are f32 sums whose order may differ
/// between machines (SIMD width, threads), which moves them by ~1e-7 of that scale, while any
/// change to the maths (a norm's eps, a scale, a mask, RoPE's frequencies) moves them by 1e-3 of
/// it or far more.
const TOLERANCE: f32 = 1e-5;

const SEED: u64 = 7;
/// A fixed input within the tiny vocabulary (300), with a repeated token.
const IDS: [u32; 12] = [5, 17, 250, 3, 99, 42, 42, 7, 180, 11, 64, 2];
/// Where the logits are recorded: the first token, one in the middle, the last.
const POSITIONS: [usize; 3] = [0, 5, 10];
/// The parameter whose gradient is recorded: the first thing the loss flows back to through
/// every block, both norms, attention (RoPE, the causal mask, grouped-query heads) and the MLP.
const GRAD_PARAM: &str = "blocks.0.attn.wq";
/// How many of its largest gradient entries are recorded.
const GRAD_ENTRIES: usize = 8;

#[derive(Debug, Serialize, Deserialize)]
struct Golden {
    /// How to regenerate this file.
    about: String,
    config: TumblerConfig,
    seed: u64,
    ids: Vec<u32>,
    /// Next-token logits, (V), at each recorded position.
    logits: Vec<PositionLogits>,
    /// Mean cross-entropy of predicting `ids[1..]` from `ids[..T-1]`, in nats.
    loss: f32,
    gradient: GradientRecord,
}

#[derive(Debug, Serialize, Deserialize)]
struct PositionLogits {
    position: usize,
    values: Vec<f32>,
}

#[derive(Debug, Serialize, Deserialize)]
struct GradientRecord {
    param: String,
    /// L2 norm of the whole gradient matrix.
    norm: f32,
    /// (flat index, value) of its largest entries by magnitude, largest first.
    entries: Vec<(usize, f32)>,
}

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/tiny.json")
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().expect("f32 tensor")
}

/// The seeded model on `device`: `Tumbler::init`, then norm gains 1 + 0.1·N(0, 1).
fn model(config: &TumblerConfig, seed: u64, device: &Device) -> Tumbler {
    let mut model = Tumbler::init(config, seed, device).expect("valid config");
    let mut rng = Rng::new(seed ^ 0x9a1e);
    let mut gain = |len: usize| {
        let data: Vec<f32> = (0..len).map(|_| (1.0 + 0.1 * rng.next_normal()) as f32).collect();
        Param::from_tensor(Tensor::from_data(TensorData::new(data, [len]), device))
    };
    let c = config.d_model;
    for block in &mut model.blocks {
        block.attn_norm.weight = gain(c);
        block.mlp_norm.weight = gain(c);
    }
    model.norm.weight = gain(c);
    model
}

/// Computes every recorded number for `config`, `seed` and `ids` on flex, with the whole gradient
/// matrix (flattened) beside it.
fn compute(config: &TumblerConfig, seed: u64, ids: &[u32]) -> (Golden, Vec<f32>) {
    let device = Device::flex();
    let net = model(config, seed, &device);
    let logits = net.forward(ids_tensor(ids, &device)); // (1, T, V)
    let [_, _, v] = logits.dims();
    let all = values(logits);
    let logits = POSITIONS
        .iter()
        .map(|&p| PositionLogits { position: p, values: all[p * v..(p + 1) * v].to_vec() })
        .collect();

    // The loss and its gradient on flex with autodiff: the same weights, drawn on the host.
    let device = Device::flex().autodiff();
    let net = model(config, seed, &device);
    let t = ids.len();
    let loss = net.loss(ids_tensor(&ids[..t - 1], &device), ids_tensor(&ids[1..], &device));
    let grads = loss.backward();
    let loss = values(loss)[0];
    let wq = &net.blocks[0].attn.wq;
    let grad = values(wq.val().grad(&grads).expect("wq takes part in the loss"));
    let norm = grad.iter().map(|g| g * g).sum::<f32>().sqrt();
    let mut order: Vec<usize> = (0..grad.len()).collect();
    order.sort_by(|&a, &b| grad[b].abs().total_cmp(&grad[a].abs()).then(a.cmp(&b)));
    let entries = order[..GRAD_ENTRIES].iter().map(|&i| (i, grad[i])).collect();

    let golden = Golden {
        about: "Recorded by model/tests/golden.rs; regenerate with \
                TUMBLER_BLESS=1 cargo test -p tumbler-model --test golden"
            .into(),
        config: config.clone(),
        seed,
        ids: ids.to_vec(),
        logits,
        loss,
        gradient: GradientRecord { param: GRAD_PARAM.into(), norm, entries },
    };
    (golden, grad)
}

/// `got` within [`TOLERANCE`] of `want`, relative to `|want| + scale`.
fn assert_close(what: &str, got: f32, want: f32, scale: f32) {
    let diff = (got - want).abs();
    assert!(
        diff <= TOLERANCE * (want.abs() + scale),
        "{what}: got {got}, recorded {want} (off by {diff:e}); if the maths changed on purpose, \
         regenerate with TUMBLER_BLESS=1 (see this file's header)"
    );
}

#[test]
fn the_tiny_model_reproduces_its_recorded_logits_loss_and_gradient() {
    let path = fixture();
    if std::env::var_os("TUMBLER_BLESS").is_some() {
        let (golden, _) = compute(&TumblerConfig::tiny(), SEED, &IDS);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let json = serde_json::to_string_pretty(&golden).unwrap();
        std::fs::write(&path, json + "\n").unwrap();
        eprintln!("blessed {}", path.display());
        return;
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("cannot read {}: {e}; create it with TUMBLER_BLESS=1", path.display())
    });
    let want: Golden = serde_json::from_str(&text).expect("the fixture parses");
    let (got, grad) = compute(&want.config, want.seed, &want.ids);

    assert_eq!(got.logits.len(), want.logits.len());
    for (g, w) in got.logits.iter().zip(&want.logits) {
        assert_eq!(g.position, w.position);
        assert_eq!(g.values.len(), w.values.len(), "vocabulary size");
        let scale = w.values.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        for (i, (&a, &b)) in g.values.iter().zip(&w.values).enumerate() {
            assert_close(&format!("logit {i} at position {}", w.position), a, b, scale);
        }
    }
    assert_close("loss", got.loss, want.loss, 0.0);
    assert_eq!(got.gradient.param, want.gradient.param);
    assert_close("gradient norm", got.gradient.norm, want.gradient.norm, 0.0);
    let scale = want.gradient.entries.iter().fold(0.0f32, |m, (_, g)| m.max(g.abs()));
    for &(i, b) in &want.gradient.entries {
        assert_close(&format!("gradient entry {i}"), grad[i], b, scale);
    }
}
