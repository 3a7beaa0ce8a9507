//! Trains the Tumbler's tokenizer: a byte-level BPE (Sennrich et al., 2016; GPT-2's byte-level
//! variant, Radford et al., 2019) with the `tokenizers` crate. Text is first split with a
//! cl100k-style pattern (digits in groups of at most three, punctuation apart from letters,
//! newlines kept together), then merged bytewise, so every string round-trips.

use std::path::Path;

use tokenizers::decoders::DecoderWrapper;
use tokenizers::decoders::byte_level::ByteLevel as ByteLevelDecoder;
use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
use tokenizers::normalizers::NormalizerWrapper;
use tokenizers::pre_tokenizers::PreTokenizerWrapper;
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::pre_tokenizers::sequence::Sequence;
use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
use tokenizers::processors::PostProcessorWrapper;
use tokenizers::{AddedToken, SplitDelimiterBehavior, TokenizerBuilder, TokenizerImpl};

use crate::chat::{IM_END, IM_START};
use crate::generate::END_OF_TEXT;

/// The Tumbler's special tokens; the trainer gives them ids 0, 1, 2, before the learned vocabulary.
pub const SPECIAL_TOKENS: [&str; 3] = [END_OF_TEXT, IM_START, IM_END];

/// cl100k_base's split pattern; fancy-regex understands it, so it works without oniguruma.
pub const SPLIT_PATTERN: &str = crate::tokenizer::CL100K_JSON_PATTERN;

pub type Tokenizer = TokenizerImpl<
    BPE,
    NormalizerWrapper,
    PreTokenizerWrapper,
    PostProcessorWrapper,
    DecoderWrapper,
>;

/// Errors from training or saving a tokenizer.
#[derive(Debug, thiserror::Error)]
pub enum BpeError {
    #[error("tokenizers: {0}")]
    Tokenizers(#[from] tokenizers::Error),
}

/// Trains a byte-level BPE with `vocab_size` entries (special tokens included) on `docs`.
pub fn train<I>(docs: I, vocab_size: usize) -> Result<Tokenizer, BpeError>
where
    I: Iterator<Item = String> + Send,
{
    let split = Split::new(
        SplitPattern::Regex(SPLIT_PATTERN.into()),
        SplitDelimiterBehavior::Isolated,
        false,
    )?;
    let pre = Sequence::new(vec![
        PreTokenizerWrapper::Split(split),
        PreTokenizerWrapper::ByteLevel(ByteLevel::new(false, true, false)),
    ]);
    let mut tokenizer: Tokenizer = TokenizerBuilder::new()
        .with_model(BPE::default())
        .with_normalizer(None)
        .with_pre_tokenizer(Some(PreTokenizerWrapper::Sequence(pre)))
        .with_post_processor(None)
        .with_decoder(Some(DecoderWrapper::ByteLevel(ByteLevelDecoder::default())))
        .build()?;
    let specials: Vec<AddedToken> =
        SPECIAL_TOKENS.iter().map(|s| AddedToken::from(*s, true)).collect();
    let mut trainer = BpeTrainerBuilder::new()
        .vocab_size(vocab_size)
        .min_frequency(2)
        .show_progress(false)
        .special_tokens(specials.clone())
        .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
        .build();
    tokenizer.train(&mut trainer, docs)?;
    tokenizer.add_special_tokens(specials)?;
    Ok(tokenizer)
}

/// Bytes of UTF-8 text per token over `docs`: the compression the vocabulary buys.
pub fn bytes_per_token<'a>(
    tokenizer: &Tokenizer,
    docs: impl Iterator<Item = &'a str>,
) -> Result<f64, BpeError> {
    let (mut bytes, mut tokens) = (0usize, 0usize);
    for d in docs {
        bytes += d.len();
        tokens += tokenizer.encode(d, false)?.len();
    }
    Ok(bytes as f64 / tokens.max(1) as f64)
}

/// Writes `tokenizer.json`.
pub fn save(tokenizer: &Tokenizer, path: &Path) -> Result<(), BpeError> {
    tokenizer.save(path, false)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trains_round_trips_and_keeps_specials_whole() {
        let text = "The quick brown fox jumps over the lazy dog. 12345 dogs!\n".repeat(50);
        let tok = train(std::iter::once(text.clone()), 300).unwrap();
        let enc = tok.encode("The lazy fox, 2024 <|endoftext|>", false).unwrap();
        assert_eq!(tok.decode(enc.get_ids(), false).unwrap(), "The lazy fox, 2024 <|endoftext|>");
        let eot = tok.token_to_id("<|endoftext|>").unwrap();
        assert_eq!(enc.get_ids().last(), Some(&eot));
        assert!(bytes_per_token(&tok, std::iter::once(text.as_str())).unwrap() > 3.0);
    }
}
