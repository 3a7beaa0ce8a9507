//! The `distillation` chapter's live part: two toy students trained side by side from the base
//! model (the teacher), one on the text's next tokens and one on the teacher's distribution at T,
//! one step of both per turn of the event loop so a stop is read between any two steps. The
//! teacher and the students run on the CPU (burn's flex backend) in either worker build; the
//! maths is `tumbler_model::distill`.

use tumbler_engine::{
    DistillProgress, DistillStart, DistillTimedStep, DoneReason, MAX_DISTILL_BYTES,
    MAX_DISTILL_STEPS, Reply, head,
};
use tumbler_model::distill::{DistillOptions, DistillRun};

use super::io::{now, post, yield_now};
use super::load::Loaded;
use super::state::{Failure, Worker};

fn progress(id: u32, progress: DistillProgress) {
    post(&Reply::Step { id, step: progress.into() });
}

impl Worker {
    /// `steps` steps of both students on `text` with `l` as the teacher, streamed.
    #[allow(clippy::too_many_arguments)]
    pub async fn distill(
        &self,
        id: u32,
        l: &Loaded,
        text: &str,
        temperature: f32,
        alpha: f32,
        steps: usize,
        seed: u64,
    ) -> Result<DoneReason, Failure> {
        if !(1..=MAX_DISTILL_STEPS).contains(&steps) {
            return Err(format!("ask for 1 to {MAX_DISTILL_STEPS} steps, not {steps}").into());
        }
        let started = now();
        let tokens = l.encoding.encode(head(text, MAX_DISTILL_BYTES));
        let options = DistillOptions { alpha, ..DistillOptions::page(temperature, steps, seed) };
        let mut run = DistillRun::new(&l.model, &tokens, options).map_err(|e| e.to_string())?;
        let setup = run.setup().clone();
        progress(id, DistillProgress::Start(DistillStart { setup, millis: now() - started }));
        yield_now().await;
        while !run.finished() {
            if self.stopped(id) {
                return Ok(DoneReason::Stopped);
            }
            let started = now();
            let step = run.step();
            let millis = now() - started;
            progress(id, DistillProgress::Step(DistillTimedStep { step, millis }));
            yield_now().await;
        }
        Ok(DoneReason::Length)
    }
}
