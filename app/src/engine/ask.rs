//! Asking the engine: [`ask`] for one answer, [`stream`] for steps, [`latest`] for the answer to
//! the latest of a changing input.
//!
//! The answer's type picks it out of the reply (`TryFrom<Answer>`), so a chapter names what it
//! wants and gets that or an error message, never another reply.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use futures_channel::oneshot;
use leptos::prelude::*;
use tumbler_engine::{Answer, DoneReason, Query, Reply, Step};

use super::connection::{self, Handler};
use super::state::state;

/// How long the reader pauses typing before [`latest`] asks.
const PAUSE: Duration = Duration::from_millis(250);

/// What went wrong with a reply, for the reader.
fn unexpected(reply: &Reply) -> String {
    format!("the engine replied with something else: {reply:?}")
}

/// Asks `query` and resolves to its answer. The question waits until the engine can take it
/// (the model loaded); it fails with the reason if the model does not load.
pub fn ask<A>(query: Query) -> impl Future<Output = Result<A, String>>
where
    A: TryFrom<Answer, Error = Answer> + 'static,
{
    ask_with_steps(query, |_| {})
}

/// [`ask`], for a question that streams steps before its one answer (a download's progress):
/// `on_step` gets each step.
pub fn ask_with_steps<A>(
    query: Query,
    mut on_step: impl FnMut(Step) + 'static,
) -> impl Future<Output = Result<A, String>>
where
    A: TryFrom<Answer, Error = Answer> + 'static,
{
    let (send, answer) = oneshot::channel();
    let mut send = Some(send);
    let handler: Handler = Box::new(move |reply| {
        let result = match reply {
            Reply::Step { step, .. } => return on_step(step),
            Reply::Answer { answer, .. } => {
                A::try_from(answer).map_err(|other| format!("the engine answered {other:?}"))
            }
            Reply::Failed { message, .. } => Err(message),
            other => Err(unexpected(&other)),
        };
        if let Some(send) = send.take() {
            let _ = send.send(result);
        }
    });
    connection::submit(query, handler);
    async move { answer.await.unwrap_or_else(|_| Err("the engine went away".to_string())) }
}

/// A running stream: dropping it stops the stream after its current step.
#[derive(Debug)]
pub struct Stream {
    id: u32,
}

impl Drop for Stream {
    fn drop(&mut self) {
        connection::stop(self.id);
    }
}

/// Asks `query`, a stream: `on_step` gets each step, `on_end` how it ended (or why it failed).
/// Keep the handle for as long as the stream should run.
pub fn stream<S>(
    query: Query,
    mut on_step: impl FnMut(S) + 'static,
    on_end: impl FnOnce(Result<DoneReason, String>) + 'static,
) -> Stream
where
    S: TryFrom<Step, Error = Step> + 'static,
{
    let mut on_end = Some(on_end);
    let mut end = move |result| {
        if let Some(on_end) = on_end.take() {
            on_end(result);
        }
    };
    let handler: Handler = Box::new(move |reply| match reply {
        Reply::Step { step, .. } => match S::try_from(step) {
            Ok(step) => on_step(step),
            Err(other) => end(Err(format!("the engine streamed {other:?}"))),
        },
        Reply::Done { reason, .. } => end(Ok(reason)),
        Reply::Failed { message, .. } => end(Err(message)),
        other => end(Err(unexpected(&other))),
    });
    Stream { id: connection::submit(query, handler) }
}

/// The answer to the latest of a changing question, and whether a newer one is on its way.
pub struct Latest<T: 'static> {
    /// The answer to the latest question, or why there is none (`None` until one came).
    pub answer: RwSignal<Option<Result<T, String>>>,
    /// A question is on its way: the page shows that it is working.
    pub pending: RwSignal<bool>,
}

impl<T: 'static> Clone for Latest<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: 'static> Copy for Latest<T> {}

/// The answer to `question()`, asked again whenever what it reads changes and the reader has
/// paused for [`PAUSE`]; answers to older questions are dropped. `question` says why there is no
/// question (`Err`) when the input cannot be asked about (an empty text).
pub fn latest<A>(question: impl Fn() -> Result<Query, String> + 'static) -> Latest<A>
where
    A: TryFrom<Answer, Error = Answer> + Send + Sync + 'static,
{
    latest_with(move || question().map(|q| (q, ())), |answer: A, ()| answer)
}

/// [`latest`], with something the question's maker knew (`M`, e.g. whether it cut the text)
/// joined to the answer by `join`.
pub fn latest_with<A, M, T>(
    question: impl Fn() -> Result<(Query, M), String> + 'static,
    join: fn(A, M) -> T,
) -> Latest<T>
where
    A: TryFrom<Answer, Error = Answer> + 'static,
    M: 'static,
    T: Send + Sync + 'static,
{
    let live = Latest { answer: RwSignal::new(None), pending: RwSignal::new(false) };
    // The latest question: each new one makes the older ones' answers stale.
    let mark = Rc::new(RefCell::new(0u64));
    let engine = state();
    Effect::new(move |_| {
        let ready = engine.with(|s| s.config().is_some());
        let question = question();
        if !ready {
            return;
        }
        *mark.borrow_mut() += 1;
        let this = *mark.borrow();
        let (query, meta) = match question {
            Ok(q) => q,
            Err(message) => {
                live.pending.set(false);
                live.answer.set(Some(Err(message)));
                return;
            }
        };
        live.pending.set(true);
        let mark = mark.clone();
        set_timeout(
            move || {
                if *mark.borrow() != this {
                    return;
                }
                wasm_bindgen_futures::spawn_local(async move {
                    let result = ask::<A>(query).await;
                    // The chapter may be gone, or a newer question asked, by the time it comes.
                    if *mark.borrow() == this {
                        live.pending.try_set(false);
                        live.answer.try_set(Some(result.map(|a| join(a, meta))));
                    }
                });
            },
            PAUSE,
        );
    });
    live
}
