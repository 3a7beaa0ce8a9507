//! Reading checkpoints: the foreign Llama against an independent forward pass written from
//! transformers' `modeling_llama.py` (in f64, over the file's own tensors and names), the
//! shipped Tumbler through the Llama naming and back, and every refusal by name.

use std::collections::HashMap;
use std::sync::Arc;

use burn::tensor::Device;

use super::foreign::{FOREIGN_NAME, foreign_checkpoint, foreign_config, foreign_tokenizer_json};
use super::read::{
    LlamaDtype, NamedTensor, from_safetensors, llama_config_json, llama_tensors, serialize,
};
use super::*;
use crate::decode::{CpuDecoder, DecodeWeights};
use crate::gpt::weights::{self, WeightsError};
use crate::gpt::{Tumbler, ids_tensor};
use crate::tokenizer::Encoding;

fn device() -> Device {
    Device::flex()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// transformers' `LlamaForCausalLM.forward` for one sequence, written out over plain slices in
/// f64: `nn.Linear` computes x Wᵀ from (out, in) weights; `LlamaRMSNorm` is
/// `weight * x / sqrt(mean(x²) + eps)`; `apply_rotary_pos_emb` rotates (x[i], x[i + hs/2]) by
/// position · theta^(-2i/hs) (`rotate_half`); `repeat_kv` gives query head h the kv head
/// h / (nh / nkv); SDPA is causal with scale 1/sqrt(hs); the MLP is
/// `down(silu(gate(x)) * up(x))`; tied `lm_head`. Returns the logits, (T, V).
fn llama_reference(
    config: &TumblerConfig,
    tensors: &HashMap<String, Vec<f32>>,
    ids: &[u32],
) -> Vec<f32> {
    let w = |name: &str| -> Vec<f64> { tensors[name].iter().map(|&v| f64::from(v)).collect() };
    let (c, nh, nkv, hs) = (config.d_model, config.n_heads, config.n_kv_heads, config.head_size());
    let t = ids.len();
    let linear = |x: &[f64], weight: &[f64], out: usize| -> Vec<f64> {
        let inp = weight.len() / out;
        let rows = x.len() / inp;
        let mut y = vec![0.0; rows * out];
        for r in 0..rows {
            for o in 0..out {
                y[r * out + o] = (0..inp).map(|i| x[r * inp + i] * weight[o * inp + i]).sum();
            }
        }
        y
    };
    let rms_norm = |x: &[f64], gain: &[f64]| -> Vec<f64> {
        x.chunks(c)
            .flat_map(|row| {
                let ms = row.iter().map(|v| v * v).sum::<f64>() / c as f64;
                let scale = 1.0 / (ms + config.norm_eps).sqrt();
                row.iter().zip(gain).map(move |(v, g)| g * v * scale)
            })
            .collect()
    };
    let rope = |x: &mut [f64], heads: usize| {
        let half = hs / 2;
        for pos in 0..t {
            for h in 0..heads {
                let base = pos * heads * hs + h * hs;
                for i in 0..half {
                    let angle = pos as f64 * config.rope_theta.powf(-((2 * i) as f64) / hs as f64);
                    let (x1, x2) = (x[base + i], x[base + i + half]);
                    x[base + i] = x1 * angle.cos() - x2 * angle.sin();
                    x[base + i + half] = x2 * angle.cos() + x1 * angle.sin();
                }
            }
        }
    };
    let embed = w("model.embed_tokens.weight");
    let mut x: Vec<f64> =
        ids.iter().flat_map(|&id| embed[id as usize * c..(id as usize + 1) * c].to_vec()).collect();
    for layer in 0..config.n_layers {
        let p = |part: &str| w(&format!("model.layers.{layer}.{part}.weight"));
        let h = rms_norm(&x, &p("input_layernorm"));
        let mut q = linear(&h, &p("self_attn.q_proj"), nh * hs);
        let mut k = linear(&h, &p("self_attn.k_proj"), nkv * hs);
        let v = linear(&h, &p("self_attn.v_proj"), nkv * hs);
        rope(&mut q, nh);
        rope(&mut k, nkv);
        let mut y = vec![0.0; t * nh * hs];
        for head in 0..nh {
            let kv = head / (nh / nkv);
            for i in 0..t {
                let qi = &q[i * nh * hs + head * hs..][..hs];
                let scores: Vec<f64> = (0..=i)
                    .map(|j| {
                        let kj = &k[j * nkv * hs + kv * hs..][..hs];
                        qi.iter().zip(kj).map(|(a, b)| a * b).sum::<f64>() / (hs as f64).sqrt()
                    })
                    .collect();
                let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let exp: Vec<f64> = scores.iter().map(|s| (s - max).exp()).collect();
                let total: f64 = exp.iter().sum();
                for (j, e) in exp.iter().enumerate() {
                    for d in 0..hs {
                        y[i * nh * hs + head * hs + d] += e / total * v[j * nkv * hs + kv * hs + d];
                    }
                }
            }
        }
        let attn = linear(&y, &p("self_attn.o_proj"), c);
        x.iter_mut().zip(&attn).for_each(|(a, b)| *a += b);
        let h = rms_norm(&x, &p("post_attention_layernorm"));
        let gate = linear(&h, &p("mlp.gate_proj"), config.d_ff);
        let up = linear(&h, &p("mlp.up_proj"), config.d_ff);
        let act: Vec<f64> = gate.iter().zip(&up).map(|(g, u)| g / (1.0 + (-g).exp()) * u).collect();
        let mlp = linear(&act, &p("mlp.down_proj"), c);
        x.iter_mut().zip(&mlp).for_each(|(a, b)| *a += b);
    }
    let h = rms_norm(&x, &w("model.norm.weight"));
    linear(&h, &embed, config.vocab_size).into_iter().map(|v| v as f32).collect()
}

fn by_name(tensors: &[NamedTensor]) -> HashMap<String, Vec<f32>> {
    tensors.iter().map(|(n, v, _)| (n.clone(), v.clone())).collect()
}

fn burn_logits(model: &Tumbler, ids: &[u32]) -> Vec<f32> {
    model.forward(ids_tensor(ids, &device())).into_data().try_to_vec::<f32>().unwrap()
}

/// A text of the foreign tokenizer's, as ids.
fn foreign_ids() -> Vec<u32> {
    let encoding = Encoding::from_tokenizer_json(foreign_tokenizer_json().as_bytes()).unwrap();
    encoding.encode("The capital of France is Paris, and the river there is the Seine.")
}

#[test]
fn the_foreign_checkpoint_differs_from_the_tumbler_in_every_size() {
    let shipped =
        std::fs::read_to_string(crate::repo_file("public/model/base/config.json")).unwrap();
    let (ours, theirs) = (TumblerConfig::from_json(&shipped).unwrap(), foreign_config());
    assert_ne!(ours.vocab_size, theirs.vocab_size);
    assert_ne!(ours.d_model, theirs.d_model);
    assert_ne!(ours.n_layers, theirs.n_layers);
    assert_ne!(ours.d_ff, theirs.d_ff);
    assert_ne!(ours.head_size(), theirs.head_size());
    assert_ne!(ours.n_kv_heads, theirs.n_kv_heads);
    assert!(theirs.n_kv_heads < theirs.n_heads, "grouped-query attention");
    assert_ne!(ours.rope_theta, theirs.rope_theta);
    assert_ne!(ours.norm_eps, theirs.norm_eps);
}

#[test]
fn the_foreign_llama_matches_an_independent_reference_in_every_dtype() {
    let ids = foreign_ids();
    assert!(ids.len() > 20, "the text splits into {} tokens", ids.len());
    assert!(ids.iter().any(|&id| id >= 256), "some merges apply: {ids:?}");
    for dtype in [LlamaDtype::Bf16, LlamaDtype::F16, LlamaDtype::F32] {
        let files = foreign_checkpoint(11, dtype).unwrap();
        let checkpoint = read_config(&files.config, "fallback").unwrap();
        assert_eq!(checkpoint.name, FOREIGN_NAME);
        assert!(checkpoint.llama_config);
        assert_eq!(checkpoint.config, foreign_config());
        let model = from_safetensors(&checkpoint, &files.weights, &device()).unwrap();
        let expected = llama_reference(&checkpoint.config, &by_name(&files.tensors), &ids);
        let got = burn_logits(&model, &ids);
        let d = max_diff(&got, &expected);
        // f32 sums in another order than f64's: logits reach ±10 here.
        assert!(d < 1e-4, "{dtype:?}: max |Δlogit| {d} against the reference");

        // The fused CPU decoder, which the page decodes with, reads the same model.
        let fused = Arc::new(DecodeWeights::read_cpu(&model).unwrap());
        let mut decoder = CpuDecoder::new(fused);
        let all = decoder.forward(&ids).unwrap().to_vec();
        let v = checkpoint.config.vocab_size;
        let last = &expected[(ids.len() - 1) * v..];
        let d = max_diff(&all[all.len() - v..], last);
        assert!(d < 1e-4, "{dtype:?}: fused decoder max |Δlogit| {d}");
    }
}

#[test]
fn the_shipped_model_exported_in_llama_naming_loads_back_with_the_same_logits() {
    let dir = crate::repo_file("public/model/base");
    let shipped = weights::load(&dir, &device()).unwrap();
    let tensors = llama_tensors(&shipped).unwrap();
    assert!(tensors.iter().any(|(n, ..)| n == "model.layers.3.mlp.down_proj.weight"));
    let config_json = llama_config_json(&shipped.config, "tumbler-base");
    let checkpoint = read_config(&config_json, "x").unwrap();
    assert_eq!(checkpoint.config, shipped.config);
    let bytes = serialize(&tensors, LlamaDtype::F32).unwrap();
    let imported = from_safetensors(&checkpoint, &bytes, &device()).unwrap();
    let ids: Vec<u32> = (0..40).map(|i| (i * 131 + 7) % 4096).collect();
    let d = max_diff(&burn_logits(&imported, &ids), &burn_logits(&shipped, &ids));
    assert!(d < 1e-4, "max |Δlogit| {d}");
    // And the reference, reading the exported names, agrees with the shipped model itself.
    let expected = llama_reference(&shipped.config, &by_name(&tensors), &ids);
    let d = max_diff(&burn_logits(&shipped, &ids), &expected);
    assert!(d < 1e-3, "shipped model against the reference: max |Δlogit| {d}");
}

#[test]
fn our_own_format_loads_through_the_same_reader() {
    let dir = crate::repo_file("public/model/base");
    let config = std::fs::read_to_string(dir.join("config.json")).unwrap();
    let checkpoint = read_config(&config, "base").unwrap();
    assert!(!checkpoint.llama_config);
    assert_eq!(checkpoint.name, "base");
    let bytes = std::fs::read(dir.join("model.safetensors")).unwrap();
    let model = from_safetensors(&checkpoint, &bytes, &device()).unwrap();
    let shipped = weights::load(&dir, &device()).unwrap();
    let ids = [1, 2, 3, 400, 5];
    assert_eq!(burn_logits(&model, &ids), burn_logits(&shipped, &ids));
}

fn foreign_json() -> serde_json::Value {
    let files = foreign_checkpoint(1, LlamaDtype::F32).unwrap();
    serde_json::from_str(&files.config).unwrap()
}

fn config_with(key: &str, value: serde_json::Value) -> String {
    let mut json = foreign_json();
    json[key] = value;
    json.to_string()
}

#[test]
fn configs_the_tumbler_cannot_run_are_refused_by_name() {
    let err = |json: String| read_config(&json, "x").unwrap_err().to_string();
    let gpt2 = config_with("model_type", "gpt2".into());
    assert!(err(gpt2).contains("\"gpt2\""), "architecture named");
    let mut arch = foreign_json();
    arch.as_object_mut().unwrap().remove("model_type");
    arch["architectures"] = serde_json::json!(["MistralForCausalLM"]);
    assert!(err(arch.to_string()).contains("MistralForCausalLM"));
    let scaling = config_with("rope_scaling", serde_json::json!({"type": "linear", "factor": 2.0}));
    assert!(err(scaling).contains("rope_scaling"));
    assert!(err(config_with("hidden_act", "gelu".into())).contains("gelu"));
    assert!(err(config_with("attention_bias", true.into())).contains("biases"));
    assert!(err(config_with("head_dim", 16.into())).contains("head_dim 16"));
    assert!(err(config_with("num_key_value_heads", 4.into())).contains("not divisible"));
    assert!(err(config_with("hidden_size", "wide".into())).contains("hidden_size"));
    assert!(err("not json".into()).starts_with("config.json"));
    // Defaults as LlamaConfig has them.
    let mut bare = foreign_json();
    for key in ["rope_theta", "rms_norm_eps", "num_key_value_heads", "max_position_embeddings"] {
        bare.as_object_mut().unwrap().remove(key);
    }
    let c = read_config(&bare.to_string(), "x").unwrap().config;
    assert_eq!(
        (c.rope_theta, c.norm_eps, c.n_kv_heads, c.context_length),
        (10_000.0, 1e-6, 6, 1024)
    );
}

#[test]
fn a_long_context_is_cut_to_what_the_decoders_hold() {
    let checkpoint =
        read_config(&config_with("max_position_embeddings", 8192.into()), "x").unwrap();
    assert_eq!(checkpoint.config.context_length, MAX_IMPORTED_CONTEXT);
    assert_eq!(checkpoint.context_cut_from, Some(8192));
}

/// The foreign checkpoint's tensors with `edit` applied, as an f32 file.
fn weights_with(edit: impl FnOnce(&mut Vec<NamedTensor>)) -> Vec<u8> {
    let mut tensors = foreign_checkpoint(1, LlamaDtype::F32).unwrap().tensors;
    edit(&mut tensors);
    serialize(&tensors, LlamaDtype::F32).unwrap()
}

fn load_err(bytes: &[u8]) -> WeightsError {
    let checkpoint =
        read_config(&foreign_checkpoint(1, LlamaDtype::F32).unwrap().config, "x").unwrap();
    from_safetensors(&checkpoint, bytes, &device()).unwrap_err()
}

#[test]
fn weights_that_do_not_match_are_refused_by_name() {
    let missing = weights_with(|t| t.retain(|(n, ..)| n != "model.layers.2.mlp.up_proj.weight"));
    assert!(
        matches!(load_err(&missing), WeightsError::Missing(n) if n == "model.layers.2.mlp.up_proj.weight")
    );

    let shape = weights_with(|t| {
        // k_proj is (16, 48): stored the Tumbler's way round, (48, 16), it is not transformers'.
        let k = t.iter_mut().find(|(n, ..)| n == "model.layers.0.self_attn.k_proj.weight").unwrap();
        k.2 = vec![k.2[1], k.2[0]];
    });
    assert!(
        matches!(load_err(&shape), WeightsError::Shape { name, .. } if name.contains("k_proj"))
    );

    let extra = weights_with(|t| {
        t.push(("model.layers.0.self_attn.q_proj.bias".into(), vec![0.0; 48], vec![48]))
    });
    assert!(matches!(load_err(&extra), WeightsError::Unexpected(n) if n.ends_with("q_proj.bias")));

    // Fewer embedding rows than config.json's vocabulary.
    let vocab = weights_with(|t| {
        let e = t.iter_mut().find(|(n, ..)| n == "model.embed_tokens.weight").unwrap();
        e.1.truncate(200 * 48);
        e.2 = vec![200, 48];
    });
    assert!(
        matches!(load_err(&vocab), WeightsError::Shape { name, .. } if name == "model.embed_tokens.weight")
    );

    // A tied head stored twice is read; an untied one is refused.
    let tied = weights_with(|t| {
        let e = t.iter().find(|(n, ..)| n == "model.embed_tokens.weight").unwrap().clone();
        t.push(("lm_head.weight".into(), e.1, e.2));
    });
    let checkpoint =
        read_config(&foreign_checkpoint(1, LlamaDtype::F32).unwrap().config, "x").unwrap();
    from_safetensors(&checkpoint, &tied, &device()).unwrap();
    let untied = weights_with(|t| {
        let mut e = t.iter().find(|(n, ..)| n == "model.embed_tokens.weight").unwrap().clone();
        e.1[0] += 1.0;
        t.push(("lm_head.weight".into(), e.1, e.2));
    });
    assert!(load_err(&untied).to_string().contains("untied output head"));

    // Old checkpoints' rotary buffers are computed, not weights: read past.
    let rotary = weights_with(|t| {
        t.push(("model.layers.1.self_attn.rotary_emb.inv_freq".into(), vec![1.0; 4], vec![4]))
    });
    from_safetensors(&checkpoint, &rotary, &device()).unwrap();

    assert!(matches!(
        load_err(b"\x08\x00\x00\x00\x00\x00\x00\x00{\"a\":1}"),
        WeightsError::Format(_)
    ));
    assert!(matches!(load_err(b"garbage"), WeightsError::Format(_)));
}

#[test]
fn an_integer_dtype_is_refused_by_name() {
    use safetensors::{Dtype, tensor::TensorView};
    let files = foreign_checkpoint(1, LlamaDtype::F32).unwrap();
    let file = safetensors::SafeTensors::deserialize(&files.weights).unwrap();
    let int8 = vec![0u8; 297 * 48];
    let mut views: Vec<(String, TensorView<'_>)> =
        file.tensors().into_iter().filter(|(n, _)| n != "model.embed_tokens.weight").collect();
    views.push((
        "model.embed_tokens.weight".into(),
        TensorView::new(Dtype::I8, vec![297, 48], &int8).unwrap(),
    ));
    let bytes = safetensors::serialize(views, None).unwrap();
    let e = load_err(&bytes);
    assert!(
        matches!(&e, WeightsError::Dtype { name, found } if name == "model.embed_tokens.weight" && found == "I8"),
        "{e}"
    );
}

#[test]
fn the_tokenizer_must_fit_the_embedding() {
    let config = foreign_config();
    check_vocab(&config, config.vocab_size).unwrap();
    check_vocab(&config, config.vocab_size - 10).unwrap();
    let e = check_vocab(&config, 4096).unwrap_err().to_string();
    assert!(e.contains("4096") && e.contains("297"), "{e}");
}

#[test]
fn the_browser_limit_counts_the_file_and_two_f32_copies() {
    let small = TumblerConfig::small();
    check_browser_size("tumbler", &small, 2_800_000).unwrap();
    // A 7B-class width: 4096 × 32 layers × 11008, 32,000 tokens.
    let big = TumblerConfig {
        vocab_size: 32_000,
        d_model: 4096,
        n_layers: 32,
        n_heads: 32,
        n_kv_heads: 32,
        d_ff: 11_008,
        context_length: 1024,
        rope_theta: 10_000.0,
        norm_eps: 1e-6,
    };
    let file = 2 * big.param_count() as u64;
    let e = check_browser_size("llama-7b", &big, file).unwrap_err().to_string();
    assert!(e.contains("llama-7b is too large"), "{e}");
    // The largest parameter count at f16 that fits: file 2P + 12P ≤ budget.
    let fits = (BROWSER_MODEL_BUDGET / 14) as usize;
    assert!(browser_memory_needed(fits, 2 * fits as u64) <= BROWSER_MODEL_BUDGET);
    assert!(browser_memory_needed(fits + 1, 2 * (fits as u64 + 1)) > BROWSER_MODEL_BUDGET);
}

#[test]
fn the_committed_fixture_is_what_the_generator_writes() {
    // `tumbler foreign --out tests/e2e/fixtures/foreign-llama` (seed 2026, bf16) writes the same
    // files; the page's test opens them. TUMBLER_BLESS=1 writes them here.
    let dir = crate::repo_file("tests/e2e/fixtures/foreign-llama");
    let files = foreign_checkpoint(2026, LlamaDtype::Bf16).unwrap();
    let expected = [
        ("config.json", files.config.as_bytes()),
        ("tokenizer.json", files.tokenizer.as_bytes()),
        ("model.safetensors", &files.weights[..]),
    ];
    if std::env::var_os("TUMBLER_BLESS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in expected {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
    }
    for (name, bytes) in expected {
        let found = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(found == bytes, "{name} differs from the generator's: run with TUMBLER_BLESS=1");
    }
    let (checkpoint, _) = read::load_dir(&dir, &device()).unwrap();
    assert_eq!(checkpoint.name, FOREIGN_NAME);
}
