//! Questions answered without a model.

use tumbler_engine::{PipelineRun, Query};
use tumbler_model::data::Pipeline;

use super::io::now;
use super::state::{Failure, Outcome};

/// The answer to a question that needs no model ([`Query::needs_model`] is false).
pub fn without_model(query: &Query) -> Result<Outcome, Failure> {
    match query {
        Query::Pipeline { documents } => {
            let started = now();
            let (verdicts, report) = Pipeline::default().verdicts(documents.clone());
            Ok(PipelineRun { verdicts, report, millis: now() - started }.into())
        }
        other => Err(format!("the engine needs its model to answer {other:?}").into()),
    }
}
