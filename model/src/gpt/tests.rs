//! Tests of the model as a whole, on flex with tiny literal configs and fixed seeds.

use burn::tensor::{Device, Int, Tensor, TensorData};

use super::weights::{self, StorageDtype, WeightsError};
use super::*;
use crate::sampling;

fn device() -> Device {
    Device::flex()
}

fn tiny() -> Tumbler {
    Tumbler::init(&TumblerConfig::tiny(), 7, &device()).unwrap()
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

const IDS: [u32; 12] = [5, 17, 250, 3, 99, 42, 42, 7, 180, 11, 64, 2];

/// Logits at every position of `ids`, (T, V) flattened.
fn full_logits(model: &Tumbler, ids: &[u32]) -> Vec<f32> {
    values(model.forward(ids_tensor(ids, &device())))
}

#[test]
fn forward_has_the_documented_shape_and_is_seeded() {
    let model = tiny();
    let ids: Tensor<2, Int> =
        Tensor::from_data(TensorData::new(vec![1i64, 2, 3, 4, 5, 6, 7, 8], [2, 4]), &device());
    let logits = model.forward(ids);
    assert_eq!(logits.dims(), [2, 4, 300]);
    let a = values(logits);
    assert!(a.iter().all(|x| x.is_finite()));
    let again = Tumbler::init(&TumblerConfig::tiny(), 7, &device()).unwrap();
    assert_eq!(full_logits(&again, &IDS), full_logits(&model, &IDS));
    let other = Tumbler::init(&TumblerConfig::tiny(), 8, &device()).unwrap();
    assert_ne!(full_logits(&other, &IDS), full_logits(&model, &IDS));
}

#[test]
fn the_parameter_count_matches_the_config() {
    let model = tiny();
    let counted: usize =
        model.named_params().iter().map(|(_, _, s)| s.iter().product::<usize>()).sum();
    assert_eq!(counted, TumblerConfig::tiny().param_count());
}

#[test]
fn later_tokens_do_not_change_earlier_logits() {
    let model = tiny();
    let v = TumblerConfig::tiny().vocab_size;
    let a = full_logits(&model, &IDS);
    let mut changed = IDS;
    changed[8] = 1;
    let b = full_logits(&model, &changed);
    assert_eq!(a[..8 * v], b[..8 * v], "positions before the change must be identical");
    assert!(max_abs_diff(&a[8 * v..], &b[8 * v..]) > 1e-4, "the changed position must change");
}

/// Incremental decoding with the cache against one full pass, at several positions.
#[test]
fn kv_cache_decoding_matches_the_full_forward() {
    // Tolerance: both paths do the same f32 arithmetic in a different grouping; 1e-4 absolute
    // on logits of size ~1 is far above rounding and far below any real difference.
    const TOLERANCE: f32 = 1e-4;
    let model = tiny();
    let config = TumblerConfig::tiny();
    let v = config.vocab_size;
    let full = full_logits(&model, &IDS);

    let mut cache = model.new_cache();
    // Prefill four tokens at once, then one token per step.
    let prefill = model.forward_with(
        ids_tensor(&IDS[..4], &device()),
        ForwardOptions::default(),
        Some(&mut cache),
    );
    let prefill = values(prefill.logits);
    assert!(max_abs_diff(&prefill, &full[..4 * v]) < TOLERANCE);
    for (pos, &id) in IDS.iter().enumerate().skip(4) {
        assert_eq!(cache.len(), pos);
        let out = model.forward_with(
            ids_tensor(&[id], &device()),
            ForwardOptions::default(),
            Some(&mut cache),
        );
        let step = values(out.logits);
        let diff = max_abs_diff(&step, &full[pos * v..(pos + 1) * v]);
        assert!(diff < TOLERANCE, "position {pos}: max |Δ| = {diff}");
    }
    let expected_bytes =
        2 * config.n_layers * config.n_kv_heads * IDS.len() * config.head_size() * 4;
    assert_eq!(cache.size_bytes(), expected_bytes);
    cache.clear();
    assert!(cache.is_empty());
}

#[test]
fn without_positions_first_layer_attention_only_sees_a_set() {
    let model = tiny();
    let swapped = [IDS[1], IDS[0], IDS[2], IDS[3]];
    let trace = |ids: &[u32], positions| {
        let options = TraceOptions { forward: ForwardOptions { positions }, qkv: false };
        model.trace(ids, vec![String::new(); ids.len()], options).unwrap()
    };
    let last_row = |t: &Trace, head| t.layers[0].attention.slice(&[head, 3]).to_vec();
    for head in 0..4 {
        let a = last_row(&trace(&IDS[..4], false), head);
        let b = last_row(&trace(&swapped, false), head);
        // The last token weighs the same set of tokens: the weights are swapped with them.
        let b_unswapped = [b[1], b[0], b[2], b[3]];
        assert!(max_abs_diff(&a, &b_unswapped) < 1e-6, "head {head}: {a:?} vs {b:?}");
    }
    // With RoPE the order matters.
    let a = last_row(&trace(&IDS[..4], true), 0);
    let b = last_row(&trace(&swapped, true), 0);
    assert!(max_abs_diff(&a, &[b[1], b[0], b[2], b[3]]) > 1e-6);
}

#[test]
fn the_trace_is_plain_data_with_the_documented_shapes() {
    let model = tiny();
    let c = TumblerConfig::tiny();
    let tokens: Vec<String> = IDS.iter().map(|i| format!("t{i}")).collect();
    let options = TraceOptions { qkv: true, ..TraceOptions::default() };
    let trace = model.trace(&IDS, tokens.clone(), options).unwrap();
    let t = IDS.len();
    assert_eq!(trace.tokens, tokens);
    assert_eq!(trace.embeddings.shape, vec![t, c.d_model]);
    assert_eq!(trace.logits.shape, vec![t, c.vocab_size]);
    assert_eq!(trace.layers.len(), c.n_layers);
    for layer in &trace.layers {
        assert_eq!(layer.attention.shape, vec![c.n_heads, t, t]);
        assert_eq!(layer.gate.shape, vec![t, c.d_ff]);
        assert_eq!(layer.q.as_ref().unwrap().shape, vec![c.n_heads, t, c.head_size()]);
        assert_eq!(layer.k.as_ref().unwrap().shape, vec![c.n_kv_heads, t, c.head_size()]);
        for h in 0..c.n_heads {
            for i in 0..t {
                let row = layer.attention.slice(&[h, i]);
                let sum: f32 = row.iter().sum();
                assert!((sum - 1.0).abs() < 1e-5, "row sums to {sum}");
                assert!(row[i + 1..].iter().all(|&p| p == 0.0), "no attention to the future");
            }
        }
    }
    // The trace's logits are the forward pass's logits.
    assert!(max_abs_diff(&trace.logits.data, &full_logits(&model, &IDS)) < 1e-6);
    // Embedding rows are rows of the embedding matrix.
    let table = values(model.embedding.weight.val());
    let row = IDS[2] as usize * c.d_model;
    assert_eq!(trace.embeddings.slice(&[2]), &table[row..row + c.d_model]);

    let json: serde_json::Value = serde_json::to_value(&trace).unwrap();
    assert_eq!(json["tokens"][0], "t5");
    assert_eq!(json["layers"][0]["attention"].as_array().unwrap().len(), c.n_heads);
    assert_eq!(json["layers"][0]["attention"][0][0].as_array().unwrap().len(), t);
    let back: Trace = serde_json::from_value(json).unwrap();
    assert_eq!(back, trace);
}

#[test]
fn cross_entropy_matches_a_hand_computation() {
    let logits = Tensor::<3>::from_data(
        TensorData::new(vec![1.0f32, 2.0, 0.5, -1.0, 0.0, 3.0], [1, 2, 3]),
        &device(),
    );
    let targets = Tensor::<2, Int>::from_data(TensorData::new(vec![1i64, 2], [1, 2]), &device());
    let loss = values(cross_entropy(logits, targets))[0];
    let nll = |row: [f64; 3], target: usize| {
        let lse = row.iter().map(|x| x.exp()).sum::<f64>().ln();
        lse - row[target]
    };
    let expected = (nll([1.0, 2.0, 0.5], 1) + nll([-1.0, 0.0, 3.0], 2)) / 2.0;
    assert!((f64::from(loss) - expected).abs() < 1e-6, "{loss} vs {expected}");
}

#[test]
fn next_token_probs_match_the_host_softmax() {
    let logits = vec![0.3f32, -1.2, 2.0, 0.0, 1.1];
    let t = Tensor::<2>::from_data(TensorData::new(logits.clone(), [1, 5]), &device());
    let device_probs = values(next_token_probs(t, 0.7));
    let host = sampling::softmax_with_temperature(&logits, 0.7);
    assert!(max_abs_diff(&device_probs, &host) < 1e-6);
}

#[test]
fn a_random_model_predicts_near_uniformly() {
    // Small initial weights: the loss starts near ln(V), the baseline any training must beat.
    let model = tiny();
    let ids = ids_tensor(&IDS[..11], &device());
    let targets = ids_tensor(&IDS[1..], &device());
    let loss = values(model.loss(ids, targets))[0];
    let uniform = (TumblerConfig::tiny().vocab_size as f32).ln();
    assert!((loss - uniform).abs() < 0.1, "loss {loss} vs ln V {uniform}");
}

#[cfg(feature = "train")]
#[test]
fn one_adamw_step_on_an_autodiff_device_lowers_the_loss() {
    use burn::optim::{AdamWConfig, GradientsParams};
    let device = Device::flex().autodiff();
    let mut model = Tumbler::init(&TumblerConfig::tiny(), 3, &device).unwrap();
    let batch = |ids: &[u32]| ids_tensor(ids, &device);
    let (ids, targets) = (batch(&IDS[..11]), batch(&IDS[1..]));
    let mut optimizer = AdamWConfig::new().init();
    let before = model.loss(ids.clone(), targets.clone());
    let before_value = values(before.clone())[0];
    let grads = GradientsParams::from_grads(before.backward(), &model);
    model = optimizer.step(1e-2, model, grads);
    let after = values(model.loss(ids, targets))[0];
    assert!(after < before_value - 0.05, "loss {before_value} -> {after}");
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("tumbler-weights-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn weights_round_trip_through_safetensors() {
    let model = tiny();
    let dir = temp_dir("roundtrip");
    weights::save(&model, &dir, StorageDtype::F32).unwrap();
    let loaded = weights::load(&dir, &device()).unwrap();
    assert_eq!(loaded.config, model.config);
    assert_eq!(full_logits(&loaded, &IDS), full_logits(&model, &IDS));

    // f16 halves the file and moves logits by rounding only.
    let bytes16 = weights::to_safetensors(&model, StorageDtype::F16).unwrap();
    let bytes32 = weights::to_safetensors(&model, StorageDtype::F32).unwrap();
    assert!(bytes16.len() < bytes32.len() * 6 / 10);
    let half = weights::from_safetensors(&model.config, &bytes16, &device()).unwrap();
    let diff = max_abs_diff(&full_logits(&half, &IDS), &full_logits(&model, &IDS));
    assert!(diff < 1e-3, "f16 logits differ by {diff}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn damaged_weights_are_typed_errors() {
    let model = tiny();
    let config = model.config.clone();
    let bytes = weights::to_safetensors(&model, StorageDtype::F32).unwrap();

    let truncated = &bytes[..bytes.len() / 2];
    assert!(matches!(
        weights::from_safetensors(&config, truncated, &device()),
        Err(WeightsError::Format(_))
    ));
    assert!(matches!(
        weights::from_safetensors(&config, &bytes[..5], &device()),
        Err(WeightsError::Format(_))
    ));

    let wider = TumblerConfig { d_ff: 96, ..config.clone() };
    match weights::from_safetensors(&wider, &bytes, &device()) {
        Err(WeightsError::Shape { name, expected, found }) => {
            assert_eq!(name, "blocks.0.mlp.w_gate");
            assert_eq!((expected, found), (vec![32, 96], vec![32, 64]));
        }
        other => panic!("expected a shape error, got {other:?}"),
    }

    let deeper = TumblerConfig { n_layers: 3, ..config.clone() };
    assert!(matches!(
        weights::from_safetensors(&deeper, &bytes, &device()),
        Err(WeightsError::Missing(name)) if name == "blocks.2.attn_norm.weight"
    ));
    let shallower = TumblerConfig { n_layers: 1, ..config.clone() };
    assert!(matches!(
        weights::from_safetensors(&shallower, &bytes, &device()),
        Err(WeightsError::Unexpected(_))
    ));

    // A file whose norm gain is stored as integers.
    let ints: Vec<u8> = (0..32i32).flat_map(|v| v.to_le_bytes()).collect();
    let mut tensors: Vec<(String, safetensors::tensor::TensorView<'_>)> = Vec::new();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    for (name, view) in st.tensors() {
        let view = if name == "norm.weight" {
            safetensors::tensor::TensorView::new(safetensors::Dtype::I32, vec![32], &ints).unwrap()
        } else {
            view
        };
        tensors.push((name, view));
    }
    let wrong_dtype = safetensors::serialize(tensors, None).unwrap();
    assert!(matches!(
        weights::from_safetensors(&config, &wrong_dtype, &device()),
        Err(WeightsError::Dtype { name, .. }) if name == "norm.weight"
    ));

    let missing_dir = temp_dir("missing");
    assert!(matches!(weights::load(&missing_dir, &device()), Err(WeightsError::Io { .. })));
    std::fs::create_dir_all(&missing_dir).unwrap();
    std::fs::write(missing_dir.join(weights::CONFIG_FILE), "{ not json").unwrap();
    assert!(matches!(weights::load(&missing_dir, &device()), Err(WeightsError::Config(_))));
    let _ = std::fs::remove_dir_all(&missing_dir);
}
