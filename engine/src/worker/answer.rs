//! Questions answered without a model.

use tumbler_engine::PipelineRun;
use tumbler_model::data::{Document, Pipeline};

use super::io::now;

/// The corpus pipeline over `documents`, as `tumbler corpus` runs it.
pub fn pipeline(documents: &[Document]) -> PipelineRun {
    let started = now();
    let (verdicts, report) = Pipeline::default().verdicts(documents.to_vec());
    PipelineRun { verdicts, report, millis: now() - started }
}
