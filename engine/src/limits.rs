//! Every limit the page and the worker agree on, and the text cuts that apply them.

pub use tumbler_model::inspect::{
    MAX_EMBEDDED_TOKENS, MAX_LOSS_TOKENS, MAX_PERMUTED_TOKENS, MAX_TOKEN_TEXTS, MAX_TRACE_TOKENS,
    NAMED_NEXT, NEIGHBOURS, WEIGHT_MATRICES,
};
pub use tumbler_model::moe::MAX_ROUTE_TOKENS;
pub use tumbler_model::why::MAX_WHY_TOKENS;

/// The longest text, in bytes, the page sends about the reader's text: a huge paste is cut (and
/// the page says so) before the worker spends seconds encoding what the model would not read.
pub const MAX_TEXT_BYTES: usize = 8192;
/// The most steps one [`Query::Learn`](crate::Query::Learn) takes.
pub const MAX_LEARN_STEPS: usize = 2000;
/// The most text, in bytes, the tiny model learns from.
pub const MAX_LEARN_BYTES: usize = 32 * 1024;
/// The most rounds one [`Query::Rl`](crate::Query::Rl) takes.
pub const MAX_RL_ROUNDS: usize = 200;
/// The most DPO steps one [`Query::DpoTrain`](crate::Query::DpoTrain) takes.
pub const MAX_DPO_STEPS: usize = 50;
/// The longest prompt or reply, in bytes, a DPO question may send (the model reads 256 tokens).
pub const MAX_DPO_BYTES: usize = 600;
/// The longest greedy reply a DPO run writes, in tokens.
pub const MAX_DPO_REPLY_TOKENS: usize = 64;
/// The most preference pairs one [`Query::Rlhf`](crate::Query::Rlhf) trains on.
pub const MAX_RLHF_PAIRS: usize = 40;
/// The most prompts best-of-n answers in one run.
pub const MAX_RLHF_PROMPTS: usize = 8;
/// The longest prompt or reply of a pair, in bytes.
pub const MAX_RLHF_BYTES: usize = 300;
/// The most gradient steps of the reward head.
pub const MAX_RLHF_RM_STEPS: usize = 2000;
/// Steps one distillation run may take at most.
pub const MAX_DISTILL_STEPS: usize = 500;
/// Bytes of text a distillation run reads at most (its windows need a few thousand).
pub const MAX_DISTILL_BYTES: usize = 32 * 1024;
/// Steps one MMoE run may take at most.
pub const MAX_MMOE_STEPS: usize = 3000;
/// Tokens one run of the KV-cache comparison generates at most.
pub const MAX_KV_TOKENS: usize = 64;
/// Lengths one timing question may ask for at most.
pub const MAX_LENGTHS: usize = 16;
/// Timed passes per length at most.
pub const MAX_REPEATS: usize = 20;

/// The first at most `max_bytes` bytes of `text`, cut at a character boundary.
pub fn head(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The last at most `max_bytes` bytes of `text`, cut at a character boundary.
pub fn tail(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut start = text.len() - max_bytes;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}
