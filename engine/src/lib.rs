//! The engine: the Tumbler (burn + its tokenizer) in a Web Worker, and the typed messages the page
//! and the worker exchange.
//!
//! This library compiles everywhere and carries no tensor library, so the page depends on it for
//! the messages alone: [`protocol`] (what is asked, and the lifecycle of a reply), [`answers`]
//! (what comes back) and [`limits`] (what both sides cut texts to). The worker binaries
//! (`src/main.rs`, and `src/webgpu.rs` with burn's WebGPU backend) answer with the model's own
//! computations, `tumbler_model::inspect` and `tumbler_model::generate`. Every message crosses
//! `postMessage` as one JSON string.

pub mod answers;
pub mod fetch;
pub mod limits;
pub mod opfs;
pub mod protocol;
#[cfg(test)]
mod tests;
pub mod text;

pub use answers::{
    Ablation, AblationMode, Attribution, Component, LensCell, PatchProgress, PatchRow, PatchSetup,
    WhyReport,
};
pub use answers::{
    Answer, DecodeSpeed, DistillEval, DistillProgress, DistillSetup, DistillStart, DistillStep,
    DistillTimedStep, DpoEnd, DpoProgress, DpoScored, DpoStart, DpoStep, ForwardTime, FusedCheck,
    GeneratedToken, GpuCheck, KvStep, LearnProgress, LearnRun, LearnSample, LearnStep, MmoeEval,
    MmoeProgress, MmoeSetup, MmoeStart, MmoeStep, MmoeSteps, OpenedModel, OwnProgress, OwnStart,
    OwnStep, PerCall, PipelineRun, RlProgress, RlRoundStep, RlSftStep, RlStart, RlhfProgress,
    RlhfReply, RlhfTrained, Step, StudentEval,
};
pub use answers::{LayerRoute, MoeDownload, ParamCount, RouteTrace, TokenRoute};
pub use limits::*;
pub use protocol::{
    Backend, ChatMessage, LoadStatus, Model, ModelUrls, MoeUrls, Query, Reply, Request,
};
pub use text::{
    BpeMerges, EncodeProgress, Encoded, EncodedPiece, FittedPrompt, TextPiece, Token, VocabLoaded,
    VocabStep,
};
pub use tumbler_model::chat::Role;
pub use tumbler_model::generate::{DoneReason, GenerateOptions, TopToken, top_tokens};
pub use tumbler_model::inspect::{
    AnswerLosses, AttentionTrace, ContextLoss, EmbeddedToken, EmbeddingMap, GateTrace, NextLogits,
    PermutationCheck, PermutationRun, QuizItem, QuizScores, QuizSets, QuizSummary, ReplyScore,
    SimilarToken, TokenLosses, TokenTexts, WeightMatrix, summarise,
};
