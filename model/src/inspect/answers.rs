//! The answers of [`Inspector`](super::Inspector): plain data, serialisable, the same natively and
//! in the page.

use serde::{Deserialize, Serialize};

use crate::generate::TopToken;
use crate::gpt::Array;

/// The text of tokens the page picked by id itself (draws from a distribution it was sent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenTexts {
    /// The ids asked about.
    pub ids: Vec<u32>,
    /// Each id's text, as the tokenizer decodes it alone (`<0xNN>` for a lone byte).
    pub texts: Vec<String>,
}

/// One block weight matrix of the loaded model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightMatrix {
    /// Its name in the weights file, e.g. `blocks.0.mlp.w_gate`.
    pub name: String,
    /// Its numbers, (rows, cols): a token's vector (1, rows) times the matrix gives (1, cols).
    pub values: Array,
    /// Parameters of the whole model.
    pub model_params: usize,
}

/// A token and its cosine similarity with another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarToken {
    /// Token id.
    pub id: u32,
    /// The token as text.
    pub text: String,
    /// Cosine similarity of the two embedding rows.
    pub cosine: f32,
}

/// One of the reader's tokens in the embedding map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddedToken {
    /// Token id: the row of the embedding matrix.
    pub id: u32,
    /// The token as text.
    pub text: String,
    /// Its row of the embedding matrix, C numbers.
    pub row: Vec<f32>,
    /// Where the 2-D projection puts it.
    pub point: [f32; 2],
    /// The tokens whose rows are most similar by cosine (itself excluded), most similar first.
    pub neighbours: Vec<SimilarToken>,
}

/// The Tumbler's embedding matrix seen from the reader's tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingMap {
    /// The reader's tokens (duplicates once), in order.
    pub tokens: Vec<EmbeddedToken>,
    /// How many tokens the text has.
    pub total_tokens: usize,
    /// Every row of the matrix projected onto its first two principal components, by token id.
    pub points: Vec<[f32; 2]>,
    /// The share of the variance each of the two components explains.
    pub explained: [f32; 2],
    /// How long the worker took, in milliseconds (the projection is computed once per model).
    pub millis: f64,
}

/// One setting (positions off or on) of the permutation check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermutationRun {
    /// Whether rotary position embeddings were applied.
    pub positions: bool,
    /// Layer 0: how the last token spreads its attention over the tokens, (nh, T), tokens in the
    /// original order.
    pub original: Array,
    /// The same after the shuffle, read back into the original order of the tokens, (nh, T).
    pub shuffled: Array,
    /// The largest difference between the two, over heads and tokens.
    pub attention_diff: f32,
    /// The most likely next tokens for the original order.
    pub next_original: Vec<TopToken>,
    /// The most likely next tokens for the shuffled order.
    pub next_shuffled: Vec<TopToken>,
    /// The largest difference between the two next-token distributions, over the vocabulary.
    pub prob_diff: f32,
    /// The same difference in the last layer's attention of the last token, (nh, T) compared.
    pub last_layer_diff: f32,
}

/// The permutation check: [`Inspector::permutation`](super::Inspector::permutation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermutationCheck {
    /// The tokens in their original order.
    pub tokens: Vec<String>,
    /// The shuffle: position i of the shuffled text holds original token `order[i]`; the last
    /// token stays last.
    pub order: Vec<usize>,
    /// Positions off, then on.
    pub runs: Vec<PermutationRun>,
}

/// The gate values of one token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateTrace {
    /// The traced tokens.
    pub tokens: Vec<String>,
    /// The token shown.
    pub position: usize,
    /// Per layer, `silu(x W_gate)` for that token: (n_layers, d_ff).
    pub gates: Array,
}

/// The attention of one forward pass, as the heatmaps draw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttentionTrace {
    /// Token ids of the traced text.
    pub ids: Vec<u32>,
    /// The token strings, one per id.
    pub tokens: Vec<String>,
    /// How many tokens the whole text has (more than `ids.len()` when it was cut).
    pub total_tokens: usize,
    /// Per layer, the attention probabilities, (nh, T, T): row i is where token i looks.
    pub layers: Vec<Array>,
    /// The most likely tokens to follow the text, most likely first.
    pub next: Vec<TopToken>,
    /// How long the forward pass took in the worker, in milliseconds.
    pub millis: f64,
}

/// What the model predicts after a text: the raw logits over its whole vocabulary. The page
/// reshapes them (temperature, top-k, top-p) with `tumbler_model::sampling`, the code the CLI and
/// the generator use, so a slider needs no new forward pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextLogits {
    /// The ids of the tokens the model read.
    #[serde(default)]
    pub ids: Vec<u32>,
    /// The tokens the model read: the text's last ones when it was cut.
    pub tokens: Vec<String>,
    /// How many tokens the text had (more than `tokens.len()` when it was cut).
    pub total_tokens: usize,
    /// The logit of every token in the vocabulary, by id: (V).
    pub logits: Vec<f32>,
    /// The [`NAMED_NEXT`] most likely next tokens at temperature 1, most likely first, with their
    /// text: the only ones the page draws by name.
    pub top: Vec<TopToken>,
    /// How long the forward pass took in the worker, in milliseconds.
    pub millis: f64,
}

impl NextLogits {
    /// The text of token `id`, if it is among the named ones.
    pub fn name(&self, id: u32) -> Option<&str> {
        self.top.iter().find(|t| t.id == id).map(|t| t.text.as_str())
    }
}

/// How surprised the model is by each token of a text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenLosses {
    /// Token ids of the scored text.
    pub ids: Vec<u32>,
    /// The token strings, one per id.
    pub tokens: Vec<String>,
    /// How many tokens the whole text has (more than `ids.len()` when it was cut).
    pub total_tokens: usize,
    /// `losses[i]` = −ln p(token i+1 | tokens 0..=i), in nats: one per token after the first.
    pub losses: Vec<f32>,
    /// At each position, the token the model found most likely to come next (what it expected
    /// instead of token i+1).
    pub expected: Vec<TopToken>,
    /// How long the forward pass took in the worker, in milliseconds.
    pub millis: f64,
}

impl TokenLosses {
    /// The mean loss per predicted token, in nats (the training loss on this text).
    pub fn mean(&self) -> f64 {
        if self.losses.is_empty() {
            return f64::NAN;
        }
        self.losses.iter().map(|&l| f64::from(l)).sum::<f64>() / self.losses.len() as f64
    }
}

/// How well a model predicts one text (the answer) after each of several contexts: what reading
/// a passage does for it, and where in the context the passage stands (the memory chapter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerLosses {
    /// The answer's token strings.
    pub tokens: Vec<String>,
    /// One per context, in the order asked.
    pub contexts: Vec<ContextLoss>,
    /// How long the forward passes took in the worker, in milliseconds.
    pub millis: f64,
}

/// The answer's losses after one context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextLoss {
    /// The context's tokens that were read (its start is left out when context and answer do
    /// not fit the model's window together).
    pub context_tokens: usize,
    /// Tokens left out of the context's start.
    pub dropped: usize,
    /// −ln p(answer token i | context, answer tokens before i), in nats, one per answer token.
    pub losses: Vec<f32>,
}

impl ContextLoss {
    /// The mean loss per answer token, in nats.
    pub fn mean(&self) -> f64 {
        if self.losses.is_empty() {
            return f64::NAN;
        }
        self.losses.iter().map(|&l| f64::from(l)).sum::<f64>() / self.losses.len() as f64
    }
}
