//! The tools against what they claim: the shares sum to the logit, the lens's last row is the
//! model's output (burn's forward, the reference), an ablation is the forward with that weight
//! block zeroed, patching a prompt into itself changes nothing, and bad input is refused.

use std::borrow::Cow;
use std::sync::Arc;

use burn::tensor::Device;

use super::*;
use crate::decode::{CpuDecoder, DecodeWeights};
use crate::generate::Vocab;
use crate::gpt::{Tumbler, TumblerConfig, ids_tensor, weights};
use crate::sampling::softmax_with_temperature;

/// Token names for the tests: the id in decimal.
struct Ids;

impl Vocab for Ids {
    fn bytes(&self, id: u32) -> Cow<'_, [u8]> {
        Cow::Owned(id.to_string().into_bytes())
    }
}

fn tiny() -> (Tumbler, Arc<DecodeWeights>) {
    let model = Tumbler::init(&TumblerConfig::tiny(), 5, &Device::flex()).unwrap();
    let weights = Arc::new(DecodeWeights::read_cpu(&model).unwrap());
    (model, weights)
}

fn shipped() -> (Tumbler, Arc<DecodeWeights>) {
    let model = weights::load(&crate::repo_file("public/model/base"), &Device::flex()).unwrap();
    let weights = Arc::new(DecodeWeights::read_cpu(&model).unwrap());
    (model, weights)
}

fn ids(n: usize, vocab: usize, salt: u32) -> Vec<u32> {
    (0..n as u32).map(|i| (i * 7919 + 13 + salt * 31) % vocab as u32).collect()
}

/// burn's logits for `ids`, (T, V).
fn reference(model: &Tumbler, ids: &[u32]) -> Vec<f32> {
    model.forward(ids_tensor(ids, &Device::flex())).into_data().try_to_vec::<f32>().unwrap()
}

/// The fused forward's last logits under modified weights.
fn forward_with(weights: &DecodeWeights, ids: &[u32]) -> Vec<f32> {
    CpuDecoder::new(Arc::new(weights.clone())).forward(ids).unwrap().to_vec()
}

#[test]
fn the_shares_sum_to_the_logit() {
    for (model, weights) in [tiny(), shipped()] {
        let text = ids(12, model.config.vocab_size, 1);
        let mut why = Why::new(weights);
        for position in [0, 5, 11] {
            for target in [None, Some(7)] {
                let a = why.attribution(&text, &Ids, target, Some(position)).unwrap();
                // Logits of the shipped model reach ±15; twenty f32 shares of that round to ~1e-6.
                assert!(a.rest.abs() < 1e-4, "rest {} of logit {}", a.rest, a.logit);
                assert_eq!(a.heads.len(), model.config.n_layers);
                assert!(a.heads.iter().all(|h| h.len() == model.config.n_heads));
                assert_eq!(a.mlps.len(), model.config.n_layers);
                // The logit is the model's own: burn's forward at that position.
                let v = model.config.vocab_size;
                let logits = reference(&model, &text);
                let real = logits[position * v + a.target.id as usize];
                assert!((a.logit - real).abs() < 1e-3, "logit {} vs burn {real}", a.logit);
            }
        }
    }
}

#[test]
fn the_lens_ends_at_the_models_output() {
    let (model, weights) = shipped();
    let text = ids(9, model.config.vocab_size, 2);
    let lens = Why::new(weights.clone()).lens(&text, &Ids).unwrap();
    assert_eq!(lens.len(), model.config.n_layers + 1);
    assert!(lens.iter().all(|row| row.len() == text.len()));
    let v = model.config.vocab_size;
    let logits = reference(&model, &text);
    for (t, cell) in lens.last().unwrap().iter().enumerate() {
        let probs = softmax_with_temperature(&logits[t * v..(t + 1) * v], 1.0);
        assert_eq!(cell.top.len(), LENS_TOP);
        for top in &cell.top {
            assert!((top.p - probs[top.id as usize]).abs() < 1e-5, "position {t}");
        }
        assert!(cell.top.windows(2).all(|w| w[0].p >= w[1].p));
        assert_eq!(cell.final_p, cell.top[0].p, "the last row's favourite is its own top");
    }
    // The fused decoder's logits after the prompt: the same numbers, bit for bit.
    let fused = forward_with(&weights, &text);
    let probs = softmax_with_temperature(&fused, 1.0);
    let last = lens.last().unwrap().last().unwrap();
    assert!(last.top.iter().all(|top| top.p == probs[top.id as usize]));
    // The earlier rows read something else: the lens is not the output repeated.
    assert_ne!(lens[0][8].top, last.top);
}

#[test]
fn zero_ablation_is_the_forward_with_the_weights_zeroed() {
    for (model, weights) in [tiny(), shipped()] {
        let cfg = &model.config;
        let hs = cfg.head_size();
        let text = ids(10, cfg.vocab_size, 3);
        let mut why = Why::new(weights.clone());
        let (layer, head) = (1, 2);
        let a = why
            .ablate(&text, &Ids, &[Component::Head { layer, head }], AblationMode::Zero, None, None)
            .unwrap();
        let mut zeroed = (*weights).clone();
        zeroed.layers[layer].wo[head * hs * cfg.d_model..(head + 1) * hs * cfg.d_model].fill(0.0);
        let expected = forward_with(&zeroed, &text);
        assert_eq!(a.logit[1], expected[a.target as usize]);
        let probs = softmax_with_temperature(&expected, 1.0);
        assert!(a.after.iter().all(|t| t.p == probs[t.id as usize]));
        assert!(a.kl > 0.0);

        let m = why
            .ablate(&text, &Ids, &[Component::Mlp { layer: 0 }], AblationMode::Zero, None, None)
            .unwrap();
        let mut zeroed = (*weights).clone();
        zeroed.layers[0].w_down.fill(0.0);
        let expected = forward_with(&zeroed, &text);
        assert_eq!(m.logit[1], expected[m.target as usize]);
        // Nothing ablated: the model as it is.
        let none = why.ablate(&text, &Ids, &[], AblationMode::Zero, None, None).unwrap();
        assert_eq!(none.before, none.after);
        assert_eq!(none.kl, 0.0);
    }
}

#[test]
fn mean_ablation_over_one_token_changes_nothing_and_over_more_it_does() {
    let (model, weights) = shipped();
    let mut why = Why::new(weights);
    let all: Vec<Component> = (0..model.config.n_heads)
        .map(|head| Component::Head { layer: 0, head })
        .chain([Component::Mlp { layer: 2 }])
        .collect();
    let text = ids(6, model.config.vocab_size, 4);
    let one = why.ablate(&text[..1], &Ids, &all, AblationMode::Mean, None, None).unwrap();
    assert_eq!(one.before, one.after, "the mean of one row is the row");
    let six = why.ablate(&text, &Ids, &all, AblationMode::Mean, None, None).unwrap();
    assert!(six.kl > 1e-4, "KL {}", six.kl);
    // Reading position 2 ablates with the mean of positions 0..=2 only: a prompt cut there
    // gives the same numbers.
    let at = why.ablate(&text, &Ids, &all, AblationMode::Mean, None, Some(2)).unwrap();
    let cut = why.ablate(&text[..3], &Ids, &all, AblationMode::Mean, None, None).unwrap();
    assert_eq!(at.after, cut.after);
}

#[test]
fn patching_a_prompt_into_itself_changes_nothing() {
    let (model, weights) = shipped();
    let text = ids(7, model.config.vocab_size, 5);
    let mut why = Why::new(weights);
    let (setup, rows) = why.patch(&text, &text, &Ids, None, None).unwrap();
    assert_eq!(setup.logit[0], setup.logit[1]);
    assert_eq!(rows.len(), model.config.n_layers + 1);
    for row in &rows {
        assert_eq!(row.delta_logit.len(), text.len());
        assert!(row.delta_logit.iter().chain(&row.delta_p).all(|d| d.abs() < 1e-6), "{row:?}");
    }
}

#[test]
fn patching_the_last_stream_at_the_read_position_gives_the_source_run() {
    let (model, weights) = shipped();
    let clean = ids(7, model.config.vocab_size, 6);
    let mut source = clean.clone();
    source[3] = (source[3] + 1) % model.config.vocab_size as u32;
    let mut why = Why::new(weights);
    let (setup, rows) = why.patch(&clean, &source, &Ids, None, None).unwrap();
    let last = rows.last().unwrap();
    let whole = setup.logit[1] - setup.logit[0];
    assert!((last.delta_logit[6] - whole).abs() < 1e-4, "{} vs {whole}", last.delta_logit[6]);
    // Before the changed token both prompts are the same text: patching there does nothing.
    for row in &rows {
        assert!(row.delta_logit[..3].iter().all(|d| d.abs() < 1e-6), "{row:?}");
    }
    // At the embedding, patching the changed token carries all of the change through the model.
    assert!((rows[0].delta_logit[3] - whole).abs() < 1e-4);
    // Reading an earlier position: the cells after it stay 0.
    let (_, rows) = why.patch(&clean, &source, &Ids, None, Some(4)).unwrap();
    assert!(rows.iter().all(|r| r.delta_logit[5..].iter().all(|&d| d == 0.0)));
}

#[test]
fn bad_input_is_refused_by_name() {
    let (model, weights) = tiny();
    let v = model.config.vocab_size as u32;
    let mut why = Why::new(weights);
    assert_eq!(why.lens(&[], &Ids).unwrap_err(), WhyError::Empty);
    let long = ids(MAX_WHY_TOKENS + 1, v as usize, 0);
    assert!(matches!(why.lens(&long, &Ids), Err(WhyError::TooLong { tokens: 25, max: 24 })));
    assert_eq!(why.lens(&[1, v], &Ids).unwrap_err(), WhyError::Id { id: v, vocab: v as usize });
    assert!(matches!(
        why.attribution(&[1, 2], &Ids, None, Some(2)),
        Err(WhyError::Position { position: 2, tokens: 2 })
    ));
    assert!(matches!(why.attribution(&[1, 2], &Ids, Some(v + 3), None), Err(WhyError::Id { .. })));
    let head = Component::Head { layer: 0, head: model.config.n_heads };
    assert!(matches!(
        why.ablate(&[1, 2], &Ids, &[head], AblationMode::Zero, None, None),
        Err(WhyError::Component(_))
    ));
    assert!(matches!(
        why.patch(&[1, 2], &[1, 2, 3], &Ids, None, None),
        Err(WhyError::Lengths { clean: 2, from: 3 })
    ));
    assert_eq!(Component::parse("3.1").unwrap(), Component::Head { layer: 3, head: 1 });
    assert_eq!(Component::parse("2.MLP").unwrap(), Component::Mlp { layer: 2 });
    assert!(Component::parse("x").is_err());
    assert!(Component::parse("1.").is_err());
}
