//! Our encoders against OpenAI's reference ids: checked facts, a recorded vector set made by
//! `tests/vectors/make_vectors.py` with the `tiktoken` package, the `tiktoken-rs` crate on a
//! larger text, and the `tokenizers` crate for `tokenizer.json` files.

use std::path::PathBuf;
use std::sync::OnceLock;

use tumbler_model::tokenizer::{Encoding, EncodingName};

fn public_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../public")
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
fn tokenizer_trace_ends_at_encoder_ids() {
    for enc in [cl100k(), o200k(), r50k()] {
        for word in ["Hi", "ubiquitous", " ubiquitous", "strawberry", "Tumbler", "naïve", "日本語", "🇫🇷", ""] {
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
