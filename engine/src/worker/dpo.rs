//! The `dpo` chapter's live part: a preference pair scored by the chat model (the policy) and
//! the base model (the reference), and DPO steps on a copy of the chat model, one step per turn
//! of the event loop so a stop is read between any two steps. Both models run on the CPU (burn's
//! flex backend) in either worker build; the maths is `tumbler_model::dpo`.

use std::rc::Rc;

use tumbler_engine::{
    DoneReason, DpoEnd, DpoProgress, DpoScored, DpoStart, DpoStep, MAX_DPO_BYTES,
    MAX_DPO_REPLY_TOKENS, MAX_DPO_STEPS, Reply,
};
use tumbler_model::dpo::{DpoOptions, DpoRun, PairIds, PairTokens, greedy_reply, score};
use tumbler_model::generate::Vocab;

use super::io::{now, post, yield_now};
use super::load::Loaded;
use super::state::{Failure, Worker};

fn progress(id: u32, progress: DpoProgress) {
    post(&Reply::Step { id, step: progress.into() });
}

/// The pair in the chat model's tokens, or why it cannot be scored.
fn pair(chat: &Loaded, prompt: &str, chosen: &str, rejected: &str) -> Result<PairIds, Failure> {
    for (text, what) in [(prompt, "prompt"), (chosen, "chosen reply"), (rejected, "rejected reply")]
    {
        if text.len() > MAX_DPO_BYTES {
            return Err(format!(
                "the {what} is {} bytes; keep it under {MAX_DPO_BYTES}",
                text.len()
            )
            .into());
        }
    }
    let context = chat.model.config.context_length;
    PairIds::new(&chat.encoding, prompt, chosen, rejected, context)
        .map_err(|e| e.to_string().into())
}

fn check_beta(beta: f64) -> Result<(), Failure> {
    if beta.is_finite() && beta > 0.0 && beta <= 10.0 {
        Ok(())
    } else {
        Err(format!("β must be above 0 and at most 10, not {beta}").into())
    }
}

impl Worker {
    /// `prompt`'s `chosen` and `rejected` replies scored by the chat model and the base model.
    pub async fn dpo_score(
        &self,
        base: &Loaded,
        prompt: &str,
        chosen: &str,
        rejected: &str,
        beta: f64,
    ) -> Result<DpoScored, Failure> {
        check_beta(beta)?;
        let chat = self.chat.model(base, &self.gpu).await?;
        let started = now();
        let pair = pair(&chat, prompt, chosen, rejected)?;
        let score = score(&chat.model, &base.model, &pair, beta);
        let tokens = PairTokens::of(&pair, &chat.encoding);
        Ok(DpoScored { tokens, score, millis: now() - started })
    }

    /// `steps` DPO steps on a copy of the chat model, streamed; the copy is dropped at the end.
    #[allow(clippy::too_many_arguments)]
    pub async fn dpo_train(
        &self,
        id: u32,
        base: &Rc<Loaded>,
        (prompt, chosen, rejected): (&str, &str, &str),
        beta: f64,
        lr: f64,
        steps: usize,
        reply_tokens: usize,
    ) -> Result<DoneReason, Failure> {
        check_beta(beta)?;
        if !(lr.is_finite() && lr > 0.0 && lr <= 1e-2) {
            return Err(
                format!("the learning rate must be above 0 and at most 0.01, not {lr}").into()
            );
        }
        if !(1..=MAX_DPO_STEPS).contains(&steps) || reply_tokens > MAX_DPO_REPLY_TOKENS {
            return Err(format!(
                "ask for 1 to {MAX_DPO_STEPS} steps and a reply of at most {MAX_DPO_REPLY_TOKENS} tokens"
            )
            .into());
        }
        let chat = self.chat.model(base, &self.gpu).await?;
        let pair = pair(&chat, prompt, chosen, rejected)?;
        let encoding = &chat.encoding;
        let reply = greedy_reply(&chat.model, encoding, &pair.prompt, reply_tokens);
        progress(
            id,
            DpoProgress::Start(DpoStart {
                tokens: PairTokens::of(&pair, encoding),
                score: score(&chat.model, &base.model, &pair, beta),
                reply: encoding.decode_lossy(&reply),
            }),
        );
        yield_now().await;
        let mut run = DpoRun::new(&chat.model, &base.model, pair, DpoOptions { beta, lr });
        let mut reason = DoneReason::Length;
        while run.steps() < steps {
            if self.stopped(id) {
                reason = DoneReason::Stopped;
                break;
            }
            let started = now();
            let terms = run.step();
            let millis = now() - started;
            progress(id, DpoProgress::Step(DpoStep { step: run.steps(), terms, millis }));
            yield_now().await;
        }
        let reply = encoding.decode_lossy(&run.greedy(encoding, reply_tokens));
        progress(id, DpoProgress::End(DpoEnd { steps: run.steps(), score: run.score(), reply }));
        Ok(reason)
    }
}
