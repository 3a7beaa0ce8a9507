//! One reply of every kind, for the round trip through JSON.

use super::{answer, load, step};
use crate::*;
use tumbler_model::data::{PipelineReport, Verdict};
use tumbler_model::gpt::{Array, TumblerConfig};

/// A reply of every kind the worker sends.
pub fn every_kind() -> Vec<Reply> {
    let trace = AttentionTrace {
        ids: vec![1, 2],
        tokens: vec!["a".into(), "b".into()],
        total_tokens: 2,
        layers: vec![Array::new(vec![1, 2, 2], vec![1.0, 0.0, 0.25, 0.75])],
        next: vec![TopToken { id: 9, text: "c".into(), p: 0.5 }],
        millis: 1.5,
    };
    vec![
        Reply::Started,
        load(
            Model::Base,
            LoadStatus::Progress { file: "model.safetensors".into(), loaded: 10, total: None },
        ),
        load(
            Model::Base,
            LoadStatus::Ready {
                backend: Backend::Cpu,
                config: TumblerConfig::tiny(),
                params: 1,
                note: Some("WebGPU failed".into()),
                opened: Some("foreign-llama".into()),
            },
        ),
        load(Model::Base, LoadStatus::Failed { message: "404".into() }),
        load(
            Model::Chat,
            LoadStatus::Progress { file: "model.safetensors".into(), loaded: 5, total: Some(9) },
        ),
        load(Model::Chat, LoadStatus::Failed { message: "404".into() }),
        Reply::Done { id: 11, reason: DoneReason::EndOfTurn },
        answer(3, trace),
        answer(
            5,
            NextLogits {
                ids: vec![464],
                tokens: vec!["The".into()],
                total_tokens: 1,
                logits: vec![1.5, -2.25, 0.0],
                top: vec![TopToken { id: 0, text: " cat".into(), p: 0.7 }],
                millis: 2.0,
            },
        ),
        answer(
            6,
            TokenLosses {
                ids: vec![1, 2],
                tokens: vec!["The".into(), " cat".into()],
                total_tokens: 3,
                losses: vec![4.5],
                expected: vec![TopToken { id: 7, text: " dog".into(), p: 0.2 }],
                millis: 3.0,
            },
        ),
        Reply::Done { id: 4, reason: DoneReason::EndOfText },
        answer(
            8,
            PipelineRun {
                verdicts: vec![Verdict {
                    id: "a".into(),
                    dropped_at: None,
                    reason: None,
                    duplicate_of: None,
                    text: Some("mail <email>".into()),
                    pii: tumbler_model::data::pii::PiiCounts { emails: 1, ..Default::default() },
                }],
                report: PipelineReport::default(),
                millis: 12.5,
            },
        ),
        answer(
            5,
            EmbeddingMap {
                tokens: vec![EmbeddedToken {
                    id: 2,
                    text: " king".into(),
                    row: vec![0.5, -0.25],
                    point: [1.0, -2.0],
                    neighbours: vec![SimilarToken { id: 3, text: " queen".into(), cosine: 0.75 }],
                }],
                total_tokens: 1,
                points: vec![[0.0, 1.0], [2.0, 3.0]],
                explained: [0.125, 0.0625],
                millis: 3.5,
            },
        ),
        step(
            6,
            KvStep {
                cached: true,
                step: 0,
                token: TopToken { id: 1, text: " upon".into(), p: 0.5 },
                processed: 1,
                cache_bytes: 4096,
                millis: 2.0,
            },
        ),
        step(7, ForwardTime { length: 8, millis: vec![1.0, 1.5] }),
        answer(
            8,
            PermutationCheck {
                tokens: vec!["a".into(), "b".into(), "c".into()],
                order: vec![1, 0, 2],
                runs: vec![PermutationRun {
                    positions: false,
                    original: Array::new(vec![1, 3], vec![0.25, 0.25, 0.5]),
                    shuffled: Array::new(vec![1, 3], vec![0.25, 0.25, 0.5]),
                    attention_diff: 0.0,
                    next_original: vec![TopToken { id: 9, text: "d".into(), p: 0.5 }],
                    next_shuffled: vec![TopToken { id: 9, text: "d".into(), p: 0.5 }],
                    prob_diff: 0.0,
                    last_layer_diff: 0.125,
                }],
            },
        ),
        answer(
            9,
            GateTrace {
                tokens: vec!["a".into(), "b".into()],
                position: 1,
                gates: Array::new(vec![2, 2], vec![0.5, -0.25, 1.0, 0.0]),
            },
        ),
        step(
            11,
            LearnProgress::Start(LearnRun {
                config: TumblerConfig::toy(4096),
                params: 10,
                text_tokens: 1500,
                batch_size: 8,
                seq_len: 32,
                prompt: vec!["Emma".into()],
                sample: LearnSample {
                    step: 0,
                    continuation: " the".into(),
                    next: vec![TopToken { id: 3, text: " the".into(), p: 0.001 }],
                },
            }),
        ),
        step(
            11,
            LearnProgress::Step(LearnStep { step: 1, loss: 8.25, millis: 40.5, sample: None }),
        ),
        answer(
            12,
            WeightMatrix {
                name: "blocks.1.mlp.w_up".into(),
                values: Array::new(vec![1, 2], vec![0.5, -0.25]),
                model_params: 99,
            },
        ),
        Reply::Failed { id: None, message: "bad".into() },
        answer(
            16,
            OpenedModel {
                name: Some("foreign-llama".into()),
                config: TumblerConfig::tiny(),
                params: 9,
                naming: "Llama".into(),
                file_bytes: 120,
                millis: 8.5,
                note: None,
            },
        ),
        step(
            15,
            RlhfProgress::Rm(tumbler_model::rlhf::RmStep { step: 10, loss: 0.5, accuracy: 0.75 }),
        ),
        step(
            15,
            RlhfProgress::Trained(RlhfTrained { pair_rewards: vec![[1.5, -2.0]], millis: 9.0 }),
        ),
        step(
            15,
            RlhfProgress::Reply(RlhfReply {
                prompt: 1,
                index: 3,
                candidate: tumbler_model::rlhf::Candidate {
                    text: "Green".into(),
                    tokens: 2,
                    reward: 0.25,
                    quality: 1.0,
                },
                millis: 60.0,
            }),
        ),
        answer(20, VocabLoaded::Ready { vocab_size: 100_277 }),
        answer(20, VocabLoaded::Missing),
        step(20, VocabStep::Download { received: 10, total: Some(1_700_000) }),
        step(20, VocabStep::Parsing),
        step(21, EncodeProgress { bytes: 16_384 }),
        answer(
            21,
            Encoded {
                pieces: vec![EncodedPiece {
                    count: 3,
                    tokens: vec![Token { id: 13347, bytes: b"Hi".to_vec() }],
                }],
                slices: 1,
            },
        ),
        answer(
            22,
            FittedPrompt {
                fitted: tumbler_model::chat::Fitted {
                    prompt: "[1] (A) text\n\nWhy?".into(),
                    sources: 1,
                    cut: false,
                },
                tokens: 12,
                fits: true,
            },
        ),
    ]
}
