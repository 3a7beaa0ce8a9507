//! What the live chapters ask of a loaded Tumbler about the reader's text: the attention of a
//! pass, the logits after the text, the loss of every token, the SwiGLU gates of one token, one
//! weight matrix, the embedding map and the permutation check.
//!
//! Each question is one method of [`Inspector`]: it encodes the text, cuts it to the limit both
//! the page and the engine worker read from here, runs the model, reads the numbers back and
//! shapes the answer. The worker only carries questions in and answers out; the CLI and the native
//! tests call the same methods.
//!
//! The `millis` field of an answer is left at 0: whoever times the pass (the worker, with the
//! browser's clock) sets it.

mod answers;
mod embeddings;
#[cfg(feature = "gpt")]
mod inspector;
mod permutation;
mod quiz;
#[cfg(all(test, feature = "gpt"))]
mod tests;

pub use answers::{
    AnswerLosses, AttentionTrace, ContextLoss, EmbeddedToken, EmbeddingMap, GateTrace, NextLogits,
    PermutationCheck, PermutationRun, SimilarToken, TokenLosses, TokenTexts, WeightMatrix,
};
pub use embeddings::EmbeddingSpace;
#[cfg(feature = "gpt")]
pub use inspector::{InspectError, Inspector};
pub use permutation::shuffle_order;
pub use quiz::{
    MAX_QUIZ_BYTES, MAX_QUIZ_ITEMS, QuizItem, QuizScores, QuizSets, QuizSummary, ReplyScore,
    summarise,
};

use crate::sampling::argmax;

/// Runs a question of [`Inspector`] to its end natively (the CLI, the tests), on a device whose
/// readbacks are ready at once (burn's CPU backend), so one poll finishes it.
///
/// # Panics
/// If the future is still pending after that poll: the device reads back asynchronously (WebGPU
/// in the browser), where the caller must `.await` instead.
#[cfg(not(target_family = "wasm"))]
pub fn resolve<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Waker};
    match std::pin::pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(out) => out,
        Poll::Pending => panic!("a question on a device that reads back asynchronously: await it"),
    }
}

/// The longest text, in tokens, a trace covers: a heatmap of T×T cells must stay quick to draw.
pub const MAX_TRACE_TOKENS: usize = 64;
/// The longest text, in tokens, whose loss is scored (at most the model's context too).
pub const MAX_LOSS_TOKENS: usize = 256;
/// Most contexts one [`Inspector::answer_losses`] question compares.
#[cfg(feature = "gpt")]
pub const MAX_CONTEXTS: usize = 6;
/// How many of the most likely next tokens a [`NextLogits`] names.
pub const NAMED_NEXT: usize = 64;
/// The most token ids one [`TokenTexts`] question may name (a page's run of draws).
pub const MAX_TOKEN_TEXTS: usize = 256;
/// The most tokens an embedding map labels.
pub const MAX_EMBEDDED_TOKENS: usize = 16;
/// How many neighbours the embedding map lists per token.
pub const NEIGHBOURS: usize = 6;
/// The most tokens the permutation check shuffles.
pub const MAX_PERMUTED_TOKENS: usize = 24;
/// The weight matrices of a block, by their names in the weights file (`blocks.{layer}.{name}`).
pub use crate::gpt::BLOCK_MATRICES as WEIGHT_MATRICES;

/// `ln Σ exp(row)`, computed stably in f64.
fn log_sum_exp(row: &[f32]) -> f64 {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f64 = row.iter().map(|&x| (f64::from(x) - f64::from(max)).exp()).sum();
    f64::from(max) + sum.ln()
}

/// Per position i < T−1 of the logits (T, V) of `ids`: −ln p(ids[i+1]) in nats, the most likely
/// token and its probability.
pub fn token_losses(ids: &[u32], logits: &[f32]) -> Vec<(f32, u32, f32)> {
    let v = logits.len() / ids.len();
    logits
        .chunks_exact(v)
        .take(ids.len() - 1)
        .enumerate()
        .map(|(i, row)| {
            let lse = log_sum_exp(row);
            let loss = (lse - f64::from(row[ids[i + 1] as usize])) as f32;
            let best = argmax(row);
            (loss, best as u32, (f64::from(row[best]) - lse).exp() as f32)
        })
        .collect()
}
