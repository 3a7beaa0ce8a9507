//! What the worker answers: one [`Answer`] per question, or a stream of [`Step`]s.
//!
//! Every answer and step has its own type, and `TryFrom<Answer>` (`TryFrom<Step>`) takes it out,
//! so the page asks for a type (`ask::<TokenLosses>(query)`) and the compiler checks the rest.

use serde::{Deserialize, Serialize};

use crate::text::{BpeMerges, EncodeProgress, Encoded, FittedPrompt, VocabLoaded, VocabStep};
use tumbler_model::data::{PipelineReport, Verdict};
pub use tumbler_model::decode::check::{FusedCheck, GpuCheck, PerCall};
pub use tumbler_model::distill::{DistillEval, DistillSetup, DistillStep, StudentEval};
use tumbler_model::dpo::{DpoScore, DpoTerms, PairTokens};
use tumbler_model::generate::TopToken;
use tumbler_model::gpt::TumblerConfig;
use tumbler_model::inspect::{
    AnswerLosses, AttentionTrace, EmbeddingMap, GateTrace, NextLogits, PermutationCheck,
    QuizScores, TokenLosses, TokenTexts, WeightMatrix,
};
pub use tumbler_model::mmoe::{MmoeEval, MmoeSetup, MmoeStep};
pub use tumbler_model::moe::{LayerRoute, ParamCount, RouteTrace, TokenRoute};
use tumbler_model::own::OwnState;
pub use tumbler_model::rl::{Graded, Group, HeldOut, RlOptions, Round};
pub use tumbler_model::rlhf::{Candidate, RmStep};
pub use tumbler_model::why::{
    Ablation, AblationMode, Attribution, Component, LensCell, PatchProgress, PatchRow, PatchSetup,
    WhyReport,
};

/// An enum with one variant per type, `From` each type and `TryFrom` back.
macro_rules! one_of {
    ($(#[$meta:meta])* $name:ident { $($(#[$doc:meta])* $variant:ident($ty:ty),)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$doc])* $variant($ty),)*
        }

        $(
            impl From<$ty> for $name {
                fn from(value: $ty) -> Self {
                    $name::$variant(value)
                }
            }

            impl TryFrom<$name> for $ty {
                type Error = $name;
                fn try_from(value: $name) -> Result<Self, $name> {
                    match value {
                        $name::$variant(value) => Ok(value),
                        other => Err(other),
                    }
                }
            }
        )*
    };
}

one_of! {
    /// The one reply to a question that is not a stream.
    Answer {
        /// To [`Query::Trace`](crate::Query::Trace).
        Trace(AttentionTrace),
        /// To [`Query::Next`](crate::Query::Next).
        Next(NextLogits),
        /// To [`Query::Loss`](crate::Query::Loss).
        Loss(TokenLosses),
        /// To [`Query::AnswerLoss`](crate::Query::AnswerLoss).
        AnswerLoss(AnswerLosses),
        /// To [`Query::Gates`](crate::Query::Gates).
        Gates(GateTrace),
        /// To [`Query::Permutation`](crate::Query::Permutation).
        Permutation(PermutationCheck),
        /// To [`Query::Embeddings`](crate::Query::Embeddings).
        Embeddings(EmbeddingMap),
        /// To [`Query::Weights`](crate::Query::Weights).
        Weights(WeightMatrix),
        /// To [`Query::TokenTexts`](crate::Query::TokenTexts).
        TokenTexts(TokenTexts),
        /// To [`Query::Pipeline`](crate::Query::Pipeline).
        Pipeline(PipelineRun),
        /// To [`Query::DecodeSpeed`](crate::Query::DecodeSpeed).
        DecodeSpeed(DecodeSpeed),
        /// To [`Query::GpuCheck`](crate::Query::GpuCheck).
        GpuCheck(GpuCheck),
        /// To [`Query::DpoScore`](crate::Query::DpoScore).
        Dpo(DpoScored),
        /// To [`Query::Quiz`](crate::Query::Quiz).
        Quiz(QuizScores),
        /// To [`Query::Route`](crate::Query::Route).
        Route(RouteTrace),
        /// To [`Query::FusedCheck`](crate::Query::FusedCheck).
        FusedCheck(FusedCheck),
        /// To [`Query::Why`](crate::Query::Why).
        Why(WhyReport),
        /// To [`Query::WhyAblate`](crate::Query::WhyAblate).
        WhyAblate(Ablation),
        /// To [`Query::Open`](crate::Query::Open) and [`Query::UseShipped`](crate::Query::UseShipped).
        Opened(OpenedModel),
        /// To [`Query::Vocab`](crate::Query::Vocab), after its steps.
        Vocab(VocabLoaded),
        /// To [`Query::Encode`](crate::Query::Encode), after its steps (a long text's).
        Encoded(Encoded),
        /// To [`Query::BpeMerges`](crate::Query::BpeMerges).
        BpeMerges(BpeMerges),
        /// To [`Query::FitPrompt`](crate::Query::FitPrompt).
        Fitted(FittedPrompt),
    }
}

one_of! {
    /// One step of a stream.
    Step {
        /// Of [`Query::Generate`](crate::Query::Generate) and [`Query::Chat`](crate::Query::Chat).
        Token(GeneratedToken),
        /// Of [`Query::KvCompare`](crate::Query::KvCompare).
        Kv(KvStep),
        /// Of [`Query::ForwardTimes`](crate::Query::ForwardTimes).
        ForwardTime(ForwardTime),
        /// Of [`Query::Learn`](crate::Query::Learn).
        Learn(LearnProgress),
        /// Of [`Query::Rl`](crate::Query::Rl).
        Rl(RlProgress),
        /// Of [`Query::DpoTrain`](crate::Query::DpoTrain).
        Dpo(DpoProgress),
        /// Of [`Query::Rlhf`](crate::Query::Rlhf).
        Rlhf(RlhfProgress),
        /// Of [`Query::Distill`](crate::Query::Distill).
        Distill(DistillProgress),
        /// Of [`Query::MoeLoad`](crate::Query::MoeLoad).
        MoeLoad(MoeDownload),
        /// Of [`Query::Mmoe`](crate::Query::Mmoe).
        Mmoe(MmoeProgress),
        /// Of [`Query::WhyPatch`](crate::Query::WhyPatch).
        WhyPatch(PatchProgress),
        /// Of [`Query::OwnTrain`](crate::Query::OwnTrain) and
        /// [`Query::OwnResume`](crate::Query::OwnResume).
        Own(OwnProgress),
        /// Of [`Query::Vocab`](crate::Query::Vocab) (and of the first question about a
        /// vocabulary the worker has not loaded yet).
        Vocab(VocabStep),
        /// Of [`Query::Encode`](crate::Query::Encode) on a long text.
        Encoding(EncodeProgress),
    }
}

/// The corpus pipeline's verdicts on a set of documents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineRun {
    /// One per document, in the question's order.
    pub verdicts: Vec<Verdict>,
    /// Documents and bytes in and out of each stage.
    pub report: PipelineReport,
    /// How long the run took in the worker, in milliseconds.
    pub millis: f64,
}

/// One generated token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratedToken {
    /// 0 for the first generated token.
    pub step: usize,
    /// The chosen token.
    pub token: TopToken,
    /// The distribution it was drawn from (at the run's temperature, or 1 when greedy): the most
    /// likely tokens, most likely first.
    pub top: Vec<TopToken>,
    /// All the text generated so far.
    pub generated: String,
    /// How long this step took in the worker, in milliseconds.
    pub millis: f64,
}

/// One step of the KV-cache comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KvStep {
    /// Whether this run uses the KV cache.
    pub cached: bool,
    /// 0 for the first generated token.
    pub step: usize,
    /// The greedy token.
    pub token: TopToken,
    /// Tokens the forward pass processed: 1 with the cache (the prompt at step 0), the whole text
    /// so far without.
    pub processed: usize,
    /// Bytes of keys and values in the cache after the step (0 without the cache).
    pub cache_bytes: u64,
    /// How long the step took, logits read back included, in milliseconds.
    pub millis: f64,
}

/// The timings of one length.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForwardTime {
    /// Tokens in the pass.
    pub length: usize,
    /// Each timed pass, logits read back included, in milliseconds.
    pub millis: Vec<f64>,
}

/// How fast this worker decodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodeSpeed {
    /// The median time of one decoded token (its forward pass with the KV cache and the logits),
    /// in milliseconds.
    pub ms_per_token: f64,
    /// Tokens timed.
    pub tokens: usize,
    /// The position of the first timed token.
    pub position: usize,
}

/// How training the tiny model goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LearnProgress {
    /// The model is built; its steps follow.
    Start(LearnRun),
    /// One training step.
    Step(LearnStep),
}

/// What the tiny model predicts for the prompt at one point of its training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnSample {
    /// Steps taken when it was asked (0: untrained).
    pub step: usize,
    /// Its greedy continuation of the prompt: each token its most likely next one.
    pub continuation: String,
    /// Its most likely next tokens after the prompt, most likely first.
    pub next: Vec<TopToken>,
}

/// The tiny model, before its first step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnRun {
    /// Its hyper-parameters.
    pub config: TumblerConfig,
    /// Its number of parameters.
    pub params: usize,
    /// Tokens in the text it learns from.
    pub text_tokens: usize,
    /// Windows of text per step, B.
    pub batch_size: usize,
    /// Tokens per window, T.
    pub seq_len: usize,
    /// The prompt's tokens.
    pub prompt: Vec<String>,
    /// Its predictions with random weights.
    pub sample: LearnSample,
}

impl LearnRun {
    /// Target tokens per step, B × T.
    pub fn tokens_per_step(&self) -> usize {
        self.batch_size * self.seq_len
    }
}

/// One training step of the tiny model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnStep {
    /// Steps taken, this one included.
    pub step: usize,
    /// The batch's loss before the update, in nats per token.
    pub loss: f32,
    /// How long the step (forward, backward, update) took, in milliseconds.
    pub millis: f64,
    /// The model's predictions after this step, every few steps.
    pub sample: Option<LearnSample>,
}

/// How a run on the reader's own text goes. A stopped run writes a checkpoint at the step it
/// stopped on before the stream's `Done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum OwnProgress {
    /// What the worker is doing before the first step (training the tokenizer, encoding the
    /// text, reading a checkpoint), for the page's progress line.
    Preparing(String),
    /// The model is built (or read back); its steps follow.
    Start(Box<OwnStart>),
    /// One training step.
    Step(OwnStep),
}

/// A run on the reader's text, before its next step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnStart {
    /// Its state: preset, steps so far and their losses, prompt, source, the first merges.
    pub state: OwnState,
    /// The model's hyper-parameters (its vocabulary is the trained tokenizer's).
    pub config: TumblerConfig,
    /// Its number of parameters.
    pub params: usize,
    /// Tokens of the text.
    pub text_tokens: usize,
    /// Windows of text per step, B.
    pub batch_size: usize,
    /// Tokens per window, T.
    pub seq_len: usize,
    /// Steps of the whole run.
    pub total_steps: usize,
    /// Milliseconds the worker took to train the tokenizer and encode the text (a fresh run),
    /// or to read the checkpoint back (a resumed one).
    pub prepare_millis: f64,
    /// Whether it was read back from a checkpoint.
    pub resumed: bool,
    /// Its predictions now.
    pub sample: LearnSample,
}

/// One training step of a run on the reader's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnStep {
    /// Steps taken, this one included.
    pub step: usize,
    /// The batch's loss before the update, in nats per token.
    pub loss: f32,
    /// How long the step (forward, backward, update) took, in milliseconds.
    pub millis: f64,
    /// The model's predictions after this step, every few steps.
    pub sample: Option<LearnSample>,
    /// A checkpoint written after this step: how long writing it took, in milliseconds.
    pub saved_millis: Option<f64>,
}

/// Where a [`Query::Rl`](crate::Query::Rl) run stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RlProgress {
    /// The policy is built, untrained; fine-tuning steps follow.
    Start(RlStart),
    /// One supervised fine-tuning step; the last one carries the held-out check.
    Sft(RlSftStep),
    /// One round of sampling, grading and updating.
    Round(RlRoundStep),
}

/// The run as it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RlStart {
    /// The policy's hyper-parameters.
    pub config: TumblerConfig,
    /// Its number of parameters.
    pub params: usize,
    /// How it learns.
    pub options: RlOptions,
    /// The held-out problems answered by the untrained policy.
    pub held_out: HeldOut,
}

/// One fine-tuning step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RlSftStep {
    /// Steps taken, this one included.
    pub step: usize,
    /// The batch's loss before the update, in nats per answer token.
    pub loss: f32,
    /// How long the step took in the worker, in milliseconds.
    pub millis: f64,
    /// After the last step: the held-out problems answered by the fine-tuned policy.
    pub held_out: Option<HeldOut>,
}

/// One round, timed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RlRoundStep {
    /// What the round did.
    pub round: Round,
    /// How long it took in the worker, in milliseconds.
    pub millis: f64,
}

/// A preference pair scored by the chat model (policy) and the base model (reference).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DpoScored {
    /// The pair's tokens as text.
    pub tokens: PairTokens,
    /// Per-token log-probabilities under both models and the loss's terms.
    pub score: DpoScore,
    /// How long scoring took in the worker, in milliseconds.
    pub millis: f64,
}

/// How DPO steps on a copy of the chat model go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DpoProgress {
    /// The copy is made; its steps follow.
    Start(DpoStart),
    /// One DPO step.
    Step(DpoStep),
    /// The copy after the last step (or a stop), scored; then the copy is dropped.
    End(DpoEnd),
}

/// The copy before its first step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DpoStart {
    /// The pair's tokens as text.
    pub tokens: PairTokens,
    /// The pair scored by the chat model itself.
    pub score: DpoScore,
    /// The chat model's greedy reply to the prompt.
    pub reply: String,
}

/// One DPO step of the copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DpoStep {
    /// Steps taken, this one included.
    pub step: usize,
    /// The loss's terms for the copy after this step.
    pub terms: DpoTerms,
    /// How long the step (two forward passes, backward, AdamW) took, in milliseconds.
    pub millis: f64,
}

/// The copy after its steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DpoEnd {
    /// Steps it took.
    pub steps: usize,
    /// The pair scored by the copy now.
    pub score: DpoScore,
    /// Its greedy reply to the prompt now.
    pub reply: String,
}

/// Where a [`Query::Rlhf`](crate::Query::Rlhf) run stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RlhfProgress {
    /// The reward head before training and after every tenth step and the last.
    Rm(RmStep),
    /// The head is trained; the replies follow.
    Trained(RlhfTrained),
    /// One sampled reply, rewarded and checked.
    Reply(RlhfReply),
}

/// The trained reward head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RlhfTrained {
    /// Per pair, the rewards of [chosen, rejected].
    pub pair_rewards: Vec<[f64; 2]>,
    /// How long reading the pairs and training took in the worker, in milliseconds.
    pub millis: f64,
}

/// One reply best-of-n picks among.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RlhfReply {
    /// Which prompt it answers.
    pub prompt: usize,
    /// Which of that prompt's replies it is.
    pub index: usize,
    /// The reply, its reward and its quality.
    pub candidate: Candidate,
    /// How long sampling and scoring it took in the worker, in milliseconds.
    pub millis: f64,
}

/// How a [`Query::Distill`](crate::Query::Distill) run goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DistillProgress {
    /// The teacher has read the text and the students are built; their steps follow.
    Start(DistillStart),
    /// One step of both students.
    Step(DistillTimedStep),
}

/// The run as it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistillStart {
    /// Sizes, the teacher's held-out loss, both students before training.
    pub setup: DistillSetup,
    /// How long the teacher's reading and the first measurement took, in milliseconds.
    pub millis: f64,
}

/// One step of both students, timed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistillTimedStep {
    /// What the step did.
    pub step: DistillStep,
    /// How long it (two forward and backward passes, two updates, and any held-out measurement)
    /// took in the worker, in milliseconds.
    pub millis: f64,
}

/// How far the download of the `moe` chapter's model has got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoeDownload {
    /// The file being read.
    pub file: String,
    /// Bytes of both files received so far.
    pub loaded: u64,
    /// Bytes of the file being read, where the server said.
    pub total: Option<u64>,
}

/// How a [`Query::Mmoe`](crate::Query::Mmoe) run goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MmoeProgress {
    /// The data is drawn and the model built; its steps follow.
    Start(Box<MmoeStart>),
    /// A few steps, with the held-out measurement where one was due.
    Steps(MmoeSteps),
}

/// The run as it starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MmoeStart {
    /// Sizes, the data's correlations, the model before training.
    pub setup: MmoeSetup,
    /// How long drawing the data and the first measurement took, in milliseconds.
    pub millis: f64,
}

/// The steps one turn of the worker's event loop took, timed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MmoeSteps {
    /// What each step did, in order.
    pub steps: Vec<MmoeStep>,
    /// How long they took in the worker, in milliseconds.
    pub millis: f64,
}

/// The model now in use after [`Query::Open`](crate::Query::Open) or
/// [`Query::UseShipped`](crate::Query::UseShipped).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenedModel {
    /// Its name (`None`: the shipped Tumbler).
    pub name: Option<String>,
    /// Its sizes (a context longer than the decoders hold is cut, and `note` says so).
    pub config: TumblerConfig,
    /// Its parameters.
    pub params: usize,
    /// How its tensors were named: "Llama" (transformers') or "Tumbler".
    pub naming: String,
    /// Bytes of its weights file.
    pub file_bytes: u64,
    /// Milliseconds from the question to the model ready in the worker: reading the files,
    /// checking and converting the weights, building both decoders.
    pub millis: f64,
    /// Anything the reader should know (a cut context, decoding on the CPU and why).
    pub note: Option<String>,
}
