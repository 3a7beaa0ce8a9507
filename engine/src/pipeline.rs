//! The corpus-pipeline worker: the pre-training data chapter's stages (`tumbler corpus`'s, on the
//! reader's sample documents), in a worker of their own. The PII stage needs a regex engine,
//! ~0.1 MB of the engine worker's compressed wasm that every visitor would download for one
//! chapter; this worker has no model and no burn, and the page starts it on that chapter's
//! first question ([`Query::Pipeline`]), the only one it answers.

#[cfg(target_arch = "wasm32")]
#[path = "worker/io.rs"]
#[allow(dead_code)]
mod io;

#[cfg(target_arch = "wasm32")]
fn main() {
    use tumbler_engine::{PipelineRun, Query, Reply, Request};
    use tumbler_model::data::Pipeline;
    use wasm_bindgen::prelude::*;
    use web_sys::MessageEvent;

    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("tumbler pipeline panicked: {info}").into());
    }));
    let pipeline = Pipeline::default();
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        let reply = match serde_json::from_str::<Request>(&text) {
            Ok(Request::Ask { id, query: Query::Pipeline { documents } }) => {
                let started = io::now();
                let (verdicts, report) = pipeline.verdicts(documents);
                let millis = io::now() - started;
                Reply::Answer { id, answer: PipelineRun { verdicts, report, millis }.into() }
            }
            Ok(Request::Ask { id, .. }) => Reply::Failed {
                id: Some(id),
                message: "the pipeline worker answers only corpus-pipeline questions".into(),
            },
            Ok(_) => return,
            Err(e) => Reply::Failed {
                id: None,
                message: format!("the pipeline worker could not read a request: {e}"),
            },
        };
        io::post(&reply);
    });
    io::scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    handler.forget();
    io::post(&Reply::Started);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "tumbler-pipeline runs as a Web Worker in the browser (trunk builds it); natively, use \
         `tumbler corpus`"
    );
    std::process::exit(2);
}
