//! [`Inspector`]: the questions asked of a loaded model, each encoding, cutting, running and
//! reading back once.

use super::{
    AnswerLosses, AttentionTrace, ContextLoss, EmbeddingMap, EmbeddingSpace, GateTrace,
    MAX_CONTEXTS, MAX_LOSS_TOKENS, MAX_PERMUTED_TOKENS, MAX_QUIZ_BYTES, MAX_QUIZ_ITEMS,
    MAX_TOKEN_TEXTS, MAX_TRACE_TOKENS, NAMED_NEXT, NextLogits, PermutationCheck, QuizItem,
    QuizScores, TokenLosses, TokenTexts, WEIGHT_MATRICES, WeightMatrix, permutation, quiz,
    shuffle_order, token_losses,
};
use crate::chat;
use crate::generate::{CANDIDATES, TopToken, Vocab, top_tokens};
use crate::gpt::{Array, ForwardOptions, ReadbackError, Trace, TraceOptions, Tumbler, ids_tensor};
use crate::sampling::softmax_with_temperature;
use crate::tokenizer::Encoding;

/// Why a question got no answer.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// The question cannot be answered as asked (no text, a layer that does not exist): the
    /// message is for the reader.
    #[error("{0}")]
    Input(String),
    /// The device did not give the numbers back (on WebGPU: the GPU was lost).
    #[error(transparent)]
    Readback(#[from] ReadbackError),
}

fn input(message: impl Into<String>) -> InspectError {
    InspectError::Input(message.into())
}

/// A loaded model and its tokenizer, asked about texts.
#[derive(Clone, Copy)]
pub struct Inspector<'a> {
    /// The model.
    pub model: &'a Tumbler,
    /// Its tokenizer.
    pub encoding: &'a Encoding,
}

impl<'a> Inspector<'a> {
    /// Asks `model`, reading texts with `encoding`.
    pub fn new(model: &'a Tumbler, encoding: &'a Encoding) -> Self {
        Self { model, encoding }
    }

    fn context(&self) -> usize {
        self.model.config.context_length
    }

    fn names(&self, ids: &[u32]) -> Vec<String> {
        ids.iter().map(|&id| self.encoding.text(id)).collect()
    }

    /// `text`'s tokens, or an error that says there is nothing to `what`.
    fn encode(&self, text: &str, what: &str) -> Result<Vec<u32>, InspectError> {
        let ids = self.encoding.encode(text);
        if ids.is_empty() { Err(input(format!("there is no text to {what}"))) } else { Ok(ids) }
    }

    async fn trace_ids(&self, ids: &[u32], options: TraceOptions) -> Result<Trace, ReadbackError> {
        self.model.trace_async(ids, self.names(ids), options).await
    }

    /// One pass over `ids`, its logits read back: (T, V) row-major.
    pub(super) async fn logits(&self, ids: &[u32]) -> Result<Vec<f32>, ReadbackError> {
        let device = self.model.embedding.weight.val().device();
        let out =
            self.model.forward_with(ids_tensor(ids, &device), ForwardOptions::default(), None);
        let data = out.logits.into_data_async().await.map_err(|e| ReadbackError::of(&e))?;
        data.try_to_vec::<f32>().map_err(|e| ReadbackError::of(&e))
    }

    /// Every layer's attention over the first [`MAX_TRACE_TOKENS`] tokens of `text`, and the
    /// most likely next tokens after them.
    pub async fn attention(&self, text: &str) -> Result<AttentionTrace, InspectError> {
        let all = self.encode(text, "trace")?;
        let keep = all.len().min(MAX_TRACE_TOKENS).min(self.context());
        let trace = self.trace_ids(&all[..keep], TraceOptions::default()).await?;
        let probs = softmax_with_temperature(trace.logits.slice(&[keep - 1]), 1.0);
        Ok(AttentionTrace {
            next: top_tokens(&probs, CANDIDATES, |id| self.encoding.text(id)),
            ids: trace.ids,
            tokens: trace.tokens,
            total_tokens: all.len(),
            layers: trace.layers.into_iter().map(|layer| layer.attention).collect(),
            millis: 0.0,
        })
    }

    /// The logits of the token after `text` (its last context-length tokens are read).
    pub async fn next(&self, text: &str) -> Result<NextLogits, InspectError> {
        let all = self.encoding.encode(text);
        if all.is_empty() {
            return Err(input("there is no text: type a few words for the model to continue"));
        }
        // The model predicts what follows the end of the text: keep its last tokens.
        let ids = &all[all.len().saturating_sub(self.context())..];
        let logits = self.logits(ids).await?; // (T, V)
        let v = logits.len() / ids.len();
        let last = logits[(ids.len() - 1) * v..].to_vec(); // (V)
        let probs = softmax_with_temperature(&last, 1.0);
        Ok(NextLogits {
            ids: ids.to_vec(),
            tokens: self.names(ids),
            total_tokens: all.len(),
            top: top_tokens(&probs, NAMED_NEXT, |id| self.encoding.text(id)),
            logits: last,
            millis: 0.0,
        })
    }

    /// The loss of every token of `text` (its first [`MAX_LOSS_TOKENS`]) given the ones before.
    pub async fn losses(&self, text: &str) -> Result<TokenLosses, InspectError> {
        let all = self.encoding.encode(text);
        if all.len() < 2 {
            return Err(input("the loss needs at least two tokens: one to read, one to predict"));
        }
        let keep = all.len().min(MAX_LOSS_TOKENS).min(self.context());
        let ids = &all[..keep];
        let logits = self.logits(ids).await?; // (T, V)
        let (losses, expected) = token_losses(ids, &logits)
            .into_iter()
            .map(|(loss, best, p)| (loss, TopToken { id: best, text: self.encoding.text(best), p }))
            .unzip();
        Ok(TokenLosses {
            ids: ids.to_vec(),
            tokens: self.names(ids),
            total_tokens: all.len(),
            losses,
            expected,
            millis: 0.0,
        })
    }

    /// The loss of each token of `answer` read after each of `contexts` (at most
    /// [`MAX_CONTEXTS`]), one forward pass each. Context and answer are encoded apart and joined,
    /// so the answer's tokens are the same after every context; where the two do not fit the
    /// window, the context's start is left out.
    pub async fn answer_losses(
        &self,
        contexts: &[String],
        answer: &str,
    ) -> Result<AnswerLosses, InspectError> {
        let answer_ids = self.encode(answer, "score as the answer")?;
        let window = self.context();
        if answer_ids.len() >= window {
            return Err(input(format!(
                "the answer is {} tokens; it must leave room in the {window}-token window",
                answer_ids.len()
            )));
        }
        if contexts.is_empty() || contexts.len() > MAX_CONTEXTS {
            return Err(input(format!("ask about 1 to {MAX_CONTEXTS} contexts")));
        }
        let mut scored = Vec::with_capacity(contexts.len());
        for context in contexts {
            let context_ids = self.encode(context, "read before the answer")?;
            let room = window - answer_ids.len();
            let dropped = context_ids.len().saturating_sub(room);
            let mut ids = context_ids[dropped..].to_vec();
            let read = ids.len();
            ids.extend_from_slice(&answer_ids);
            let logits = self.logits(&ids).await?; // (T, V)
            // Position i predicts token i + 1: the answer's tokens are predicted from read − 1 on.
            let losses = token_losses(&ids, &logits)[read - 1..].iter().map(|l| l.0).collect();
            scored.push(ContextLoss { context_tokens: read, dropped, losses });
        }
        Ok(AnswerLosses { tokens: self.names(&answer_ids), contexts: scored, millis: 0.0 })
    }

    /// Each item's reply scored after its question in the chat template, exactly as fine-tuning
    /// read the pair (see [`quiz`](super::quiz)): one forward pass per item, at most
    /// [`MAX_QUIZ_ITEMS`]; a reply longer than the window is cut there.
    pub async fn quiz(&self, items: &[QuizItem]) -> Result<QuizScores, InspectError> {
        if items.is_empty() || items.len() > MAX_QUIZ_ITEMS {
            return Err(input(format!(
                "ask about 1 to {MAX_QUIZ_ITEMS} questions, not {}",
                items.len()
            )));
        }
        let window = self.context();
        let mut scores = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let n = i + 1;
            if item.user.trim().is_empty() || item.assistant.trim().is_empty() {
                return Err(input(format!("item {n} needs a question and a reply")));
            }
            if item.user.len() > MAX_QUIZ_BYTES || item.assistant.len() > MAX_QUIZ_BYTES {
                return Err(input(format!("item {n} is over {MAX_QUIZ_BYTES} bytes")));
            }
            let mut ids = self.encoding.encode_with_special_tokens(&chat::prompt(&item.user));
            let start = ids.len();
            if start + 1 >= window {
                return Err(input(format!("item {n}'s question fills the {window}-token window")));
            }
            ids.extend(self.encoding.encode_with_special_tokens(&chat::reply(&item.assistant)));
            ids.truncate(window);
            let logits = self.logits(&ids).await?; // (T, V)
            scores.push(quiz::score_reply(&ids, &logits, start));
        }
        Ok(QuizScores { scores, millis: 0.0 })
    }

    /// The SwiGLU gate values `silu(x W_gate)` of token `position` of `text` (`None`: the last of
    /// its first [`MAX_TRACE_TOKENS`]) in every layer.
    pub async fn gates(
        &self,
        text: &str,
        position: Option<usize>,
    ) -> Result<GateTrace, InspectError> {
        let all = self.encode(text, "trace")?;
        let keep = all.len().min(MAX_TRACE_TOKENS).min(self.context());
        let position = position.unwrap_or(keep - 1);
        if position >= keep {
            return Err(input(format!(
                "token {position} is past the end of the {keep} traced tokens"
            )));
        }
        let trace = self.trace_ids(&all[..keep], TraceOptions::default()).await?;
        let data: Vec<f32> =
            trace.layers.iter().flat_map(|layer| layer.gate.slice(&[position]).to_vec()).collect();
        Ok(GateTrace {
            tokens: trace.tokens,
            position,
            gates: Array::new(vec![trace.layers.len(), self.model.config.d_ff], data),
        })
    }

    /// The text of each of `ids` (at most [`MAX_TOKEN_TEXTS`]); an id outside the vocabulary is
    /// an error that names it.
    pub fn token_texts(&self, ids: &[u32]) -> Result<TokenTexts, InspectError> {
        if ids.len() > MAX_TOKEN_TEXTS {
            return Err(input(format!(
                "at most {MAX_TOKEN_TEXTS} tokens at a time, not {}",
                ids.len()
            )));
        }
        let v = self.model.config.vocab_size;
        if let Some(bad) = ids.iter().find(|&&id| id as usize >= v) {
            return Err(input(format!("token id {bad} is not in the vocabulary (0 to {})", v - 1)));
        }
        Ok(TokenTexts { ids: ids.to_vec(), texts: self.names(ids) })
    }

    /// All the numbers of the matrix `matrix` (one of [`WEIGHT_MATRICES`]) of block `layer`.
    pub async fn weights(&self, layer: usize, matrix: &str) -> Result<WeightMatrix, InspectError> {
        let layers = self.model.config.n_layers;
        if layer >= layers {
            return Err(input(format!("the model has layers 0 to {}, not {layer}", layers - 1)));
        }
        if !WEIGHT_MATRICES.contains(&matrix) {
            return Err(input(format!(
                "a block has no matrix {matrix:?}; it has {WEIGHT_MATRICES:?}"
            )));
        }
        let name = format!("blocks.{layer}.{matrix}");
        let (_, flat, shape) = self
            .model
            .named_params()
            .into_iter()
            .find(|(n, ..)| *n == name)
            .ok_or_else(|| input(format!("the model has no parameter {name}")))?;
        let data = flat.into_data_async().await.map_err(|e| ReadbackError::of(&e))?;
        let values = data.try_to_vec::<f32>().map_err(|e| ReadbackError::of(&e))?;
        Ok(WeightMatrix {
            name,
            values: Array::new(shape, values),
            model_params: self.model.config.param_count(),
        })
    }

    /// The embedding matrix of the model, read back, with its 2-D projection (computed once per
    /// model by the caller that keeps it).
    pub async fn embedding_space(&self) -> Result<EmbeddingSpace, InspectError> {
        let dims = self.model.config.d_model;
        let vocab = self.encoding.vocab_size().min(self.model.config.vocab_size);
        let data = self
            .model
            .embedding
            .weight
            .val()
            .into_data_async()
            .await
            .map_err(|e| ReadbackError::of(&e))?;
        let all = data.try_to_vec::<f32>().map_err(|e| ReadbackError::of(&e))?;
        Ok(EmbeddingSpace::new(all[..vocab * dims].to_vec(), dims))
    }

    /// The rows of `text`'s tokens in `space`, their nearest tokens and the whole matrix in 2-D.
    pub fn embeddings(
        &self,
        space: &EmbeddingSpace,
        text: &str,
    ) -> Result<EmbeddingMap, InspectError> {
        let ids = self.encode(text, "look up")?;
        Ok(space.map(&ids, |id| self.encoding.text(id)))
    }

    /// Shuffles all tokens of `text` but the last and compares the model's attention and
    /// next-token distribution before and after, with positions off and on.
    pub async fn permutation(
        &self,
        text: &str,
        seed: u64,
    ) -> Result<PermutationCheck, InspectError> {
        let all = self.encode(text, "shuffle")?;
        let keep = all.len().min(MAX_PERMUTED_TOKENS).min(self.context());
        if keep < 3 {
            let s = if all.len() == 1 { "" } else { "s" };
            return Err(input(format!(
                "your text is {} token{s}: type at least three to shuffle",
                all.len()
            )));
        }
        let ids = &all[..keep];
        let order = shuffle_order(keep, seed);
        let shuffled: Vec<u32> = order.iter().map(|&i| ids[i]).collect();
        let mut runs = Vec::with_capacity(2);
        for positions in [false, true] {
            let options = TraceOptions { forward: ForwardOptions { positions }, qkv: false };
            let a = self.trace_ids(ids, options).await?;
            let b = self.trace_ids(&shuffled, options).await?;
            runs.push(permutation::compare(&a, &b, &order, positions, |id| self.encoding.text(id)));
        }
        Ok(PermutationCheck { tokens: self.names(ids), order, runs })
    }
}
