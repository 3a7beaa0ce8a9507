//! Our encoders against OpenAI's reference ids: checked facts, a recorded vector set made by
//! `tests/vectors/make_vectors.py` with the `tiktoken` package, the `tiktoken-rs` crate on a
//! larger text, and the `tokenizers` crate for `tokenizer.json` files.

use std::path::PathBuf;
use std::sync::OnceLock;

use tumbler_model::tokenizer::{Encoding, EncodingName};

fn public_dir() -> PathBuf {
    tumbler_model::repo_file("public")
}

fn load(name: EncodingName) -> Encoding {
    let path = public_dir().join(name.public_path());
    Encoding::from_file(name, &path).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn cl100k() -> &'static Encoding {
    static E: OnceLock<Encoding> = OnceLock::new();
    E.get_or_init(|| load(EncodingName::Cl100kBase))
}
fn o200k() -> &'static Encoding {
    static E: OnceLock<Encoding> = OnceLock::new();
    E.get_or_init(|| load(EncodingName::O200kBase))
}
fn r50k() -> &'static Encoding {
    static E: OnceLock<Encoding> = OnceLock::new();
    E.get_or_init(|| load(EncodingName::R50kBase))
}

fn pieces(enc: &Encoding, text: &str) -> Vec<String> {
    enc.encode(text)
        .iter()
        .map(|&id| String::from_utf8(enc.token_bytes(id).unwrap().to_vec()).unwrap())
        .collect()
}

#[test]
fn tokenizer_checked_facts() {
    assert_eq!(cl100k().encode("Hello world"), [9906, 1917]);
    assert_eq!(cl100k().encode("Hi"), [13347]);
    assert_eq!(r50k().encode("Hi"), [17250]);
    assert_eq!(cl100k().encode("Token"), [3404]);
    assert_eq!(cl100k().encode("ization"), [2065]);
    assert_eq!(pieces(cl100k(), "12345"), ["123", "45"]);
    assert_eq!(cl100k().encode(" ubiquitous").len(), 1);
    assert_eq!(pieces(cl100k(), "ubiquitous"), ["ub", "iqu", "itous"]);
    assert_eq!(r50k().encode(" dog"), [3290]);
}

#[test]
fn tokenizer_vocab_sizes() {
    assert_eq!(cl100k().vocab_size(), 100_277);
    assert_eq!(o200k().vocab_size(), 200_019);
    assert_eq!(r50k().vocab_size(), 50_257);
}

#[test]
fn tokenizer_special_tokens_are_text_unless_allowed() {
    let text = "a<|endoftext|>b";
    let plain = cl100k().encode(text);
    assert!(!plain.contains(&100257));
    assert_eq!(cl100k().decode(&plain).unwrap(), text);
    let special = cl100k().encode_with_special_tokens(text);
    assert_eq!(special, [64, 100257, 65]);
    assert_eq!(cl100k().decode(&special).unwrap(), text);
    assert_eq!(r50k().encode_with_special_tokens("<|endoftext|>"), [50256]);
    assert_eq!(o200k().encode_with_special_tokens("<|endofprompt|>"), [200018]);
}

#[test]
fn tokenizer_many_special_tokens_split_like_one_piece_at_a_time() {
    // Each piece ends in a special token, so the whole is exactly the pieces' ids in a row.
    let enc = cl100k();
    let piece = "Hi<|fim_prefix|> there<|endoftext|>";
    let one = enc.encode_with_special_tokens(piece);
    assert_eq!(one.iter().filter(|&&id| id >= 100_257).count(), 2);
    let many = enc.encode_with_special_tokens(&piece.repeat(2000));
    assert_eq!(many, one.repeat(2000));
    // Back to back, and a special token's text inside another's is not a match.
    assert_eq!(enc.encode_with_special_tokens("<|endoftext|><|endoftext|>"), [100257, 100257]);
    let nested = "<|endo<|endoftext|>ftext|>";
    let ids = enc.encode_with_special_tokens(nested);
    assert_eq!(ids.iter().filter(|&&id| id == 100_257).count(), 1);
    assert_eq!(enc.decode(&ids).unwrap(), nested);
}

#[test]
fn tokenizer_trace_ends_at_encoder_ids() {
    for enc in [cl100k(), o200k(), r50k()] {
        for word in [
            "Hi",
            "ubiquitous",
            " ubiquitous",
            "strawberry",
            "Tumbler",
            "naïve",
            "日本語",
            "🇫🇷",
            "",
        ] {
            let traces = enc.trace(word);
            let ids: Vec<u32> = traces.iter().flat_map(|t| t.ids.clone()).collect();
            assert_eq!(ids, enc.encode(word), "{} {word:?}", enc.name());
            let bytes: Vec<u8> = traces.iter().flat_map(|t| t.bytes.clone()).collect();
            assert_eq!(bytes, word.as_bytes());
        }
    }
    let hi = &r50k().trace("Hi")[0];
    assert_eq!(hi.bytes, [72, 105]);
    assert_eq!(hi.steps.len(), 1);
    assert_eq!(hi.steps[0].pieces, [b"Hi".to_vec()]);
    assert_eq!(hi.ids, [17250]);
}

/// The recorded reference: `tests/vectors/tiktoken_vectors.json`.
fn vectors() -> Vec<serde_json::Value> {
    let path = tumbler_model::repo_file("model/tests/vectors/tiktoken_vectors.json");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).expect("vector file")).expect("vector JSON");
    json["cases"].as_array().expect("cases").clone()
}

fn ids(v: &serde_json::Value) -> Vec<u32> {
    v.as_array().expect("id list").iter().map(|i| i.as_u64().expect("id") as u32).collect()
}

#[test]
fn tokenizer_vectors_match_openai_tiktoken() {
    let cases = vectors();
    assert!(cases.len() >= 400, "vector set too small: {}", cases.len());
    for enc in [cl100k(), o200k(), r50k()] {
        let name = enc.name().as_str();
        for case in &cases {
            let text = case["text"].as_str().expect("text");
            let got = enc.encode(text);
            assert_eq!(got, ids(&case[name]), "{name} {text:?}");
            assert_eq!(enc.decode(&got).unwrap(), text, "{name} round trip {text:?}");
            let traced: Vec<u32> = enc.trace(text).iter().flat_map(|t| t.ids.clone()).collect();
            assert_eq!(traced, got, "{name} trace {text:?}");
            if let Some(special) = case.get("special") {
                let got = enc.encode_with_special_tokens(text);
                assert_eq!(got, ids(&special[name]), "{name} specials {text:?}");
                assert_eq!(enc.decode(&got).unwrap(), text);
            }
        }
    }
}

/// A second reference, `tiktoken-rs` (tiktoken's Rust core), on text larger than the vectors.
#[test]
fn tokenizer_matches_tiktoken_rs_on_long_text() {
    let cases = vectors();
    let mut text = String::new();
    for case in &cases {
        text.push_str(case["text"].as_str().unwrap());
        text.push(if text.len().is_multiple_of(3) { '\n' } else { ' ' });
    }
    let refs = [
        (cl100k(), tiktoken_rs::cl100k_base_singleton()),
        (o200k(), tiktoken_rs::o200k_base_singleton()),
        (r50k(), tiktoken_rs::r50k_base_singleton()),
    ];
    for (ours, reference) in refs {
        assert_eq!(ours.encode(&text), reference.encode_ordinary(&text), "{}", ours.name());
    }
}

#[test]
fn tokenizer_rank_files_match_tiktoken_rs() {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"));
    let src = std::fs::read_dir(home.join("registry/src")).expect("cargo registry");
    let assets = src
        .filter_map(Result::ok)
        .map(|d| d.path().join("tiktoken-rs-0.12.1/assets"))
        .find(|p| p.is_dir())
        .expect("tiktoken-rs 0.12.1 sources (a dev-dependency) in the cargo registry");
    for name in ["cl100k_base", "o200k_base", "r50k_base"] {
        let file = format!("{name}.tiktoken");
        let ours = std::fs::read(public_dir().join("tokenizers").join(&file)).unwrap();
        assert!(
            ours == std::fs::read(assets.join(&file)).unwrap(),
            "{file} differs from tiktoken-rs"
        );
    }
}

#[test]
fn tokenizer_rejects_bad_rank_files() {
    use tumbler_model::tokenizer::TokenizerError;
    let bad = Encoding::from_bytes(EncodingName::Cl100kBase, b"IQ== 0\nnot-base64! 1\n");
    assert!(matches!(bad, Err(TokenizerError::RankFile { line: 2, .. })), "{bad:?}");
    let missing = Encoding::from_bytes(EncodingName::R50kBase, b"IQ== 0\n");
    assert!(matches!(missing, Err(TokenizerError::RankFile { .. })));
    assert!("gpt5".parse::<EncodingName>().is_err());
    assert_eq!("o200k_base".parse::<EncodingName>().unwrap(), EncodingName::O200kBase);
    assert!(cl100k().decode(&[100_261]).is_err(), "unused id between specials");
}

mod tokenizer_json {
    //! The Tumbler encoding reads `tokenizer.json`; here its ids are checked against the
    //! `tokenizers` crate on byte-level BPEs trained in the test.

    use super::*;
    use tokenizers::models::TrainerWrapper;
    use tokenizers::models::bpe::{BPE, BpeTrainerBuilder};
    use tokenizers::pre_tokenizers::PreTokenizerWrapper;
    use tokenizers::pre_tokenizers::byte_level::ByteLevel;
    use tokenizers::pre_tokenizers::sequence::Sequence;
    use tokenizers::pre_tokenizers::split::{Split, SplitPattern};
    use tokenizers::{AddedToken, SplitDelimiterBehavior, Tokenizer};

    const CL100K: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s";

    fn train(pre: PreTokenizerWrapper, texts: &[String]) -> Tokenizer {
        let mut trainer: TrainerWrapper = BpeTrainerBuilder::new()
            .vocab_size(700)
            .min_frequency(1)
            .show_progress(false)
            .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
            .special_tokens(vec![AddedToken::from("<|endoftext|>", true)])
            .build()
            .into();
        let mut tok = Tokenizer::new(BPE::default());
        tok.with_pre_tokenizer(Some(pre));
        tok.with_decoder(Some(ByteLevel::default()));
        tok.train(&mut trainer, texts.iter()).expect("training");
        tok
    }

    fn check(mut reference: Tokenizer, texts: &[String]) {
        let json = reference.to_string(false).unwrap();
        let ours = Encoding::from_tokenizer_json(json.as_bytes()).expect("our reader");
        assert_eq!(ours.vocab_size(), reference.get_vocab_size(true));
        for text in texts {
            let want = reference.encode(text.as_str(), false).unwrap().get_ids().to_vec();
            assert_eq!(ours.encode_with_special_tokens(text), want, "specials {text:?}");
        }
        reference.set_encode_special_tokens(true);
        for text in texts {
            let want = reference.encode(text.as_str(), false).unwrap().get_ids().to_vec();
            let got = ours.encode(text);
            assert_eq!(got, want, "{text:?}");
            let traced: Vec<u32> = ours.trace(text).iter().flat_map(|t| t.ids.clone()).collect();
            assert_eq!(traced, got, "trace {text:?}");
            let decoded = ours.decode(&got).unwrap();
            assert_eq!(decoded, reference.decode(&got, false).unwrap(), "decode {text:?}");
        }
    }

    fn texts() -> Vec<String> {
        vectors().iter().map(|c| c["text"].as_str().unwrap().to_string()).collect()
    }

    #[test]
    fn tokenizer_json_byte_level_matches_tokenizers_crate() {
        let texts = texts();
        for prefix in [false, true] {
            let pre = ByteLevel::default().add_prefix_space(prefix);
            check(train(pre.into(), &texts), &texts);
        }
    }

    #[test]
    fn tokenizer_json_split_then_byte_level_matches_tokenizers_crate() {
        let texts = texts();
        let split =
            Split::new(SplitPattern::Regex(CL100K.into()), SplitDelimiterBehavior::Isolated, false);
        let byte_level = ByteLevel::new(false, true, false);
        let pre = Sequence::new(vec![split.unwrap().into(), byte_level.into()]);
        check(train(pre.into(), &texts), &texts);
    }

    #[test]
    fn tokenizer_json_refuses_what_it_cannot_match() {
        let texts = texts();
        let mut tok = train(ByteLevel::default().into(), &texts);
        tok.with_normalizer(Some(tokenizers::normalizers::unicode::NFC)).expect("normalizer");
        let err = Encoding::from_tokenizer_json(tok.to_string(false).unwrap().as_bytes());
        assert!(err.unwrap_err().to_string().contains("normalizer"));
        assert!(Encoding::from_tokenizer_json(b"{").is_err());
    }
}
