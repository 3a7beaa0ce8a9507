//! Training a Tumbler on the reader's own text, as the training chapter does in the page: the
//! model sizes on offer ([`PRESETS`]), the files of a checkpoint (which are also what the page
//! exports, and what `tumbler sample` and `tumbler eval` load), and the run's state saved with
//! them ([`OwnState`]).
//!
//! Plain data with no burn dependency, so the page can show the presets and read a saved run's
//! state before the engine has loaded; the run itself is [`crate::learn::own`].

use crate::gpt::TumblerConfig;
use crate::tokenizer::train::LearnedMerge;

/// The most text, in bytes, a run learns from: a few megabytes, which the page's worker splits,
/// counts and encodes in seconds.
pub const MAX_OWN_BYTES: usize = 4 * 1024 * 1024;

/// Merges of the tokenizer kept in the state, for the page to show.
pub const SHOWN_MERGES: usize = 64;

/// `config.json`: the model's hyper-parameters, as [`TumblerConfig::to_json`] writes them.
pub const CONFIG_FILE: &str = "config.json";
/// `model.safetensors`: the weights in f32.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// `tokenizer.json`: the BPE trained on the same text.
pub const TOKENIZER_FILE: &str = "tokenizer.json";
/// AdamW's moments (burn's burnpack bytes).
pub const OPTIMIZER_FILE: &str = "optimizer.bin";
/// The text's token ids, little-endian u32: what the batches are cut from.
pub const TOKENS_FILE: &str = "tokens.bin";
/// [`OwnState`] as JSON, written last.
pub const STATE_FILE: &str = "state.json";

/// The files a download holds: exactly what `tumbler sample --model DIR` reads.
pub const EXPORT_FILES: [&str; 3] = [CONFIG_FILE, WEIGHTS_FILE, TOKENIZER_FILE];

/// A model size the reader can pick, with the recipe it trains with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    /// Its id in the page and the saved state.
    pub name: &'static str,
    /// What the page calls it.
    pub label: &'static str,
    /// Vocabulary the tokenizer is trained to (fewer where the text has fewer repeated pairs).
    pub vocab_size: usize,
    /// Model width C.
    pub d_model: usize,
    /// Transformer blocks.
    pub n_layers: usize,
    /// Attention heads nh.
    pub n_heads: usize,
    /// SwiGLU hidden width.
    pub d_ff: usize,
    /// Context length, and the window T each step trains on.
    pub context_length: usize,
    /// Windows per step, B.
    pub batch_size: usize,
    /// Peak learning rate.
    pub max_lr: f64,
    /// Steps of the whole run: the cosine schedule decays over them.
    pub steps: usize,
}

/// The sizes on offer, smallest first. The smallest is the training chapter's tiny model; the
/// largest has the Tumbler's own shape (4 layers, width 192, 6 heads) with a smaller vocabulary.
pub const PRESETS: [Preset; 3] = [
    Preset {
        name: "tiny",
        label: "Tiny: 2 layers, width 64",
        vocab_size: 512,
        d_model: 64,
        n_layers: 2,
        n_heads: 4,
        d_ff: 128,
        context_length: 64,
        batch_size: 8,
        max_lr: 1e-2,
        steps: 600,
    },
    Preset {
        name: "small",
        label: "Small: 4 layers, width 128",
        vocab_size: 1024,
        d_model: 128,
        n_layers: 4,
        n_heads: 4,
        d_ff: 256,
        context_length: 128,
        batch_size: 8,
        max_lr: 5e-3,
        steps: 1000,
    },
    Preset {
        name: "tumbler",
        label: "Tumbler-shaped: 4 layers, width 192",
        vocab_size: 2048,
        d_model: 192,
        n_layers: 4,
        n_heads: 6,
        d_ff: 512,
        context_length: 128,
        batch_size: 8,
        max_lr: 3e-3,
        steps: 1000,
    },
];

impl Preset {
    /// The preset called `name`.
    pub fn named(name: &str) -> Option<&'static Preset> {
        PRESETS.iter().find(|p| p.name == name)
    }

    /// The model's hyper-parameters for a tokenizer of `vocab_size` entries.
    pub fn config(&self, vocab_size: usize) -> TumblerConfig {
        TumblerConfig {
            vocab_size,
            d_model: self.d_model,
            n_layers: self.n_layers,
            n_heads: self.n_heads,
            n_kv_heads: self.n_heads,
            d_ff: self.d_ff,
            context_length: self.context_length,
            rope_theta: 10_000.0,
            norm_eps: 1e-5,
        }
    }

    /// Target tokens per step, B × T.
    pub fn tokens_per_step(&self) -> usize {
        self.batch_size * self.context_length
    }
}

/// One step's loss.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StepLoss {
    /// Steps taken, this one included.
    pub step: usize,
    /// Its batch's loss before the update, nats per token.
    pub loss: f32,
}

/// Everything besides tensors a resumed run needs, and what the page shows of a saved run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OwnState {
    /// The preset's name.
    pub preset: String,
    /// Steps taken.
    pub step: usize,
    /// Seed of the initial weights and the batches.
    pub seed: u64,
    /// Every step's loss so far.
    pub history: Vec<StepLoss>,
    /// Bytes of the text it learns from.
    pub text_bytes: usize,
    /// The text's first words: what the samples continue.
    pub prompt: String,
    /// Where the text came from (a file's name, or "pasted text").
    pub source: String,
    /// Entries of the trained tokenizer's vocabulary: the model's V.
    pub vocab_size: usize,
    /// The tokenizer's first merges, in rank order, with how often each pair occurred.
    pub merges: Vec<LearnedMerge>,
    /// Parameter ids in the model's visiting order, which AdamW's moments are keyed by.
    pub param_ids: Vec<u64>,
}

/// What the samples continue: the text's first few words (at most 40 bytes).
pub fn prompt_of(text: &str) -> String {
    let mut prompt = String::new();
    for word in text.split_whitespace().take(4) {
        if !prompt.is_empty() && prompt.len() + word.len() + 1 > 40 {
            break;
        }
        if !prompt.is_empty() {
            prompt.push(' ');
        }
        prompt.push_str(word);
    }
    let mut end = prompt.len().min(40);
    while !prompt.is_char_boundary(end) {
        end -= 1;
    }
    prompt.truncate(end);
    prompt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_models() {
        for p in PRESETS {
            p.config(p.vocab_size).validate().unwrap();
            assert_eq!(Preset::named(p.name), Some(&p));
        }
        assert!(
            PRESETS
                .windows(2)
                .all(|w| { w[0].config(512).param_count() < w[1].config(512).param_count() })
        );
        assert_eq!(Preset::named("huge"), None);
    }

    #[test]
    fn the_prompt_is_the_first_words() {
        assert_eq!(prompt_of("It was the best of times, it was"), "It was the best");
        assert_eq!(prompt_of("  \n Hello\tworld "), "Hello world");
        assert_eq!(prompt_of(""), "");
        let long = "Pneumonoultramicroscopicsilicovolcanoconiosis-and-more-and-more words";
        assert!(prompt_of(long).len() <= 40);
        assert!(prompt_of("日本語のテキストはここにありますとても長い文章です").len() <= 40);
    }
}
