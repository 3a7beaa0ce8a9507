//! Each question of [`Inspector`] against the model's own forward pass and loss, on flex with a
//! small seeded model and the Tumbler's tokenizer.

use burn::tensor::Device;

use super::*;
use crate::generate::Vocab;
use crate::gpt::{Tumbler, TumblerConfig, ids_tensor};
use crate::tokenizer::Encoding;

const TEXT: &str = "Once upon a time there was a little fox who loved the river.";

fn setup() -> (Tumbler, Encoding) {
    let path = crate::repo_file("public/model/tokenizer.json");
    let encoding = Encoding::from_tokenizer_json(&std::fs::read(path).unwrap()).unwrap();
    let config = TumblerConfig::toy(encoding.vocab_size());
    (Tumbler::init(&config, 3, &Device::flex()).unwrap(), encoding)
}

fn full_logits(model: &Tumbler, ids: &[u32]) -> Vec<f32> {
    model.forward(ids_tensor(ids, &Device::flex())).into_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn losses_average_to_the_models_training_loss() {
    let (model, encoding) = setup();
    let inspect = Inspector::new(&model, &encoding);
    let losses = resolve(inspect.losses(TEXT)).unwrap();
    let ids = encoding.encode(TEXT);
    assert_eq!(losses.ids, ids);
    assert_eq!(losses.losses.len(), ids.len() - 1);
    let n = ids.len();
    let trained = model
        .loss(ids_tensor(&ids[..n - 1], &Device::flex()), ids_tensor(&ids[1..], &Device::flex()))
        .into_scalar::<f32>();
    assert!((losses.mean() - f64::from(trained)).abs() < 1e-4, "{} vs {trained}", losses.mean());
    // Each "expected" token is the argmax of its row, with its softmax probability.
    let logits = full_logits(&model, &ids);
    let v = model.config.vocab_size;
    for (i, exp) in losses.expected.iter().enumerate() {
        let row = &logits[i * v..(i + 1) * v];
        assert_eq!(exp.id as usize, crate::sampling::argmax(row));
        let p = crate::sampling::softmax_with_temperature(row, 1.0)[exp.id as usize];
        assert!((exp.p - p).abs() < 1e-5);
    }
    assert_eq!(encoding.encode(" a").len(), 1);
    let one = resolve(inspect.losses(" a")).unwrap_err().to_string();
    assert!(one.contains("at least two tokens"), "{one}");
}

#[test]
fn next_logits_are_the_last_row_of_a_full_pass_over_the_last_context() {
    let (model, encoding) = setup();
    let inspect = Inspector::new(&model, &encoding);
    let long = TEXT.repeat(8);
    let next = resolve(inspect.next(&long)).unwrap();
    let all = encoding.encode(&long);
    let context = model.config.context_length;
    assert!(all.len() > context, "the text must overflow the context");
    assert_eq!(next.total_tokens, all.len());
    assert_eq!(next.ids, all[all.len() - context..]);
    let logits = full_logits(&model, &next.ids);
    assert_eq!(next.logits, logits[logits.len() - model.config.vocab_size..]);
    assert_eq!(next.top.len(), NAMED_NEXT);
    assert!(next.top.windows(2).all(|w| w[0].p >= w[1].p));
    assert!(resolve(inspect.next("")).is_err());
}

#[test]
fn attention_is_cut_to_its_limit_and_every_row_sums_to_one() {
    let (model, encoding) = setup();
    let inspect = Inspector::new(&model, &encoding);
    let long = TEXT.repeat(10);
    let trace = resolve(inspect.attention(&long)).unwrap();
    let t = MAX_TRACE_TOKENS.min(model.config.context_length);
    assert_eq!(trace.ids.len(), t);
    assert_eq!(trace.total_tokens, encoding.encode(&long).len());
    assert_eq!(trace.layers.len(), model.config.n_layers);
    for layer in &trace.layers {
        assert_eq!(layer.shape, [model.config.n_heads, t, t]);
        for h in 0..model.config.n_heads {
            for i in 0..t {
                let row = layer.slice(&[h, i]);
                assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-4);
                assert!(row[i + 1..].iter().all(|&p| p == 0.0), "causal: no look ahead");
            }
        }
    }
    assert_eq!(trace.next.len(), crate::generate::CANDIDATES);
}

#[test]
fn gates_are_the_traced_silu_of_the_chosen_token() {
    let (model, encoding) = setup();
    let inspect = Inspector::new(&model, &encoding);
    let gates = resolve(inspect.gates(TEXT, Some(2))).unwrap();
    let ids = encoding.encode(TEXT);
    let names = ids.iter().map(|&id| encoding.text(id)).collect();
    let trace = model.trace(&ids, names, crate::gpt::TraceOptions::default()).unwrap();
    assert_eq!(gates.gates.shape, [model.config.n_layers, model.config.d_ff]);
    for (l, layer) in trace.layers.iter().enumerate() {
        assert_eq!(gates.gates.slice(&[l]), layer.gate.slice(&[2]));
    }
    let last = resolve(inspect.gates(TEXT, None)).unwrap();
    assert_eq!(last.position, ids.len() - 1);
    let past = resolve(inspect.gates(TEXT, Some(ids.len()))).unwrap_err().to_string();
    assert!(past.contains("past the end"), "{past}");
}

#[test]
fn without_positions_a_shuffle_changes_nothing_but_the_order() {
    let (model, encoding) = setup();
    let inspect = Inspector::new(&model, &encoding);
    let check = resolve(inspect.permutation(TEXT, 5)).unwrap();
    let [off, on] = &check.runs[..] else { panic!("two runs") };
    assert!(!off.positions && on.positions);
    // In layer 0 without positions, a key is its token's embedding alone: the last token's
    // attention over a shuffled text is the same numbers, moved. Rotary positions change them.
    assert!(off.attention_diff < 1e-5, "{}", off.attention_diff);
    assert!(on.attention_diff > 1e-4, "rotary positions make order matter: {}", on.attention_diff);
    assert_eq!(check.order.last(), Some(&(check.tokens.len() - 1)));
    let short = resolve(inspect.permutation("Hi", 1)).unwrap_err().to_string();
    assert!(short.contains("at least three"), "{short}");
}

#[test]
fn weights_are_the_named_parameter_and_bad_names_are_refused() {
    let (model, encoding) = setup();
    let inspect = Inspector::new(&model, &encoding);
    let w = resolve(inspect.weights(1, "mlp.w_gate")).unwrap();
    assert_eq!(w.name, "blocks.1.mlp.w_gate");
    assert_eq!(w.values.shape, [model.config.d_model, model.config.d_ff]);
    assert_eq!(w.model_params, model.config.param_count());
    assert!(resolve(inspect.weights(9, "mlp.w_gate")).is_err());
    assert!(resolve(inspect.weights(0, "mlp.w_nope")).is_err());
}

#[test]
fn the_embedding_map_lists_distinct_tokens_and_their_nearest_others() {
    let (model, encoding) = setup();
    let inspect = Inspector::new(&model, &encoding);
    let space = resolve(inspect.embedding_space()).unwrap();
    assert_eq!(space.len(), encoding.vocab_size());
    let map = inspect.embeddings(&space, "the cat and the dog and the bird").unwrap();
    let ids: Vec<u32> = map.tokens.iter().map(|t| t.id).collect();
    let mut distinct = ids.clone();
    distinct.dedup();
    assert_eq!(ids.len(), distinct.len());
    assert!(map.tokens.len() < map.total_tokens, "repeats are listed once");
    for token in &map.tokens {
        assert_eq!(token.row.len(), model.config.d_model);
        assert_eq!(token.neighbours.len(), NEIGHBOURS);
        assert!(token.neighbours.iter().all(|n| n.id != token.id));
        assert!(token.neighbours.windows(2).all(|w| w[0].cosine >= w[1].cosine));
    }
    assert_eq!(map.points.len(), space.len());
}

#[test]
fn shuffles_keep_the_last_token_and_move_another() {
    for seed in 0..50 {
        for t in 3..10 {
            let order = shuffle_order(t, seed);
            assert_eq!(order[t - 1], t - 1);
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..t).collect::<Vec<_>>());
            assert!(order.iter().enumerate().any(|(i, &o)| i != o), "{order:?}");
        }
    }
    assert_eq!(shuffle_order(6, 1), shuffle_order(6, 1));
}

/// Each answer token's loss is −ln softmax of the full pass over context + answer at the token
/// before it; a context too long for the window loses its start, never the answer.
#[test]
fn answer_losses_are_the_answers_tokens_after_each_context() {
    let (model, encoding) = setup();
    let inspect = Inspector::new(&model, &encoding);
    let answer = " the little fox loved the river.";
    let long = "Once upon a time. ".repeat(200);
    let contexts = vec![TEXT.to_string(), "Nothing here.".to_string(), long.clone()];
    let got = resolve(inspect.answer_losses(&contexts, answer)).unwrap();
    let answer_ids = encoding.encode(answer);
    assert_eq!(got.tokens.len(), answer_ids.len());
    let window = model.config.context_length;
    for (context, scored) in contexts.iter().zip(&got.contexts) {
        let context_ids = encoding.encode(context);
        let dropped = (context_ids.len() + answer_ids.len()).saturating_sub(window);
        assert_eq!(scored.dropped, dropped);
        assert_eq!(scored.context_tokens, context_ids.len() - dropped);
        let ids: Vec<u32> = context_ids[dropped..].iter().chain(&answer_ids).copied().collect();
        assert!(ids.len() <= window);
        let logits = full_logits(&model, &ids);
        let v = model.config.vocab_size;
        assert_eq!(scored.losses.len(), answer_ids.len());
        for (k, &loss) in scored.losses.iter().enumerate() {
            let at = scored.context_tokens - 1 + k;
            let row = &logits[at * v..(at + 1) * v];
            let lse = row.iter().map(|&l| f64::from(l).exp()).sum::<f64>().ln();
            let want = lse - f64::from(row[ids[at + 1] as usize]);
            assert!((f64::from(loss) - want).abs() < 1e-4, "token {k}: {loss} vs {want}");
        }
    }
    assert!(got.contexts[2].dropped > 0, "the long context was cut");
    let too_many = vec![TEXT.to_string(); MAX_CONTEXTS + 1];
    assert!(matches!(
        resolve(inspect.answer_losses(&too_many, answer)),
        Err(InspectError::Input(_))
    ));
    assert!(matches!(resolve(inspect.answer_losses(&contexts, "")), Err(InspectError::Input(_))));
}

#[test]
fn token_texts_are_the_tokenizers_and_a_bad_id_is_named() {
    let (model, encoding) = setup();
    let inspect = Inspector::new(&model, &encoding);
    let ids = encoding.encode(TEXT);
    let texts = inspect.token_texts(&ids).unwrap();
    assert_eq!(texts.ids, ids);
    assert_eq!(texts.texts.concat(), TEXT, "the texts of a text's tokens spell it");
    let v = encoding.vocab_size() as u32;
    let err = inspect.token_texts(&[1, v]).unwrap_err().to_string();
    assert!(err.contains(&format!("token id {v}")), "{err}");
    assert!(inspect.token_texts(&vec![1; MAX_TOKEN_TEXTS + 1]).is_err());
}
