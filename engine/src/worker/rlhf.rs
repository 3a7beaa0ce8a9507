//! The `rlhf` chapter's live part: a reward head trained on preference pairs over the chat
//! model's hidden states, then replies sampled from the chat model for best-of-n, each rewarded
//! and checked, one step per turn of the event loop so a stop is read between any two. The chat
//! model runs on the CPU (burn's flex backend) in either worker build; the maths is
//! `tumbler_model::rlhf`.

use tumbler_engine::fetch::download;
use tumbler_engine::{
    DoneReason, MAX_RLHF_BYTES, MAX_RLHF_PAIRS, MAX_RLHF_PROMPTS, MAX_RLHF_RM_STEPS, Reply,
    RlhfProgress, RlhfReply, RlhfTrained,
};
use tumbler_model::rlhf::{
    PreferencePair, RmOptions, RmTrainer, SampleOptions, Sampling, pair_features,
};
use tumbler_model::vectors::WordVectors;

use super::io::{now, post, yield_now};
use super::load::Loaded;
use super::state::{Failure, Worker};

fn progress(id: u32, progress: RlhfProgress) {
    post(&Reply::Step { id, step: progress.into() });
}

/// What a run is asked to do.
pub struct Run<'a> {
    pub pairs: &'a [PreferencePair],
    pub prompts: &'a [String],
    pub rm_steps: usize,
    pub options: SampleOptions,
}

impl Run<'_> {
    fn check(&self) -> Result<(), String> {
        if self.pairs.is_empty() || self.pairs.len() > MAX_RLHF_PAIRS {
            return Err(format!("train on 1 to {MAX_RLHF_PAIRS} pairs"));
        }
        if self.prompts.is_empty() || self.prompts.len() > MAX_RLHF_PROMPTS {
            return Err(format!("ask 1 to {MAX_RLHF_PROMPTS} prompts"));
        }
        if !(1..=MAX_RLHF_RM_STEPS).contains(&self.rm_steps) {
            return Err(format!("train the reward model for 1 to {MAX_RLHF_RM_STEPS} steps"));
        }
        let texts = self.pairs.iter().flat_map(|p| [&p.prompt, &p.chosen, &p.rejected]);
        if let Some(long) = texts.chain(self.prompts).find(|t| t.len() > MAX_RLHF_BYTES) {
            return Err(format!(
                "a text is {} bytes; keep each under {MAX_RLHF_BYTES}",
                long.len()
            ));
        }
        self.options.validated().map(|_| ())
    }
}

impl Worker {
    /// The reward head trained on `run.pairs`, then `run.options.samples` replies to each prompt,
    /// streamed; the word list of the quality check is fetched from `dictionary`.
    pub async fn rlhf(
        &self,
        id: u32,
        base: &Loaded,
        run: Run<'_>,
        dictionary: &str,
    ) -> Result<DoneReason, Failure> {
        run.check()?;
        let chat = self.chat.model(base, &self.gpu).await?;
        let bytes = download(dictionary, true, |_, _| {})
            .await
            .map_err(|e| format!("the word list ({dictionary}): {e}"))?;
        let dictionary = WordVectors::from_bytes(&bytes)
            .map_err(|e| format!("the word list ({dictionary}): {e}"))?;
        let started = now();
        let mut features = Vec::with_capacity(run.pairs.len());
        for (i, pair) in run.pairs.iter().enumerate() {
            let phi = pair_features(&chat.model, &chat.encoding, pair)
                .map_err(|e| format!("pair {}: {e}", i + 1))?;
            features.push(phi);
            yield_now().await;
        }
        let mut trainer =
            RmTrainer::new(&features, RmOptions { steps: run.rm_steps, ..RmOptions::PAGE });
        progress(id, RlhfProgress::Rm(trainer.measure()));
        while !trainer.done() {
            if self.stopped(id) {
                return Ok(DoneReason::Stopped);
            }
            let step = trainer.step();
            if step.step.is_multiple_of(10) || trainer.done() {
                progress(id, RlhfProgress::Rm(step));
                yield_now().await;
            }
        }
        let head = trainer.head();
        let pair_rewards = features.iter().map(|(w, l)| [head.reward(w), head.reward(l)]).collect();
        progress(id, RlhfProgress::Trained(RlhfTrained { pair_rewards, millis: now() - started }));
        yield_now().await;
        let prompts: Vec<&str> = run.prompts.iter().map(String::as_str).collect();
        let mut sampling =
            Sampling::new((&chat.model, &dictionary), &chat.encoding, head, &prompts, run.options)
                .map_err(|e| e.to_string())?;
        loop {
            if self.stopped(id) {
                return Ok(DoneReason::Stopped);
            }
            let started = now();
            let Some(next) = sampling.next_candidate() else { break };
            let (prompt, index, candidate) = next?;
            let millis = now() - started;
            progress(id, RlhfProgress::Reply(RlhfReply { prompt, index, candidate, millis }));
            yield_now().await;
        }
        Ok(DoneReason::Length)
    }
}
