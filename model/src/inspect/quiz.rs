//! Contamination, measured: a model scored on questions it was trained on and on questions of the
//! same kind it never saw. Each item is a user question and its reference reply in the chat
//! template; the model reads both in one pass (teacher forcing) and every reply token is scored:
//! its loss −ln p, and whether it was the model's top choice. A reply whose every token was the
//! top choice is one greedy decoding would write word for word — recalled exactly.

use serde::{Deserialize, Serialize};

/// At most this many items per question to the worker.
pub const MAX_QUIZ_ITEMS: usize = 64;
/// At most this many bytes in a question or a reply.
pub const MAX_QUIZ_BYTES: usize = 2_000;

/// A question and the reply the model is scored on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizItem {
    pub user: String,
    pub assistant: String,
}

/// The two sets the benchmarks chapter scores (`public/model/contamination.json`, written by
/// `tumbler contamination --build` from the fine-tuning data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuizSets {
    /// Where the items come from, in words.
    pub source: String,
    /// How the fine-tuning split chose its held-out questions, in words.
    pub split: String,
    /// Items from the chat model's fine-tuning data: it trained on them.
    pub trained: Vec<QuizItem>,
    /// Items of the same source held out of fine-tuning.
    pub held_out: Vec<QuizItem>,
}

/// How one item's reply scored.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReplyScore {
    /// Reply tokens scored (the reply's text, its closing token and newline; cut by the window).
    pub tokens: usize,
    /// Mean −ln p over those tokens, nats.
    pub mean_loss: f64,
    /// Tokens that were the model's top choice.
    pub hits: usize,
}

impl ReplyScore {
    /// Every token the top choice: greedy decoding writes this reply exactly.
    pub fn exact(&self) -> bool {
        self.tokens > 0 && self.hits == self.tokens
    }
}

/// A set's scores, summed up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct QuizSummary {
    pub items: usize,
    /// Mean over items of their mean token loss, nats.
    pub mean_loss: f64,
    /// Top-choice tokens over all tokens.
    pub token_accuracy: f64,
    /// Items recalled exactly, over items.
    pub exact_rate: f64,
}

/// The summary of `scores` (zeros for none).
pub fn summarise(scores: &[ReplyScore]) -> QuizSummary {
    let n = scores.len();
    if n == 0 {
        return QuizSummary { items: 0, mean_loss: 0.0, token_accuracy: 0.0, exact_rate: 0.0 };
    }
    let tokens: usize = scores.iter().map(|s| s.tokens).sum();
    let hits: usize = scores.iter().map(|s| s.hits).sum();
    QuizSummary {
        items: n,
        mean_loss: scores.iter().map(|s| s.mean_loss).sum::<f64>() / n as f64,
        token_accuracy: if tokens == 0 { 0.0 } else { hits as f64 / tokens as f64 },
        exact_rate: scores.iter().filter(|s| s.exact()).count() as f64 / n as f64,
    }
}

/// The scores of one question's items, in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizScores {
    pub scores: Vec<ReplyScore>,
    /// How long the worker took, in milliseconds.
    pub millis: f64,
}

/// The score of the reply tokens `ids[start..]` from the logits of a pass over `ids` ((T, V)).
#[cfg(feature = "gpt")]
pub(super) fn score_reply(ids: &[u32], logits: &[f32], start: usize) -> ReplyScore {
    // Position i predicts token i + 1: the reply's tokens are predicted from start − 1 on.
    let scored = &super::token_losses(ids, logits)[start - 1..];
    let hits = scored.iter().enumerate().filter(|(i, l)| l.1 == ids[start + i]).count();
    ReplyScore {
        tokens: scored.len(),
        mean_loss: scored.iter().map(|l| f64::from(l.0)).sum::<f64>() / scored.len().max(1) as f64,
        hits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "gpt")]
    fn a_reply_is_scored_from_the_position_before_it() {
        // Three tokens, vocabulary 3; the reply is ids[1..] = [2, 0].
        let ids = [1u32, 2, 0];
        #[rustfmt::skip]
        let logits = [
            0.0, 0.0, 5.0, // after 1: predicts 2 (right)
            0.0, 5.0, 0.0, // after 2: predicts 1 (wrong, 0 was next)
            0.0, 0.0, 0.0, // after 0: nothing to predict
        ];
        let s = score_reply(&ids, &logits, 1);
        assert_eq!((s.tokens, s.hits), (2, 1));
        assert!(!s.exact());
        let lse = (2.0f64 + 5f64.exp()).ln();
        let expected = ((lse - 5.0) + lse) / 2.0;
        assert!((s.mean_loss - expected).abs() < 1e-5, "{} vs {expected}", s.mean_loss);
    }

    #[test]
    fn summaries_count_exact_items_and_tokens() {
        let scores = [
            ReplyScore { tokens: 4, mean_loss: 0.5, hits: 4 },
            ReplyScore { tokens: 6, mean_loss: 1.5, hits: 3 },
        ];
        let s = summarise(&scores);
        assert_eq!(s.items, 2);
        assert!((s.mean_loss - 1.0).abs() < 1e-12);
        assert!((s.token_accuracy - 0.7).abs() < 1e-12);
        assert!((s.exact_rate - 0.5).abs() < 1e-12);
        assert_eq!(summarise(&[]).items, 0);
    }
}
