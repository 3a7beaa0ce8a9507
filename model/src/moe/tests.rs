use burn::tensor::{Device, Tensor, TensorData};

use super::*;
use crate::gpt::{StorageDtype, Tumbler, TumblerConfig, ids_tensor};
use crate::inspect::resolve;

fn tiny() -> MoeConfig {
    MoeConfig::split(&TumblerConfig::tiny(), 4, 2)
}

fn values(t: Tensor<3>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn route_token_picks_the_true_top_k_and_its_gates_sum_to_one() {
    let probs = [0.05, 0.30, 0.10, 0.40, 0.15];
    let (experts, gates) = route_token(&probs, 2);
    assert_eq!(experts, vec![3, 1]);
    assert!((gates[0] - 0.4 / 0.7).abs() < 1e-6 && (gates[1] - 0.3 / 0.7).abs() < 1e-6);
    let (experts, gates) = route_token(&probs, 3);
    assert_eq!(experts, vec![3, 1, 4]);
    assert!((gates.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    // Ties go to the lower index.
    assert_eq!(route_token(&[0.25; 4], 2).0, vec![0, 1]);
}

#[test]
fn the_tensor_router_chooses_what_the_reference_chooses() {
    let device = Device::flex();
    let model = MoeTumbler::init(&tiny(), 3, &device).unwrap();
    let experts = &model.blocks[0].experts;
    let (b, t, c, e) = (2, 7, 32, 4);
    let mut rng = crate::sampling::Rng::new(9);
    let x: Vec<f32> = (0..b * t * c).map(|_| rng.next_normal() as f32).collect();
    let x = Tensor::<3>::from_data(TensorData::new(x, [b, t, c]), &device);
    let r = experts.route(x);
    let (probs, chosen, gates) = (values(r.probs), values(r.chosen), values(r.gates));
    for row in 0..b * t {
        let p = &probs[row * e..row * e + e];
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let (want, want_gates) = route_token(p, 2);
        let got: Vec<usize> = (0..e).filter(|&i| chosen[row * e + i] == 1.0).collect();
        let mut want_sorted = want.clone();
        want_sorted.sort();
        assert_eq!(got, want_sorted, "token {row}: probabilities {p:?}");
        let g = &gates[row * e..row * e + e];
        assert!((g.iter().sum::<f32>() - 1.0).abs() < 1e-5, "gates sum to 1");
        for (x, wg) in want.iter().zip(&want_gates) {
            assert!((g[*x] - wg).abs() < 1e-5, "gate of expert {x}: {} vs {wg}", g[*x]);
        }
        assert_eq!(g.iter().filter(|&&v| v == 0.0).count(), e - 2, "unchosen gates are 0");
    }
}

#[test]
fn the_balance_loss_is_its_formula_on_a_hand_example() {
    // Two tokens, two experts, k = 1, both sent to expert 0: f = (1, 0), P = (0.7, 0.3),
    // L = E · Σ f·P = 2 · 0.7.
    let probs = [0.8, 0.2, 0.6, 0.4];
    let chosen = vec![vec![0], vec![0]];
    assert!((balance_loss(&probs, &chosen, 2) - 1.4).abs() < 1e-6);
    // An even load with uniform probabilities gives 1.
    assert!((balance_loss(&[0.5; 4], &[vec![0], vec![1]], 2) - 1.0).abs() < 1e-9);
    // The tensor version, on the same numbers.
    let device = Device::flex();
    let t = |v: Vec<f32>| Tensor::<3>::from_data(TensorData::new(v, [1, 2, 2]), &device);
    let routing = Routing {
        probs: t(probs.to_vec()),
        chosen: t(vec![1.0, 0.0, 1.0, 0.0]),
        gates: t(vec![1.0, 0.0, 1.0, 0.0]),
        top_k: 1,
    };
    let got = routing.balance_loss().into_scalar::<f32>();
    assert!((got - 1.4).abs() < 1e-6, "{got}");
}

#[test]
fn one_expert_with_k_one_is_the_dense_model() {
    let device = Device::flex();
    let dense = Tumbler::init(&TumblerConfig::tiny(), 11, &device).unwrap();
    let config = MoeConfig::split(&dense.config, 1, 1);
    let moe = MoeTumbler::upcycle(&dense, &config, 0, 0.0).unwrap();
    let ids = ids_tensor(&[5, 17, 250, 3, 99, 42], &device);
    let a = values(dense.forward(ids.clone()));
    let b = values(moe.forward(ids).logits);
    let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0f32, f32::max);
    assert!(worst < 1e-5, "max |Δlogit| {worst}");
}

#[test]
fn loads_sum_to_tokens_times_k_times_layers_and_params_come_from_shapes() {
    let device = Device::flex();
    let config = tiny();
    let model = MoeTumbler::init(&config, 4, &device).unwrap();
    let ids = [1u32, 2, 3, 4, 5, 6, 7, 8, 9];
    let probs = resolve(model.router_probs(&ids)).unwrap();
    let names = ids.iter().map(|i| i.to_string()).collect();
    let trace =
        RouteTrace::from_probs(ids.to_vec(), names, 9, &config, &probs, model.param_count());
    let load: usize = trace.layers.iter().flat_map(|l| l.load.iter()).sum();
    assert_eq!(load, 9 * 2 * config.base.n_layers);
    for layer in &trace.layers {
        for tok in &layer.tokens {
            assert_eq!(tok.experts.len(), 2);
            assert!((tok.gates.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
    }
    // tiny: V 300, C 32, 2 layers, 4 heads of 8, 2 KV heads; 4 experts of width 16, k 2.
    let (v, c, l, kv, e, d) = (300, 32, 2, 16, 4, 16);
    let per_layer = 2 * c + c * c + 2 * c * kv + c * c + c * e + e * 3 * c * d;
    let total = v * c + l * per_layer + c;
    let p = model.param_count();
    assert_eq!(p.total, total);
    assert_eq!(p.per_expert, 3 * c * d);
    assert_eq!(p.active, total - l * (e - 2) * 3 * c * d);
}

#[test]
fn the_weights_file_round_trips() {
    let device = Device::flex();
    let model = MoeTumbler::init(&tiny(), 8, &device).unwrap();
    let bytes = weights::to_safetensors(&model, StorageDtype::F32).unwrap();
    let back = weights::from_safetensors(&model.config, &bytes, &device).unwrap();
    let ids = ids_tensor(&[7, 8, 9], &device);
    assert_eq!(values(model.forward(ids.clone()).logits), values(back.forward(ids).logits));
    let wrong = MoeConfig { n_experts: 8, d_expert: 8, ..tiny() };
    assert!(weights::from_safetensors(&wrong, &bytes, &device).is_err());
    assert!(weights::from_safetensors(&model.config, &bytes[..100], &device).is_err());
}

#[test]
fn training_lowers_the_loss_and_resumes() {
    use crate::learn::schedule::Schedule;
    let tokens: Vec<u32> = (0..6000u32).map(|i| (i * 7 + i / 13) % 300).collect();
    let cfg = train::MoeTrainConfig {
        model: tiny(),
        batch_size: 2,
        seq_len: 16,
        schedule: Schedule { max_lr: 3e-3, min_lr: 3e-4, warmup_steps: 2, total_steps: 12 },
        weight_decay: 0.1,
        grad_clip: 1.0,
        aux_weight: AUX_WEIGHT,
        eval_every: 6,
        eval_batches: 2,
        seed: 1,
    };
    let dir = std::env::temp_dir().join(format!("tumbler-moe-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let start = |d: &Device| Ok(MoeTumbler::init(&tiny(), 2, d)?);
    let (_, card, finished) =
        train::train(&cfg, &tokens, &tokens, &dir, Some(std::time::Duration::ZERO), || 0.0, start)
            .unwrap();
    assert!(!finished && card.steps == 1, "stopped after one step");
    let (_, card, finished) =
        train::train(&cfg, &tokens, &tokens, &dir, None, || 0.0, start).unwrap();
    assert!(finished && card.steps == 12);
    assert!(card.moe_val_loss < card.upcycled_val_loss, "{card:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_shipped_model_matches_its_card() {
    let dir = crate::repo_file("public/model");
    let card = std::fs::read_to_string(dir.join("moe.json")).expect("public/model/moe.json");
    let card = weights::card_from_json(&card).unwrap();
    let bytes = std::fs::read(dir.join("moe.safetensors")).expect("public/model/moe.safetensors");
    assert!(bytes.len() <= 3_000_000, "{} bytes: over the 3 MB budget", bytes.len());
    let model = weights::from_safetensors(&card.config, &bytes, &Device::flex()).unwrap();
    assert_eq!(model.param_count(), card.params);
    assert_eq!((card.config.n_experts, card.config.top_k), (8, 2));
    assert!(card.moe_val_loss < card.upcycled_val_loss, "training helped: {card:?}");
}
