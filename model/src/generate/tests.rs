//! The stepper against a full forward pass, its endings and its budget, on flex with a tiny seeded
//! model.

use burn::tensor::Device;

use super::*;
use crate::gpt::{Tumbler, TumblerConfig, ids_tensor};
use crate::sampling::{argmax, softmax_with_temperature};

const PROMPT: [u32; 5] = [5, 17, 250, 3, 99];

fn tiny() -> Tumbler {
    Tumbler::init(&TumblerConfig::tiny(), 7, &Device::flex()).unwrap()
}

fn tumbler_encoding() -> Encoding {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../public/model/tokenizer.json");
    Encoding::from_tokenizer_json(&std::fs::read(path).unwrap()).unwrap()
}

/// Steps `run` to its end: the tokens it generated and why it ended.
fn run_to_end(model: &Tumbler, mut run: Generation) -> (Vec<Token>, DoneReason) {
    let mut tokens = Vec::new();
    loop {
        match run.step(model).unwrap() {
            Step::Token(token) => tokens.push(token),
            Step::Done(reason) => return (tokens, reason),
        }
    }
}

fn ids(tokens: &[Token]) -> Vec<u32> {
    tokens.iter().map(|t| t.id).collect()
}

/// The last position's logits of one full forward pass over `ids`, without any cache, (V).
fn full_last_logits(model: &Tumbler, ids: &[u32]) -> Vec<f32> {
    let logits = model.forward(ids_tensor(ids, &Device::flex())); // (1, T, V)
    let v = model.config.vocab_size;
    let all = logits.into_data().try_to_vec::<f32>().unwrap();
    all[all.len() - v..].to_vec()
}

#[test]
fn greedy_steps_are_the_argmax_of_a_full_forward_pass() {
    let model = tiny();
    let run = Generation::new(&model, PROMPT.to_vec(), &GenerateOptions::greedy(12), vec![]);
    let (tokens, reason) = run_to_end(&model, run.unwrap());
    assert_eq!(reason, DoneReason::Length);
    assert_eq!(tokens.len(), 12);
    let mut text = PROMPT.to_vec();
    for token in &tokens {
        let logits = full_last_logits(&model, &text);
        assert_eq!(token.id, argmax(&logits) as u32, "step {}", token.step);
        let p = softmax_with_temperature(&logits, 1.0)[token.id as usize];
        assert!((token.p - p).abs() < 1e-5, "step {}: p {} vs {p}", token.step, token.p);
        assert_eq!(token.top[0], (token.id, token.p), "greedy takes the top candidate");
        assert_eq!(token.top.len(), CANDIDATES);
        text.push(token.id);
    }
    // With the cache a step reads the prompt, then one token; without, everything so far.
    let reads: Vec<usize> = tokens.iter().map(|t| t.read).collect();
    assert_eq!(reads[..3], [5, 1, 1]);
    let run = Generation::new(&model, PROMPT.to_vec(), &GenerateOptions::greedy(12), vec![]);
    let (uncached, _) = run_to_end(&model, run.unwrap().without_cache());
    assert_eq!(ids(&uncached), ids(&tokens));
    assert_eq!(uncached.iter().map(|t| t.read).collect::<Vec<_>>()[..3], [5, 6, 7]);
}

/// Untrained, the model's greedy choice is mostly its last token again; sampling walks through
/// varied tokens, and each step's distribution must still be the full pass's.
#[test]
fn sampled_steps_report_the_distribution_of_a_full_forward_pass() {
    let model = tiny();
    let options = GenerateOptions { temperature: 0.8, seed: 5, ..GenerateOptions::greedy(12) };
    let run = Generation::new(&model, PROMPT.to_vec(), &options, vec![]).unwrap();
    let (tokens, _) = run_to_end(&model, run);
    let mut distinct = ids(&tokens);
    distinct.sort_unstable();
    distinct.dedup();
    assert!(distinct.len() > 3, "varied tokens: {:?}", ids(&tokens));
    let mut text = PROMPT.to_vec();
    for token in &tokens {
        let probs = softmax_with_temperature(&full_last_logits(&model, &text), 0.8);
        let top = top_ids(&probs, CANDIDATES);
        assert_eq!(token.top.iter().map(|&(id, _)| id).collect::<Vec<_>>(), top);
        let p = probs[token.id as usize];
        assert!((token.p - p).abs() < 1e-5, "step {}: p {} vs {p}", token.step, token.p);
        text.push(token.id);
    }
}

#[test]
fn a_stop_token_ends_the_run_and_is_left_out() {
    let model = tiny();
    // Sampled, so the untrained model writes different tokens (greedy, it repeats one); the seed
    // draws the same ones again.
    let options = GenerateOptions { temperature: 1.0, seed: 1, ..GenerateOptions::greedy(8) };
    let run = Generation::new(&model, PROMPT.to_vec(), &options, vec![]).unwrap();
    let (free, _) = run_to_end(&model, run);
    // Pretend a later token (one not written before it) is end-of-text: the tokens before it come
    // out, then the ending.
    let k = (1..free.len()).find(|&k| free[..k].iter().all(|t| t.id != free[k].id)).unwrap();
    let stops = vec![(free[k].id, DoneReason::EndOfText)];
    let mut run = Generation::new(&model, PROMPT.to_vec(), &options, stops).unwrap();
    let mut out = Vec::new();
    let reason = loop {
        match run.step(&model).unwrap() {
            Step::Token(token) => out.push(token),
            Step::Done(reason) => break reason,
        }
    };
    assert_eq!(reason, DoneReason::EndOfText);
    assert_eq!(out, free[..k]);
    assert_eq!(run.generated(), ids(&free[..k]));
    assert_eq!(run.done(), Some(DoneReason::EndOfText));
    assert_eq!(run.step(&model).unwrap(), Step::Done(DoneReason::EndOfText), "it stays ended");
}

#[test]
fn the_tumbler_stops_at_end_of_text_and_chat_at_end_of_turn() {
    let enc = tumbler_encoding();
    let end_of_text = chat::special_id(&enc, END_OF_TEXT).unwrap();
    let im_end = chat::special_id(&enc, IM_END).unwrap();
    assert_eq!(stop_tokens(&enc, false), [(end_of_text, DoneReason::EndOfText)]);
    assert_eq!(
        stop_tokens(&enc, true),
        [(end_of_text, DoneReason::EndOfText), (im_end, DoneReason::EndOfTurn)]
    );
    // The tokenizer's own ids: what the e2e tests know them as.
    assert_eq!((end_of_text, im_end), (0, 2));
}

#[test]
fn length_context_and_stop_end_a_run_in_that_order() {
    let model = tiny();
    let context = model.config.context_length;
    // Room for 3 tokens: asking for 3 ends by length, asking for more by the context.
    let long: Vec<u32> = (0..context as u32 - 3).map(|i| i % 200).collect();
    let run = Generation::new(&model, long.clone(), &GenerateOptions::greedy(3), vec![]);
    assert_eq!(run_to_end(&model, run.unwrap()).1, DoneReason::Length);
    let run = Generation::new(&model, long, &GenerateOptions::greedy(10), vec![]);
    let (tokens, reason) = run_to_end(&model, run.unwrap());
    assert_eq!((tokens.len(), reason), (3, DoneReason::Context));

    let start = |max_tokens| {
        Generation::new(&model, PROMPT.to_vec(), &GenerateOptions::greedy(max_tokens), vec![])
    };
    let mut run = start(1).unwrap();
    run.stop();
    assert_eq!(run.step(&model).unwrap(), Step::Done(DoneReason::Stopped));
    let mut zero = start(0).unwrap();
    zero.stop();
    assert_eq!(zero.done(), Some(DoneReason::Length), "a finished run stays finished as it was");
}

#[test]
fn prompts_that_leave_no_room_are_refused() {
    let model = tiny();
    let options = GenerateOptions::greedy(4);
    let err = Generation::new(&model, vec![], &options, vec![]).unwrap_err();
    assert!(matches!(err, GenerateError::EmptyPrompt));
    let full = vec![1; model.config.context_length];
    let err = Generation::new(&model, full, &options, vec![]).unwrap_err();
    assert_eq!(err.to_string(), "the prompt is 64 tokens; the context holds 64");
    let bad = GenerateOptions { temperature: -1.0, ..options };
    let err = Generation::new(&model, PROMPT.to_vec(), &bad, vec![]).unwrap_err();
    assert!(matches!(err, GenerateError::Sampling(_)), "{err}");
}

#[test]
fn a_seeded_sampled_run_repeats_exactly() {
    let model = tiny();
    let sample = |seed| {
        let options =
            GenerateOptions { max_tokens: 16, temperature: 1.2, seed, top_k: Some(40), top_p: 0.9 };
        let run = Generation::new(&model, PROMPT.to_vec(), &options, vec![]).unwrap();
        run_to_end(&model, run).0
    };
    let first = sample(3);
    assert_eq!(first.len(), 16);
    assert_eq!(sample(3), first, "ids, probabilities and candidates");
    assert_ne!(ids(&sample(4)), ids(&first));
}

#[test]
fn a_restarted_run_reads_everything_again_and_goes_on_the_same() {
    let model = tiny();
    let options = GenerateOptions::greedy(6);
    let (straight, _) =
        run_to_end(&model, Generation::new(&model, PROMPT.to_vec(), &options, vec![]).unwrap());
    let mut run = Generation::new(&model, PROMPT.to_vec(), &options, vec![]).unwrap();
    let mut out = Vec::new();
    for _ in 0..3 {
        let Step::Token(token) = run.step(&model).unwrap() else { panic!("ended early") };
        out.push(token.id);
    }
    run.restart();
    let Step::Token(token) = run.step(&model).unwrap() else { panic!("ended early") };
    assert_eq!(token.read, PROMPT.len() + 3);
    out.push(token.id);
    assert_eq!(out, ids(&straight[..4]));
}

#[test]
fn the_chat_budget_leaves_room_for_the_reply_but_keeps_half_the_context() {
    assert_eq!(chat_prompt_budget(256, 64), 192);
    assert_eq!(chat_prompt_budget(256, 0), 256);
    assert_eq!(chat_prompt_budget(256, 1000), 128);
    let enc = tumbler_encoding();
    let long = "word ".repeat(40);
    let turns = [(Role::User, long.as_str()), (Role::Assistant, "Sure."), (Role::User, "Hi?")];
    let all = chat_prompt(&enc, &turns, 256, 16).unwrap();
    let short = chat_prompt(&enc, &turns, 64, 48).unwrap();
    assert!(
        short.len() <= 32 && short.len() < all.len(),
        "{} of {} tokens",
        short.len(),
        all.len()
    );
    assert!(all.ends_with(&short), "the oldest turns were left out, the last kept whole");
}

#[test]
fn candidates_are_sorted_and_named() {
    let top = top_tokens(&[0.1, 0.5, 0.1, 0.3], 3, |id| format!("t{id}"));
    let ids: Vec<u32> = top.iter().map(|t| t.id).collect();
    assert_eq!(ids, vec![1, 3, 0], "ties keep the smaller id first");
    assert_eq!(top[0].text, "t1");
    let enc = tumbler_encoding();
    let hello = enc.encode("Hello");
    assert_eq!(enc.decode_lossy(&hello), "Hello");
    // A byte-level BPE has a token for each byte: one holding part of a character is spelled
    // byte by byte.
    let split = (0..enc.vocab_size() as u32)
        .find(|&id| enc.token_bytes(id).is_some_and(|b| std::str::from_utf8(b).is_err()))
        .expect("a token that is not UTF-8 on its own");
    assert!(enc.text(split).starts_with("<0x"), "{}", enc.text(split));
}

#[test]
fn fused_steps_choose_the_tokens_burn_steps_choose() {
    use crate::decode::{CpuDecoder, DecodeWeights};
    let model = tiny();
    let weights = std::sync::Arc::new(DecodeWeights::read_cpu(&model).unwrap());
    let mut decoder = CpuDecoder::new(weights);
    let sampled =
        GenerateOptions { max_tokens: 24, temperature: 0.9, seed: 11, top_k: Some(40), top_p: 0.9 };
    for options in [GenerateOptions::greedy(24), sampled] {
        for cached in [true, false] {
            let new = || Generation::new(&model, PROMPT.to_vec(), &options, vec![]).unwrap();
            let (burn, _) = run_to_end(&model, if cached { new() } else { new().without_cache() });
            let mut run = if cached { new() } else { new().without_cache() };
            // A fresh cache: the decoder would otherwise reuse the prompt the last run read.
            decoder.truncate(0);
            let mut fused = Vec::new();
            while let Step::Token(token) = run.step_fused(&mut decoder).unwrap() {
                fused.push(token);
            }
            assert_eq!(ids(&fused), ids(&burn), "cached: {cached}, options: {options:?}");
            for (f, b) in fused.iter().zip(&burn) {
                assert_eq!(f.read, b.read, "tokens read at step {}", f.step);
                assert!((f.p - b.p).abs() < 1e-5, "p at step {}: {} vs {}", f.step, f.p, b.p);
            }
        }
    }
}

/// The one-pass selection picks what a stable sort by decreasing value would put first, with ties
/// (many, from a coarse grid of values), zeros, infinities and every `n` up to past the length.
#[test]
fn top_ids_equal_the_first_of_a_stable_sort() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..400 {
        let len = 1 + (next() % 40) as usize;
        let probs: Vec<f32> = (0..len)
            .map(|_| match next() % 10 {
                0 => 0.0,
                1 if round % 7 == 0 => f32::INFINITY,
                _ => (next() % 6) as f32 / 8.0,
            })
            .collect();
        let mut sorted: Vec<u32> = (0..len as u32).collect();
        sorted.sort_by(|&a, &b| probs[b as usize].total_cmp(&probs[a as usize]));
        for n in 0..=len + 2 {
            let want: Vec<u32> = sorted.iter().copied().take(n).collect();
            assert_eq!(top_ids(&probs, n), want, "{probs:?}, n = {n}");
        }
    }
}
