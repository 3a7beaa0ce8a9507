//! The text worker: the pre-training data chapter's corpus pipeline (`tumbler corpus`'s stages,
//! on the reader's sample documents) and the tokenizers every chapter that shows token ids asks
//! ([`tumbler_engine::text`]), in a worker of their own. Both need a regex engine (the PII stage,
//! the split patterns of GPT-2's and GPT-4o's encodings), ~0.1 MB of compressed wasm that neither
//! the engine worker nor the page carries; and a vocabulary parsed here (1.7 MB for GPT-4's)
//! never holds the page's thread. It has no model and no burn; the page starts it on the first
//! question for it ([`Query::for_text_worker`]).
//!
//! Questions are answered one at a time, in order, so a question about a vocabulary waits for
//! the download that an earlier one started.

#[cfg(target_arch = "wasm32")]
#[path = "worker/io.rs"]
#[allow(dead_code)]
mod io;

#[cfg(target_arch = "wasm32")]
mod run {
    use std::cell::RefCell;
    use std::collections::{HashMap, VecDeque};
    use std::rc::Rc;

    use tumbler_engine::fetch::{self, FetchError};
    use tumbler_engine::{
        Answer, EncodeProgress, FittedPrompt, PipelineRun, Query, Reply, Request, VocabLoaded,
        VocabStep, text,
    };
    use tumbler_model::chat;
    use tumbler_model::data::Pipeline;
    use tumbler_model::tokenizer::{Encoding, EncodingName};
    use wasm_bindgen::prelude::*;
    use web_sys::MessageEvent;

    use super::io;

    /// What the worker keeps between questions.
    #[derive(Default)]
    struct Tools {
        pipeline: Pipeline,
        vocabs: HashMap<EncodingName, Encoding>,
    }

    /// The questions not yet answered, and whether a task is answering them.
    #[derive(Default)]
    struct Queue {
        waiting: VecDeque<(u32, Query)>,
        busy: bool,
    }

    pub fn main() {
        std::panic::set_hook(Box::new(|info| {
            web_sys::console::error_1(&format!("tumbler text worker panicked: {info}").into());
        }));
        let tools = Rc::new(RefCell::new(Tools::default()));
        let queue = Rc::new(RefCell::new(Queue::default()));
        let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(text) = event.data().as_string() else { return };
            match serde_json::from_str::<Request>(&text) {
                Ok(Request::Ask { id, query }) => {
                    queue.borrow_mut().waiting.push_back((id, query));
                    if !queue.borrow().busy {
                        queue.borrow_mut().busy = true;
                        wasm_bindgen_futures::spawn_local(drain(tools.clone(), queue.clone()));
                    }
                }
                Ok(_) => {}
                Err(e) => io::post(&Reply::Failed {
                    id: None,
                    message: format!("the text worker could not read a request: {e}"),
                }),
            }
        });
        io::scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
        // The handler lives as long as the worker.
        handler.forget();
        io::post(&Reply::Started);
    }

    async fn drain(tools: Rc<RefCell<Tools>>, queue: Rc<RefCell<Queue>>) {
        loop {
            let Some((id, query)) = queue.borrow_mut().waiting.pop_front() else {
                queue.borrow_mut().busy = false;
                return;
            };
            let reply = match answer(&tools, id, query).await {
                Ok(answer) => Reply::Answer { id, answer },
                Err(message) => Reply::Failed { id: Some(id), message },
            };
            io::post(&reply);
        }
    }

    async fn answer(tools: &RefCell<Tools>, id: u32, query: Query) -> Result<Answer, String> {
        Ok(match query {
            Query::Pipeline { documents } => {
                let started = io::now();
                let (verdicts, report) = tools.borrow().pipeline.verdicts(documents);
                let millis = io::now() - started;
                PipelineRun { verdicts, report, millis }.into()
            }
            Query::Vocab { encoding } => load(tools, id, encoding).await?.into(),
            Query::Encode { encoding, pieces, keep } => {
                ready(tools, id, encoding).await?;
                let tools = tools.borrow();
                let enc = &tools.vocabs[&encoding];
                let progress = |bytes| {
                    let step = EncodeProgress { bytes }.into();
                    io::post(&Reply::Step { id, step });
                };
                text::encode(enc, &pieces, keep, progress).into()
            }
            Query::BpeMerges { encoding, text: word } => {
                ready(tools, id, encoding).await?;
                text::merges(&tools.borrow().vocabs[&encoding], &word).into()
            }
            Query::FitPrompt { sources, question, budget } => {
                ready(tools, id, EncodingName::Tumbler).await?;
                let tools = tools.borrow();
                let pairs: Vec<(&str, &str)> =
                    sources.iter().map(|(t, x)| (t.as_str(), x.as_str())).collect();
                let enc = &tools.vocabs[&EncodingName::Tumbler];
                let (fitted, tokens, fits) = chat::fit_prompt_to(enc, &pairs, &question, budget);
                FittedPrompt { fitted, tokens, fits }.into()
            }
            _ => {
                return Err(
                    "the text worker answers only corpus-pipeline and tokenizer questions".into()
                );
            }
        })
    }

    /// `name`'s vocabulary loaded, or why not.
    async fn ready(tools: &RefCell<Tools>, id: u32, name: EncodingName) -> Result<(), String> {
        match load(tools, id, name).await? {
            VocabLoaded::Ready { .. } => Ok(()),
            VocabLoaded::Missing => Err(format!("the {name} vocabulary is not on the server")),
        }
    }

    /// Loads `name`'s vocabulary once (the Cache API keeps its file between visits), streaming the
    /// download's progress as steps of question `id`.
    async fn load(
        tools: &RefCell<Tools>,
        id: u32,
        name: EncodingName,
    ) -> Result<VocabLoaded, String> {
        if let Some(enc) = tools.borrow().vocabs.get(&name) {
            return Ok(VocabLoaded::Ready { vocab_size: enc.vocab_size() });
        }
        let step = |step: VocabStep| io::post(&Reply::Step { id, step: step.into() });
        // Relative to this worker's script, which sits beside the page's index.html.
        let url = format!("public/{}", name.public_path());
        let progress = |received, total| step(VocabStep::Download { received, total });
        let bytes = match fetch::download(&url, true, progress).await {
            Ok(bytes) => bytes,
            Err(FetchError::NotFound) if name == EncodingName::Tumbler => {
                return Ok(VocabLoaded::Missing);
            }
            Err(e) => return Err(e.to_string()),
        };
        step(VocabStep::Parsing);
        match Encoding::from_bytes(name, &bytes) {
            Ok(enc) => {
                let vocab_size = enc.vocab_size();
                tools.borrow_mut().vocabs.insert(name, enc);
                Ok(VocabLoaded::Ready { vocab_size })
            }
            Err(e) => {
                fetch::forget(&url).await;
                Err(format!("the file is damaged ({e})"))
            }
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    run::main();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "tumbler-pipeline runs as a Web Worker in the browser (trunk builds it); natively, use \
         `tumbler corpus` and `tumbler tokenize`"
    );
    std::process::exit(2);
}
