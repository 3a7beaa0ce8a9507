//! The training chapter's run on the reader's own text: a tokenizer trained on the text, then a
//! model of the chosen preset trained on it in the worker, on the CPU (burn's flex backend with
//! autodiff, in either worker build), one step per turn of the event loop, with a checkpoint in
//! the browser's private file system every few steps and when stopped ([`tumbler_engine::opfs`]).

use tumbler_engine::opfs;
use tumbler_engine::{DoneReason, LearnSample, OwnProgress, OwnStart, OwnStep, Reply};
use tumbler_model::learn::own::OwnRun;
use tumbler_model::own::{STATE_FILE, TOKENIZER_FILE, TOKENS_FILE};

use super::io::{now, post, yield_now};
use super::state::{Failure, Worker};

/// Steps between looks at the predictions.
const SAMPLE_EVERY: usize = 10;
/// Steps between checkpoints.
pub const SAVE_EVERY: usize = 25;
/// Tokens of the greedy continuation shown.
const CONTINUATION: usize = 16;
/// Next-token candidates shown.
const CANDIDATES: usize = 5;

fn progress(id: u32, progress: OwnProgress) {
    post(&Reply::Step { id, step: progress.into() });
}

fn sample(run: &OwnRun) -> LearnSample {
    let (next, continuation) = run.sample(CANDIDATES, CONTINUATION);
    LearnSample { step: run.state().step, continuation, next }
}

/// Writes a checkpoint of `run` into `slot` (its state last, after the slot's old state is
/// gone); with `first`, the text's tokens and the tokenizer too. Returns the milliseconds taken.
async fn save(run: &OwnRun, slot: &str, first: bool) -> Result<f64, Failure> {
    let started = now();
    let files = run.checkpoint(first).map_err(|e| e.to_string())?;
    opfs::forget(slot, STATE_FILE).await?;
    for (name, bytes) in &files {
        opfs::write(slot, name, bytes)
            .await
            .map_err(|e| format!("saving the checkpoint ({name}) failed: {e}"))?;
    }
    Ok(now() - started)
}

/// The run saved in the browser, read back from its newest checkpoint, and its slot.
async fn saved() -> Result<(OwnRun, &'static str), Failure> {
    let (slot, _) = opfs::latest().await?.ok_or("there is no saved run to resume")?;
    let mut files = Vec::new();
    for name in tumbler_model::own::EXPORT_FILES.into_iter().chain([
        TOKENS_FILE,
        tumbler_model::own::OPTIMIZER_FILE,
        STATE_FILE,
    ]) {
        if let Some(bytes) = opfs::read(slot, name).await? {
            files.push((name, bytes));
        }
    }
    let file = |name: &'static str| files.iter().find(|(n, _)| *n == name).map(|(_, b)| &b[..]);
    let run = OwnRun::resume(file).map_err(|e| format!("the saved run cannot be resumed: {e}"))?;
    Ok((run, slot))
}

impl Worker {
    /// Trains a fresh model of `preset` on `text` (`fresh`), or goes on with the saved run.
    pub async fn own(
        &self,
        id: u32,
        fresh: Option<(&str, &str, &str, u64)>,
    ) -> Result<DoneReason, Failure> {
        let started = now();
        let (mut run, mut slot, resumed) = match fresh {
            Some((text, preset, source, seed)) => {
                progress(id, OwnProgress::Preparing("Training a tokenizer on your text…".into()));
                yield_now().await;
                let run = OwnRun::new(text, preset, seed, source).map_err(|e| e.to_string())?;
                opfs::clear().await?;
                // The files that never change: written once, outside the slots.
                for (name, bytes) in run.checkpoint(true).map_err(|e| e.to_string())? {
                    if name == TOKENS_FILE || name == TOKENIZER_FILE {
                        opfs::write(opfs::SLOTS[1], name, &bytes).await?;
                    }
                }
                (run, opfs::SLOTS[1], false)
            }
            None => {
                progress(id, OwnProgress::Preparing("Reading the saved run…".into()));
                yield_now().await;
                let (run, slot) = saved().await?;
                (run, slot, true)
            }
        };
        let prepare_millis = now() - started;
        let state = run.state().clone();
        let c = run.config().clone();
        progress(
            id,
            OwnProgress::Start(Box::new(OwnStart {
                params: c.param_count(),
                config: c,
                text_tokens: run.run().text_tokens(),
                batch_size: run.run().batch_size(),
                seq_len: run.run().seq_len(),
                total_steps: run.preset().steps,
                prepare_millis,
                resumed,
                sample: sample(&run),
                state: tumbler_model::own::OwnState { param_ids: Vec::new(), ..state },
            })),
        );
        yield_now().await;
        loop {
            if self.stopped(id) {
                slot = opfs::other(slot);
                save(&run, slot, false).await?;
                return Ok(DoneReason::Stopped);
            }
            if run.finished() {
                return Ok(DoneReason::Length);
            }
            let t0 = now();
            let loss = run.step();
            let millis = now() - t0;
            let step = run.state().step;
            let look = step % SAMPLE_EVERY == 0 || run.finished();
            let sample = look.then(|| sample(&run));
            let saved_millis = if step % SAVE_EVERY == 0 || run.finished() {
                slot = opfs::other(slot);
                Some(save(&run, slot, false).await?)
            } else {
                None
            };
            progress(id, OwnProgress::Step(OwnStep { step, loss, millis, sample, saved_millis }));
            yield_now().await;
        }
    }
}
