//! A model trained on the reader's own text, exported by the code the page's worker runs
//! ([`OwnRun::export`]), loads with the loader `tumbler sample` and `tumbler eval` use, and the
//! CLI computes what the page computed.

use tumbler_model::learn::own::OwnRun;
use tumbler_model::own::EXPORT_FILES;

use crate::engine::{Backend, Engine, ModelArgs};
use crate::eval;
use crate::sample::{Request, generate};
use tumbler_model::chat::Role;
use tumbler_model::generate::{GenerateOptions, Vocab};

#[test]
fn an_exported_model_loads_in_the_cli_and_answers_as_in_the_page() {
    let sample: serde_json::Value = serde_json::from_slice(
        &std::fs::read(tumbler_model::repo_file("public/samples/austen.json")).unwrap(),
    )
    .unwrap();
    let text = sample["text"].as_str().unwrap();
    let mut run = OwnRun::new(text, "tiny", 3, "austen").unwrap();
    for _ in 0..40 {
        run.step();
    }
    let dir = std::env::temp_dir().join(format!("tumbler-own-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = run.export().unwrap();
    assert_eq!(files.iter().map(|(n, _)| *n).collect::<Vec<_>>(), EXPORT_FILES);
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }

    let engine =
        Engine::load(&ModelArgs { model: dir.clone(), model_seed: 0, backend: Backend::Flex })
            .unwrap();
    assert_eq!(&engine.model.config, run.config());
    // The same tokenizer: the page's ids for the text are the CLI's.
    assert_eq!(engine.codec.encode(text), run.run().tokens());

    // The same weights: the CLI's greedy continuation of the prompt is the page's.
    let (_, page_continuation) = run.sample(5, 12);
    let turns = [(Role::User, run.state().prompt.clone())];
    let request = Request {
        turns: &turns,
        chat: false,
        options: GenerateOptions::greedy(12),
        kv_cache: true,
    };
    let mut ids = Vec::new();
    generate(&engine, &request, |t| {
        ids.push(t.id);
        Ok(())
    })
    .unwrap();
    assert_eq!(engine.codec.decode_lossy(&ids), page_continuation);

    // `tumbler eval` scores the text it learnt from: below a uniform guess, ln V nats per token.
    let score = eval::measure(&engine, text, 8).unwrap();
    let uniform = (run.config().vocab_size as f64).ln();
    assert!(score.loss < uniform - 0.5, "loss {} against ln V = {uniform}", score.loss);
    std::fs::remove_dir_all(&dir).unwrap();
}
