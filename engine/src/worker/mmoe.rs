//! The `mmoe` chapter's live part: a toy two-task Multi-gate Mixture-of-Experts trained on the
//! MMoE paper's synthetic tasks, in the worker on the CPU (burn's flex backend with autodiff) in
//! either worker build. Steps run in small batches, one batch per turn of the event loop (a few
//! milliseconds), so a stop is read between any two; the maths is `tumbler_model::mmoe`.

use tumbler_engine::{DoneReason, MAX_MMOE_STEPS, MmoeProgress, MmoeStart, MmoeSteps, Reply};
use tumbler_model::mmoe::{MmoeOptions, MmoeRun};

use super::io::{now, post, yield_now};
use super::state::{Failure, Worker};

/// How long one turn of the event loop may spend on steps, in milliseconds.
const TURN_MILLIS: f64 = 30.0;

fn progress(id: u32, progress: MmoeProgress) {
    post(&Reply::Step { id, step: progress.into() });
}

impl Worker {
    /// `steps` steps of the two-task model at task correlation `correlation`, streamed.
    pub async fn mmoe(
        &self,
        id: u32,
        correlation: f64,
        steps: usize,
        seed: u64,
    ) -> Result<DoneReason, Failure> {
        if !(1..=MAX_MMOE_STEPS).contains(&steps) {
            return Err(format!("ask for 1 to {MAX_MMOE_STEPS} steps, not {steps}").into());
        }
        let started = now();
        let options = MmoeOptions::page(correlation, steps, seed);
        let mut run = MmoeRun::new(options).map_err(|e| e.to_string())?;
        let setup = run.setup().clone();
        progress(id, MmoeProgress::Start(Box::new(MmoeStart { setup, millis: now() - started })));
        yield_now().await;
        while !run.finished() {
            if self.stopped(id) {
                return Ok(DoneReason::Stopped);
            }
            let started = now();
            let mut batch = Vec::new();
            // Up to the next held-out measurement, or until the turn's time is spent.
            while !run.finished() {
                let step = run.step();
                let measured = step.eval.is_some();
                batch.push(step);
                if measured || now() - started > TURN_MILLIS {
                    break;
                }
            }
            progress(id, MmoeProgress::Steps(MmoeSteps { steps: batch, millis: now() - started }));
            yield_now().await;
        }
        Ok(DoneReason::Length)
    }
}
