//! Why did the model say that: the `why` chapter's tools, on any Tumbler and the reader's prompt.
//!
//! - **Logit lens** (nostalgebraist 2020): the residual stream after the embedding and after
//!   every block, read out through the final RMSNorm and the tied unembedding as if the model
//!   ended there: per layer and position, the top tokens and their probabilities.
//! - **Direct logit attribution** (Elhage et al. 2021, "A Mathematical Framework for Transformer
//!   Circuits"): the final residual at a position is a sum — the embedding, every head's output
//!   (its slice of the attention output through its rows of W_o) and every MLP's output. The
//!   final RMSNorm is not linear, so its scale 1/rms(x) is frozen at its value on the real
//!   residual; each part's dot product with that scale times the norm gain times the target's
//!   unembedding row is its contribution, and the contributions sum to the logit up to rounding
//!   (`rest`: the model has no biases, so nothing else is left over).
//! - **Ablation**: heads and MLPs switched off, their output replaced by zero or by its mean over
//!   the prompt's positions up to the one read; the new next-token distribution.
//! - **Activation patching** (causal tracing, Meng et al. 2022, "Locating and Editing Factual
//!   Associations in GPT"): the residual stream of a second prompt (same length in tokens) at one
//!   layer and position copied into the first prompt's run, for every layer × position; the
//!   change in the target token's logit and probability.
//!
//! Every pass is the fused CPU forward ([`CpuDecoder::forward_probed`]) with a probe that
//! records or edits its intermediate values: no other copy of the forward pass.
//!
//! [`CpuDecoder::forward_probed`]: crate::decode::CpuDecoder::forward_probed

#[cfg(feature = "gpt")]
mod run;
#[cfg(all(test, feature = "gpt"))]
mod tests;

use serde::{Deserialize, Serialize};

use crate::generate::TopToken;

#[cfg(feature = "gpt")]
pub use run::{Patching, Why};

/// The most prompt tokens the tools read: a layer × position grid must stay legible, and
/// patching runs one pass per cell.
pub const MAX_WHY_TOKENS: usize = 24;
/// Top tokens per logit-lens cell.
pub const LENS_TOP: usize = 5;
/// Top tokens of an ablation's distributions.
pub const ABLATION_TOP: usize = 10;

/// A head or an MLP of one block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Component {
    /// Attention head `head` of block `layer` (both from 0).
    Head {
        /// The block.
        layer: usize,
        /// The head.
        head: usize,
    },
    /// The MLP of block `layer`.
    Mlp {
        /// The block.
        layer: usize,
    },
}

impl Component {
    /// `L.H` for a head, `L.mlp` for an MLP (the CLI's `--ablate` spelling).
    pub fn label(&self) -> String {
        match self {
            Component::Head { layer, head } => format!("{layer}.{head}"),
            Component::Mlp { layer } => format!("{layer}.mlp"),
        }
    }

    /// Reads `L.H` or `L.mlp`.
    pub fn parse(text: &str) -> Result<Self, WhyError> {
        let bad = || WhyError::Component(text.to_string());
        let (layer, rest) = text.trim().split_once('.').ok_or_else(bad)?;
        let layer = layer.parse().map_err(|_| bad())?;
        if rest.eq_ignore_ascii_case("mlp") {
            return Ok(Component::Mlp { layer });
        }
        Ok(Component::Head { layer, head: rest.parse().map_err(|_| bad())? })
    }
}

/// What an ablated component's output is replaced by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AblationMode {
    /// Zero.
    #[default]
    Zero,
    /// Its mean over the prompt's positions up to the one read.
    Mean,
}

/// Why a question about a prompt has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WhyError {
    /// Nothing to read.
    #[error("the prompt is empty")]
    Empty,
    /// More tokens than the tools read.
    #[error("the prompt is {tokens} tokens; these tools read at most {max}")]
    TooLong {
        /// Its tokens.
        tokens: usize,
        /// The limit.
        max: usize,
    },
    /// A token id outside the vocabulary.
    #[error("token id {id} is outside the vocabulary of {vocab}")]
    Id {
        /// The id.
        id: u32,
        /// The vocabulary size.
        vocab: usize,
    },
    /// A position past the prompt.
    #[error("position {position} is past the prompt's {tokens} tokens")]
    Position {
        /// The position asked for.
        position: usize,
        /// The prompt's tokens.
        tokens: usize,
    },
    /// A component spelled wrongly or outside the model.
    #[error("no component {0:?} in this model (heads are L.H, MLPs L.mlp, from 0)")]
    Component(String),
    /// Patching needs prompts of one length.
    #[error(
        "patching copies activations position by position, so the two prompts must have the same \
         number of tokens ({clean} and {from})"
    )]
    Lengths {
        /// Tokens of the prompt patched into.
        clean: usize,
        /// Tokens of the prompt patched from.
        from: usize,
    },
}

/// The logit lens and the direct logit attribution of one prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhyReport {
    /// The prompt's tokens.
    pub tokens: Vec<String>,
    /// Their ids.
    pub ids: Vec<u32>,
    /// The lens, (L + 1, T): row 0 reads the embedding, row l + 1 the stream after block l (the
    /// last row is the model's real output).
    pub lens: Vec<Vec<LensCell>>,
    /// The attribution of the target token's logit.
    pub attribution: Attribution,
    /// How long the lens took in the worker, in milliseconds (0 natively).
    pub lens_millis: f64,
    /// How long the attribution took in the worker, in milliseconds (0 natively).
    pub attribution_millis: f64,
}

/// One layer × position of the logit lens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LensCell {
    /// The most likely next tokens read out here, most likely first.
    pub top: Vec<TopToken>,
    /// The probability read out here of the token the whole model ranks first at this position.
    pub final_p: f32,
}

/// The target token's logit at one position, split into what each part of the model adds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    /// The position read.
    pub position: usize,
    /// The target token, with its probability there.
    pub target: TopToken,
    /// Its logit there.
    pub logit: f32,
    /// The final norm's scale 1/rms(x) on the real residual, frozen for the split.
    pub norm_scale: f32,
    /// The token embedding's share.
    pub embedding: f32,
    /// Each head's share, (L, nh).
    pub heads: Vec<Vec<f32>>,
    /// Each MLP's share, (L).
    pub mlps: Vec<f32>,
    /// The logit minus every share: rounding only.
    pub rest: f32,
}

/// The next-token distribution with components switched off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ablation {
    /// The components switched off.
    pub components: Vec<Component>,
    /// How.
    pub mode: AblationMode,
    /// The position read.
    pub position: usize,
    /// The target token.
    pub target: u32,
    /// Its logit before and after.
    pub logit: [f32; 2],
    /// Its probability before and after.
    pub p: [f32; 2],
    /// The most likely tokens before.
    pub before: Vec<TopToken>,
    /// The most likely tokens after.
    pub after: Vec<TopToken>,
    /// KL(before ‖ after) in nats.
    pub kl: f32,
    /// How long it took in the worker, in milliseconds (0 natively).
    pub millis: f64,
}

/// What patching runs before its grid: the two prompts unpatched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchSetup {
    /// The tokens of the prompt patched into.
    pub tokens: Vec<String>,
    /// The tokens of the prompt patched from.
    pub source_tokens: Vec<String>,
    /// The position read.
    pub position: usize,
    /// The target token.
    pub target: TopToken,
    /// Its logit in the prompt's own run, then in the source prompt's.
    pub logit: [f32; 2],
    /// Its probability in the prompt's own run, then in the source prompt's.
    pub p: [f32; 2],
}

/// One row of the patching grid: the residual stream at one depth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchRow {
    /// 0: after the embedding; l + 1: after block l.
    pub layer: usize,
    /// Per position, the target's logit after patching minus before (0 after the position read:
    /// those tokens cannot reach it).
    pub delta_logit: Vec<f32>,
    /// Per position, the same for its probability.
    pub delta_p: Vec<f32>,
}

/// What the page draws of patching: setup, then a row per depth as it comes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PatchProgress {
    /// The unpatched runs.
    Start(PatchSetup),
    /// One depth done.
    Row(PatchRow),
}
