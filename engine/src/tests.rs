//! The messages through JSON and back, old pages' messages, and the text cuts.

mod replies;

use crate::*;
use tumbler_model::data::Document;
use tumbler_model::gpt::Array;

fn ask(id: u32, query: Query) -> Request {
    Request::Ask { id, query }
}

fn load(model: Model, status: LoadStatus) -> Reply {
    Reply::Load { model, status }
}

fn answer(id: u32, answer: impl Into<Answer>) -> Reply {
    Reply::Answer { id, answer: answer.into() }
}

fn step(id: u32, step: impl Into<Step>) -> Reply {
    Reply::Step { id, step: step.into() }
}

#[test]
fn messages_round_trip_through_json() {
    let requests = [
        Request::Load {
            backend: Backend::Webgpu,
            urls: ModelUrls {
                config: "http://x/c.json".into(),
                weights: "http://x/m.safetensors".into(),
                tokenizer: "http://x/t.json".into(),
            },
            chat: Some(ModelUrls {
                config: "http://x/chat/c.json".into(),
                weights: "http://x/chat/m.safetensors".into(),
                tokenizer: "http://x/t.json".into(),
            }),
        },
        ask(
            11,
            Query::Chat {
                model: Model::Chat,
                messages: vec![
                    ChatMessage { role: Role::User, text: "Hi <|im_end|>".into() },
                    ChatMessage { role: Role::Assistant, text: "Hello.".into() },
                    ChatMessage { role: Role::User, text: "Who is Orson Kovats?".into() },
                ],
                options: GenerateOptions {
                    max_tokens: 48,
                    temperature: 0.0,
                    seed: 1,
                    top_k: None,
                    top_p: 1.0,
                },
            },
        ),
        Request::Ask { id: 3, query: Query::Trace { text: "the cat <b>".into() } },
        ask(
            4,
            Query::Generate {
                prompt: "Once".into(),
                options: GenerateOptions {
                    max_tokens: 8,
                    temperature: 0.0,
                    seed: 7,
                    top_k: Some(5),
                    top_p: 0.9,
                },
            },
        ),
        Request::Ask { id: 5, query: Query::Next { text: "é\u{0}<script>".into() } },
        Request::Ask { id: 6, query: Query::Loss { text: "The cat".into() } },
        Request::Ask {
            id: 6,
            query: Query::AnswerLoss {
                contexts: vec!["A passage.".into(), String::new()],
                answer: " The answer".into(),
            },
        },
        ask(
            7,
            Query::Pipeline {
                documents: vec![Document {
                    id: "a".into(),
                    source: "test".into(),
                    url: Some("https://example.org/<b>".into()),
                    html: true,
                    text: "<p>caf\u{e9}</p>".into(),
                }],
            },
        ),
        ask(
            8,
            Query::Encode {
                encoding: tumbler_model::tokenizer::EncodingName::Cl100kBase,
                pieces: vec![crate::TextPiece::text("Hi"), crate::TextPiece::special("<|im_end|>")],
                keep: 10,
            },
        ),
        ask(9, Query::Vocab { encoding: tumbler_model::tokenizer::EncodingName::Tumbler }),
        ask(
            10,
            Query::BpeMerges {
                encoding: tumbler_model::tokenizer::EncodingName::O200kBase,
                text: "Hi".into(),
            },
        ),
        ask(
            11,
            Query::FitPrompt {
                sources: vec![("A".into(), "text".into())],
                question: "Why?".into(),
                budget: 100,
            },
        ),
        Request::Stop { id: 4 },
        Request::Ask { id: 5, query: Query::Embeddings { text: "king queen".into() } },
        Request::Ask { id: 6, query: Query::KvCompare { prompt: "Once".into(), max_tokens: 16 } },
        Request::Ask { id: 7, query: Query::ForwardTimes { lengths: vec![8, 256], repeats: 5 } },
        Request::Ask { id: 8, query: Query::Permutation { text: "a b c".into(), seed: 3 } },
        Request::Ask { id: 9, query: Query::Gates { text: "a b".into(), position: Some(1) } },
        Request::Ask { id: 10, query: Query::Gates { text: "a b".into(), position: None } },
        ask(
            11,
            Query::Learn {
                text: "Emma Woodhouse".into(),
                prompt: "Emma".into(),
                steps: 300,
                sample_every: 10,
                seed: 1,
            },
        ),
        ask(
            11,
            Query::OwnTrain {
                text: "Ünïcödé <script>\u{0}\n".into(),
                preset: "tiny".into(),
                source: "notes.txt".into(),
                seed: 1,
            },
        ),
        ask(11, Query::OwnResume),
        Request::Ask { id: 12, query: Query::Weights { layer: 1, matrix: "mlp.w_up".into() } },
        Request::Ask { id: 12, query: Query::TokenTexts { ids: vec![0, 4095] } },
        Request::DestroyGpu,
        ask(
            13,
            Query::DpoScore {
                prompt: "Hi?".into(),
                chosen: "Hello.".into(),
                rejected: "<b>No</b>".into(),
                beta: 0.1,
            },
        ),
        ask(
            14,
            Query::DpoTrain {
                prompt: "Hi?".into(),
                chosen: "Hello.".into(),
                rejected: "No.".into(),
                beta: 0.5,
                lr: 3e-5,
                steps: 8,
                reply_tokens: 32,
            },
        ),
        ask(
            15,
            Query::Rlhf {
                pairs: tumbler_model::rlhf::PreferencePair::shipped(),
                prompts: vec!["Hi?".into()],
                rm_steps: 200,
                options: tumbler_model::rlhf::SampleOptions::PAGE,
                dictionary: "https://example.org/words.tgv".into(),
            },
        ),
        ask(
            16,
            Query::Open {
                name: "my-llama".into(),
                urls: ModelUrls {
                    config: "blob:http://localhost/1".into(),
                    weights: "blob:http://localhost/2".into(),
                    tokenizer: "blob:http://localhost/3".into(),
                },
            },
        ),
        ask(17, Query::UseShipped),
    ];
    for r in requests {
        assert_eq!(serde_json::from_str::<Request>(&r.to_json()).unwrap(), r);
    }
    for r in replies::every_kind() {
        assert_eq!(serde_json::from_str::<Reply>(&r.to_json()).unwrap(), r);
    }
    assert!(Request::Stop { id: 1 }.to_json().contains(r#""type":"Stop""#));
    assert_eq!(serde_json::to_string(&Backend::Webgpu).unwrap(), r#""webgpu""#);
    assert_eq!(serde_json::to_string(&DoneReason::EndOfTurn).unwrap(), r#""end_of_turn""#);
}

#[test]
fn a_load_without_a_chat_model_still_reads() {
    // A page built before the chat model existed sends no `chat` field.
    let old =
        r#"{"type":"Load","backend":"cpu","urls":{"config":"c","weights":"w","tokenizer":"t"}}"#;
    let Request::Load { chat, .. } = serde_json::from_str(old).unwrap() else {
        panic!("a Load request")
    };
    assert_eq!(chat, None);
    let chat = r#"{"type":"Ask","id":1,"query":{"kind":"Chat","model":"base",
        "messages":[{"role":"user","text":"Hi"}],"options":{"max_tokens":4,"temperature":0,"seed":0}}}"#;
    let Request::Ask { query: Query::Chat { model, messages, .. }, .. } =
        serde_json::from_str(chat).unwrap()
    else {
        panic!("a Chat question")
    };
    assert_eq!((model, messages[0].role), (Model::Base, Role::User));
}

#[test]
fn generate_options_default_to_no_filter() {
    // A page built before top-k/top-p existed still sends a valid request.
    let old = r#"{"max_tokens":4,"temperature":0.5,"seed":1}"#;
    let options: GenerateOptions = serde_json::from_str(old).unwrap();
    assert_eq!(options.top_k, None);
    assert_eq!(options.top_p, 1.0);
}

#[test]
fn head_and_tail_cut_at_character_boundaries() {
    assert_eq!(head("abc", 10), "abc");
    assert_eq!(tail("abc", 10), "abc");
    // "é" is two bytes: a cut through it moves to the nearest whole character inside.
    assert_eq!(head("aéb", 2), "a");
    assert_eq!(tail("aéb", 2), "b");
    assert_eq!(head("aéb", 3), "aé");
    assert_eq!(tail("aéb", 3), "éb");
    assert_eq!(head("🙂🙂", 5), "🙂");
    assert_eq!(tail("🙂🙂", 5), "🙂");
    assert_eq!(head("🙂", 3), "");
}

#[test]
fn mean_loss_is_the_average_and_names_are_found() {
    let loss = TokenLosses {
        ids: vec![1, 2, 3],
        tokens: vec!["a".into(), "b".into(), "c".into()],
        total_tokens: 3,
        losses: vec![1.0, 2.0],
        expected: vec![],
        millis: 0.0,
    };
    assert_eq!(loss.mean(), 1.5);
    assert!(TokenLosses { losses: vec![], ..loss }.mean().is_nan());
    let next = NextLogits {
        ids: vec![],
        tokens: vec![],
        total_tokens: 0,
        logits: vec![0.0; 3],
        top: vec![TopToken { id: 2, text: "x".into(), p: 0.5 }],
        millis: 0.0,
    };
    assert_eq!(next.name(2), Some("x"));
    assert_eq!(next.name(1), None);
}

#[test]
fn every_reply_says_which_question_it_ends() {
    let done = Reply::Done { id: 4, reason: DoneReason::Stopped };
    let failed = Reply::Failed { id: Some(5), message: "x".into() };
    let token = GeneratedToken {
        step: 0,
        token: TopToken { id: 1, text: "a".into(), p: 0.5 },
        top: vec![],
        generated: "a".into(),
        millis: 1.0,
    };
    assert_eq!(done.question(), Some((4, true)));
    assert_eq!(failed.question(), Some((5, true)));
    assert_eq!(step(6, token.clone()).question(), Some((6, false)));
    assert_eq!(answer(7, weights()).question(), Some((7, true)));
    assert_eq!(Reply::Started.question(), None);
    assert_eq!(Reply::Failed { id: None, message: "x".into() }.question(), None);
    // An answer comes out as its own type, and only as that type.
    let Reply::Step { step, .. } = step(6, token.clone()) else { unreachable!() };
    assert_eq!(GeneratedToken::try_from(step.clone()), Ok(token));
    assert!(KvStep::try_from(step).is_err());
    assert!(!Query::Pipeline { documents: vec![] }.needs_model());
    assert!(Query::Loss { text: "a".into() }.needs_model());
    assert!(!Query::OwnResume.needs_model());
}

fn weights() -> WeightMatrix {
    WeightMatrix { name: "w".into(), values: Array::new(vec![1], vec![0.5]), model_params: 1 }
}
