//! The `why` chapter's live part: the logit lens, the direct logit attribution, ablations and
//! patching of the reader's prompt, on the fused CPU forward in either worker build (the WebGPU
//! build decodes on the GPU; these passes read every intermediate value, which the CPU path
//! hands over without a readback). Patching streams one row per depth and stops between rows.
//! The maths is `tumbler_model::why`.

use tumbler_engine::{
    Ablation, AblationMode, Component, DoneReason, PatchProgress, Reply, WhyReport,
};
use tumbler_model::why::Why;

use super::io::{now, post, yield_now};
use super::load::Loaded;
use super::state::{Failure, Worker};

/// The tools over `l`'s weights.
fn tools(l: &Loaded) -> Why {
    Why::new(l.fused.borrow().weights().clone())
}

/// The logit lens and attribution of `prompt`, each timed.
pub fn report(
    l: &Loaded,
    prompt: &str,
    target: Option<u32>,
    position: Option<usize>,
) -> Result<WhyReport, Failure> {
    let ids = l.encoding.encode(prompt);
    tools(l).report(&ids, &*l.encoding, target, position, now).map_err(|e| e.to_string().into())
}

/// The distribution with `components` ablated, timed.
pub fn ablate(
    l: &Loaded,
    prompt: &str,
    components: &[Component],
    mean: bool,
    target: Option<u32>,
    position: Option<usize>,
) -> Result<Ablation, Failure> {
    let started = now();
    let ids = l.encoding.encode(prompt);
    let mode = if mean { AblationMode::Mean } else { AblationMode::Zero };
    let mut ablation = tools(l)
        .ablate(&ids, &*l.encoding, components, mode, target, position)
        .map_err(|e| e.to_string())?;
    ablation.millis = now() - started;
    Ok(ablation)
}

impl Worker {
    /// Patching `source` into `prompt`: the setup, then a row per depth, yielding between rows.
    pub async fn why_patch(
        &self,
        id: u32,
        l: &Loaded,
        prompt: &str,
        source: &str,
        target: Option<u32>,
        position: Option<usize>,
    ) -> Result<DoneReason, Failure> {
        let (ids, source) = (l.encoding.encode(prompt), l.encoding.encode(source));
        let mut why = tools(l);
        let (setup, patching) = why
            .patch_start(&ids, &source, &*l.encoding, target, position)
            .map_err(|e| e.to_string())?;
        post(&Reply::Step { id, step: PatchProgress::Start(setup).into() });
        for depth in 0..patching.depths() {
            yield_now().await;
            if self.stopped(id) {
                return Ok(DoneReason::Stopped);
            }
            let row = why.patch_row(&patching, depth);
            post(&Reply::Step { id, step: PatchProgress::Row(row).into() });
        }
        Ok(DoneReason::Length)
    }
}
