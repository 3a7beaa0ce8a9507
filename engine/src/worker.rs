//! The worker: one [`Worker`] value that loads the model, answers every [`Query`] through one
//! dispatch, and moves to the CPU when the GPU is lost.
//!
//! Questions run as tasks on the worker's event loop; a stream yields after every step so a
//! [`Request::Stop`] (or another question) is read between steps. A question whose pass fails on
//! a lost WebGPU device is asked again of the model rebuilt on the CPU ([`Worker::fallback`]): the
//! one path every question takes.

use std::rc::Rc;

use tumbler_engine::{DoneReason, LoadStatus, Model, Query, Reply, Request};
use tumbler_model::inspect::EmbeddingSpace;
use wasm_bindgen::prelude::*;
use web_sys::MessageEvent;

mod chat;
mod distill;
mod dpo;
mod gpu;
mod io;
mod learn;
mod load;
mod mmoe;
mod moe;
mod open;
mod own;
mod rl;
mod rlhf;
mod state;
mod stream;
mod why;

use io::{now, post, scope};
use load::Loaded;
use state::{Failure, Outcome, Worker};

/// Installs the message handler and tells the page the worker is listening.
pub fn start() {
    let worker = Rc::new(Worker::default());
    let handler = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        match serde_json::from_str::<Request>(&text) {
            Ok(request) => wasm_bindgen_futures::spawn_local(worker.clone().handle(request)),
            Err(e) => post(&Reply::Failed {
                id: None,
                message: format!("the engine could not read a request: {e}"),
            }),
        }
    });
    scope().set_onmessage(Some(handler.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    handler.forget();
    post(&Reply::Started);
}

impl Worker {
    async fn handle(self: Rc<Self>, request: Request) {
        match request {
            Request::Load { backend, urls, chat } => {
                self.asked.set(Some(backend));
                self.loaded.borrow_mut().take();
                self.shipped.borrow_mut().take();
                self.space.borrow_mut().take();
                self.chat.forget(Some((&urls, chat)));
                let status = match self.load(backend, &urls).await {
                    Ok(loaded) => {
                        let status = loaded.ready();
                        *self.loaded.borrow_mut() = Some(Rc::new(loaded));
                        status
                    }
                    Err(message) => LoadStatus::Failed { message },
                };
                post(&Reply::Load { model: Model::Base, status });
            }
            Request::Ask { id, query } => {
                self.stopped.borrow_mut().remove(&id);
                let reply = match self.ask(id, &query).await {
                    Ok(Outcome::Answer(answer)) => Reply::Answer { id, answer },
                    Ok(Outcome::Done(reason)) => Reply::Done { id, reason },
                    Err(failure) => Reply::Failed { id: Some(id), message: failure.message() },
                };
                post(&reply);
            }
            Request::Stop { id } => {
                self.stopped.borrow_mut().insert(id);
            }
            Request::DestroyGpu => {
                if let Err(message) = self.gpu.destroy() {
                    post(&Reply::Failed { id: None, message });
                }
            }
        }
    }

    /// `query`, asked of the base model; asked once more of the CPU model if the GPU was lost.
    async fn ask(self: &Rc<Self>, id: u32, query: &Query) -> Result<Outcome, Failure> {
        // The question that needs no model, answered while it loads or after it failed: the rl
        // chapter's toy policy is its own model, with its own vocabulary.
        if let Query::Rl { seed, reward, rounds } = query {
            return Ok(Outcome::Done(self.rl(id, *seed, *reward, *rounds).await?));
        }
        // Nor does the mmoe chapter's toy: its data is drawn, not read.
        if let Query::Mmoe { correlation, steps, seed } = query {
            return Ok(Outcome::Done(self.mmoe(id, *correlation, *steps, *seed).await?));
        }
        // Nor does a run on the reader's own text: its model and tokenizer are its own.
        if let Some(reason) = self.own_query(id, query).await {
            return Ok(Outcome::Done(reason?));
        }
        // Opening the reader's checkpoint, or going back, replaces the model questions run on.
        match query {
            Query::Open { name, urls } => return Ok(self.open(name, urls).await?.into()),
            Query::UseShipped => return Ok(self.use_shipped()?.into()),
            _ => {}
        }
        let l = self.loaded()?;
        if let (Some(name), Some(why)) = (&l.opened, open::needs_shipped(query)) {
            return Err(format!(
                "This needs the shipped Tumbler: {why}. {name} is loaded; choose \"Back to the \
                 Tumbler\" in the Model menu beside the engine status."
            )
            .into());
        }
        match self.run(id, query, &l).await {
            Err(Failure::Device(error)) => match self.fallback(&l, &error) {
                Some(cpu) => self.run(id, query, &cpu).await,
                None => Err(Failure::Device(error)),
            },
            outcome => outcome,
        }
    }

    /// One dispatch: which computation answers `query`, on `l`.
    async fn run(
        self: &Rc<Self>,
        id: u32,
        query: &Query,
        l: &Rc<Loaded>,
    ) -> Result<Outcome, Failure> {
        let timed = now();
        let inspect = l.inspector();
        Ok(match query {
            Query::Trace { text } => {
                let mut trace = inspect.attention(text).await?;
                trace.millis = now() - timed;
                trace.into()
            }
            Query::Next { text } => {
                let mut next = inspect.next(text).await?;
                next.millis = now() - timed;
                next.into()
            }
            Query::Loss { text } => {
                let mut losses = inspect.losses(text).await?;
                losses.millis = now() - timed;
                losses.into()
            }
            Query::AnswerLoss { contexts, answer } => {
                let mut losses = inspect.answer_losses(contexts, answer).await?;
                losses.millis = now() - timed;
                losses.into()
            }
            Query::Gates { text, position } => inspect.gates(text, *position).await?.into(),
            Query::Permutation { text, seed } => inspect.permutation(text, *seed).await?.into(),
            Query::Weights { layer, matrix } => inspect.weights(*layer, matrix).await?.into(),
            Query::TokenTexts { ids } => inspect.token_texts(ids)?.into(),
            Query::Embeddings { text } => {
                let space = self.space(l).await?;
                let mut map = inspect.embeddings(&space, text)?;
                map.millis = now() - timed;
                map.into()
            }
            Query::Generate { prompt, options } => {
                Outcome::Done(self.generate(id, l.clone(), prompt, options).await?)
            }
            Query::Chat { model, messages, options } => {
                Outcome::Done(self.chat(id, l, *model, messages, options).await?)
            }
            Query::KvCompare { prompt, max_tokens } => {
                Outcome::Done(self.kv_compare(id, l, prompt, *max_tokens).await?)
            }
            Query::ForwardTimes { lengths, repeats } => {
                Outcome::Done(self.forward_times(id, l, lengths, *repeats).await?)
            }
            Query::DecodeSpeed { tokens } => stream::decode_speed(l, *tokens).await?.into(),
            Query::GpuCheck { text, tokens } => stream::gpu_check(l, text, *tokens).await?.into(),
            Query::FusedCheck { text, steps } => stream::fused_check(l, text, *steps)?.into(),
            Query::Learn { text, prompt, steps, sample_every, seed } => {
                Outcome::Done(self.learn(id, l, text, prompt, *steps, *sample_every, *seed).await?)
            }
            Query::Mmoe { correlation, steps, seed } => {
                Outcome::Done(self.mmoe(id, *correlation, *steps, *seed).await?)
            }
            Query::OwnTrain { text, preset, source, seed } => Outcome::Done(
                self.own(id, Some((text.as_str(), preset.as_str(), source.as_str(), *seed)))
                    .await?,
            ),
            Query::OwnResume => Outcome::Done(self.own(id, None).await?),
            Query::Rl { seed, reward, rounds } => {
                Outcome::Done(self.rl(id, *seed, *reward, *rounds).await?)
            }
            Query::DpoScore { prompt, chosen, rejected, beta } => {
                self.dpo_score(l, prompt, chosen, rejected, *beta).await?.into()
            }
            Query::DpoTrain { prompt, chosen, rejected, beta, lr, steps, reply_tokens } => {
                let pair = (prompt.as_str(), chosen.as_str(), rejected.as_str());
                let (beta, lr) = (*beta, *lr);
                Outcome::Done(self.dpo_train(id, l, pair, beta, lr, *steps, *reply_tokens).await?)
            }
            Query::Quiz { items } => {
                let chat = self.chat.model(l, &self.gpu).await?;
                let mut scores = chat.inspector().quiz(items).await?;
                scores.millis = now() - timed;
                scores.into()
            }
            Query::Rlhf { pairs, prompts, rm_steps, options, dictionary } => {
                let run = rlhf::Run { pairs, prompts, rm_steps: *rm_steps, options: *options };
                Outcome::Done(self.rlhf(id, l, run, dictionary).await?)
            }
            Query::Distill { text, temperature, alpha, steps, seed } => {
                let (temperature, alpha) = (*temperature, *alpha);
                Outcome::Done(self.distill(id, l, text, temperature, alpha, *steps, *seed).await?)
            }
            Query::MoeLoad { urls } => Outcome::Done(self.moe_load(id, urls).await?),
            Query::Route { text, urls } => self.route(l, text, urls).await?.into(),
            Query::Why { prompt, target, position } => {
                why::report(l, prompt, *target, *position)?.into()
            }
            Query::WhyAblate { prompt, components, mean, target, position } => {
                why::ablate(l, prompt, components, *mean, *target, *position)?.into()
            }
            Query::WhyPatch { prompt, source, target, position } => {
                Outcome::Done(self.why_patch(id, l, prompt, source, *target, *position).await?)
            }
            Query::Open { .. } | Query::UseShipped => {
                return Err("opening a model is not a question about one".into());
            }
            Query::Pipeline { .. }
            | Query::Vocab { .. }
            | Query::Encode { .. }
            | Query::BpeMerges { .. }
            | Query::FitPrompt { .. } => {
                return Err("the corpus pipeline and the tokenizers run in the text worker \
                            (tumbler-pipeline)"
                    .into());
            }
        })
    }

    /// A run on the reader's own text, if `query` asks for one.
    async fn own_query(&self, id: u32, query: &Query) -> Option<Result<DoneReason, Failure>> {
        Some(match query {
            Query::OwnTrain { text, preset, source, seed } => {
                self.own(id, Some((text.as_str(), preset.as_str(), source.as_str(), *seed))).await
            }
            Query::OwnResume => self.own(id, None).await,
            _ => return None,
        })
    }

    /// The embedding space of `l`, computed on the first question about it.
    async fn space(&self, l: &Loaded) -> Result<Rc<EmbeddingSpace>, Failure> {
        if let Some(space) = self.space.borrow().clone() {
            return Ok(space);
        }
        let space = Rc::new(l.inspector().embedding_space().await?);
        *self.space.borrow_mut() = Some(space.clone());
        Ok(space)
    }
}
