//! The rl chapter's run: a toy policy fine-tuned on the task, then rounds of group-relative
//! policy gradient ([`RlRun`]), in the worker on the CPU (burn's flex backend with autodiff),
//! one step or round per turn of the event loop so a stop is read between any two.

use tumbler_engine::{
    DoneReason, MAX_RL_ROUNDS, Reply, RlProgress, RlRoundStep, RlSftStep, RlStart,
};
use tumbler_model::rl::task::Reward;
use tumbler_model::rl::{RlOptions, RlRun, config};

use super::io::{now, post, yield_now};
use super::state::{Failure, Worker};

fn progress(id: u32, progress: RlProgress) {
    post(&Reply::Step { id, step: progress.into() });
}

impl Worker {
    /// Fine-tunes a fresh policy, then runs `rounds` rounds rewarding `reward`.
    pub async fn rl(
        &self,
        id: u32,
        seed: u64,
        reward: Reward,
        rounds: usize,
    ) -> Result<DoneReason, Failure> {
        if !(1..=MAX_RL_ROUNDS).contains(&rounds) {
            return Err(format!("ask for 1 to {MAX_RL_ROUNDS} rounds").into());
        }
        let mut run = RlRun::new(RlOptions::page(seed, reward)).map_err(|e| e.to_string())?;
        let start = RlStart {
            params: config().param_count(),
            config: config(),
            options: run.options().clone(),
            held_out: run.evaluate(),
        };
        progress(id, RlProgress::Start(start));
        yield_now().await;
        while !run.fine_tuned() {
            if self.stopped(id) {
                return Ok(DoneReason::Stopped);
            }
            let started = now();
            let loss = run.sft_step();
            let held_out = run.fine_tuned().then(|| run.evaluate());
            let millis = now() - started;
            progress(
                id,
                RlProgress::Sft(RlSftStep { step: run.sft_steps(), loss, millis, held_out }),
            );
            yield_now().await;
        }
        while run.rounds() < rounds {
            if self.stopped(id) {
                return Ok(DoneReason::Stopped);
            }
            let started = now();
            let round = run.round();
            let millis = now() - started;
            progress(id, RlProgress::Round(RlRoundStep { round, millis }));
            yield_now().await;
        }
        Ok(DoneReason::Length)
    }
}
