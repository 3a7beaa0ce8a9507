//! The training chapter's tiny model: a Tumbler of toy size trained from scratch in the worker,
//! on the CPU (burn's flex backend with autodiff), one step per turn of the event loop so a stop
//! is read between any two steps.

use tumbler_engine::{
    DoneReason, LearnProgress, LearnRun, LearnSample, LearnStep, MAX_LEARN_BYTES, MAX_LEARN_STEPS,
    Reply, head, top_tokens,
};
use tumbler_model::generate::Vocab;
use tumbler_model::gpt::TumblerConfig;
use tumbler_model::learn::tiny::{TinyOptions, TinyRun};

use super::io::{now, post, yield_now};
use super::load::Loaded;
use super::state::{Failure, Worker};

/// Tokens of the greedy continuation shown.
const CONTINUATION: usize = 12;
/// Next-token candidates shown.
const CANDIDATES: usize = 5;

/// What the model predicts for `prompt` now.
fn sample(l: &Loaded, run: &TinyRun, prompt: &[u32]) -> LearnSample {
    let probs = run.next_probs(prompt);
    LearnSample {
        step: run.steps(),
        continuation: l.encoding.decode_lossy(&run.greedy(prompt, CONTINUATION)),
        next: top_tokens(&probs, CANDIDATES, |id| l.encoding.text(id)),
    }
}

fn progress(id: u32, progress: LearnProgress) {
    post(&Reply::Step { id, step: progress.into() });
}

impl Worker {
    /// Trains a fresh tiny model on `text` for `steps` steps, with `l`'s tokenizer.
    #[allow(clippy::too_many_arguments)]
    pub async fn learn(
        &self,
        id: u32,
        l: &Loaded,
        text: &str,
        prompt: &str,
        steps: usize,
        sample_every: usize,
        seed: u64,
    ) -> Result<DoneReason, Failure> {
        if !(1..=MAX_LEARN_STEPS).contains(&steps) || sample_every == 0 {
            return Err(format!(
                "ask for 1 to {MAX_LEARN_STEPS} steps, with a look at the predictions every 1 or more"
            )
            .into());
        }
        let prompt_ids = l.encoding.encode(prompt);
        if prompt_ids.is_empty() {
            return Err("there is no prompt to continue".into());
        }
        let tokens = l.encoding.encode(head(text, MAX_LEARN_BYTES));
        let config = TumblerConfig::toy(l.model.config.vocab_size);
        let mut run = TinyRun::new(&config, tokens, TinyOptions::page(steps, seed))
            .map_err(|e| e.to_string())?;
        let start = LearnRun {
            params: config.param_count(),
            config,
            text_tokens: run.text_tokens(),
            batch_size: run.batch_size(),
            seq_len: run.seq_len(),
            prompt: prompt_ids.iter().map(|&t| l.encoding.text(t)).collect(),
            sample: sample(l, &run, &prompt_ids),
        };
        progress(id, LearnProgress::Start(start));
        yield_now().await;
        while run.steps() < steps {
            if self.stopped(id) {
                return Ok(DoneReason::Stopped);
            }
            let started = now();
            let loss = run.step();
            let millis = now() - started;
            let step = run.steps();
            let look = step % sample_every == 0 || step == steps;
            let sample = look.then(|| sample(l, &run, &prompt_ids));
            progress(id, LearnProgress::Step(LearnStep { step, loss, millis, sample }));
            yield_now().await;
        }
        Ok(DoneReason::Length)
    }
}
