//! Shared widgets. Each takes plain data (numbers, strings, signals of them), never the model.
//!
//! - [`Math`]: a formula from a static MathML string.
//! - [`Slider`]: a labelled range input bound to an `RwSignal<f64>` (pair it with
//!   `url_state::number_param` to keep it in the URL).
//! - [`Stepper`]: back / next / play through the steps of a diagram; play is off for readers who
//!   ask for reduced motion.
//! - [`Flow`]: a pipeline or loop diagram as accessible SVG, one box per [`FlowStep`], with the
//!   current step highlighted.
//! - [`attention_map::AttentionMap`]: one attention head as a heatmap with a `data-p` per cell.
//! - [`Bars`]: horizontal bars for a list of [`Bar`]s (probabilities, sizes).
//! - [`token_bars::TokenBars`]: bars for candidate tokens with `data-token-id` and `data-p`.
//! - [`chat_template::ChatTemplate`]: a conversation in the chat template, special tokens marked.
//! - [`prob_tokens::ProbTokens`]: generated tokens shaded by the probability each was chosen with.
//! - [`matrix_map::MatrixMap`]: a whole matrix as a canvas image, one pixel per number.
//! - [`live_panel::LivePanel`]: a live panel about the reader's text (textarea, "updating…",
//!   the answer once the model is ready).
//! - [`Reproduce`]: the command that computes a panel's numbers natively, as a code aside.
//! - [`Chart`]: an SVG string drawn by the [`plot`] helpers ([`plot::LineChart`],
//!   [`plot::heatmap`]), shown with a text alternative.

pub mod attention_map;
pub mod bars;
pub mod chart;
pub mod chat_template;
pub mod flow;
pub mod live_panel;
pub mod math;
pub mod matrix_map;
pub mod plot;
pub mod prob_tokens;
pub mod reproduce;
pub mod screen;
pub mod slider;
pub mod stepper;
pub mod token_bars;
pub mod token_chips;
pub mod walkthrough;

pub use bars::{Bar, Bars};
pub use chart::Chart;
pub use flow::{Flow, FlowStep};
pub use math::Math;
pub use reproduce::Reproduce;
pub use slider::Slider;
pub use stepper::Stepper;
