//! Cutting long text into slices that encode to exactly the ids of the whole text, so a 1 MB
//! paste can be encoded a slice at a time, with its progress reported between slices.
//!
//! A cut is safe where no pre-split piece can straddle it and the piece after it starts the
//! same way from a fresh start. For the split patterns of cl100k_base, o200k_base and r50k_base
//! (none has a look-behind or an anchor) two places qualify:
//!
//! - just after a lone `\n` (not part of a whitespace run) and before an ASCII letter: every
//!   alternative that can hold a newline ends at it, and the letter-run alternatives refuse
//!   `\r`/`\n` as their optional leading character. A longer run is not cut: r50k_base's
//!   `\s+(?!\S)` splits `\n\n` before a letter in two, but keeps it whole at the end of a slice;
//! - between an ASCII letter and a space followed by an ASCII letter: no alternative holds a
//!   letter followed by a space, so a piece ends at the letter and ` word` starts the next.
//!
//! The Tumbler's own pattern comes from its tokenizer.json, so [`cuts_keep_ids`] checks an
//! encoding on probe texts before slices are used with it; if the check fails the text is
//! encoded whole.

use super::Encoding;

/// About how many bytes of text to encode between two yields to the event loop.
pub const SLICE_BYTES: usize = 16 * 1024;

fn safe_cut(bytes: &[u8], p: usize) -> bool {
    if p < 2 || p + 1 >= bytes.len() {
        return false;
    }
    let after_newline = bytes[p - 1] == b'\n'
        && !bytes[p - 2].is_ascii_whitespace()
        && bytes[p].is_ascii_alphabetic();
    let before_word = bytes[p - 1].is_ascii_alphabetic()
        && bytes[p] == b' '
        && bytes[p + 1].is_ascii_alphabetic();
    after_newline || before_word
}

/// Byte ranges covering `text` in order, each about `target` bytes or longer (a slice grows
/// until a safe cut turns up, so text with none stays one slice).
pub fn slices(text: &str, target: usize) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len() / target.max(1) + 1);
    let mut start = 0;
    let mut p = target.max(1);
    while p < bytes.len() {
        if safe_cut(bytes, p) {
            out.push(start..p);
            start = p;
            p += target.max(1);
        } else {
            p += 1;
        }
    }
    if start < bytes.len() || out.is_empty() {
        out.push(start..bytes.len());
    }
    out
}

/// Whether cutting at the safe places keeps this encoding's ids, checked on probe texts that
/// hold each kind of cut (an encoding that adds a prefix space, for one, fails it).
pub fn cuts_keep_ids(enc: &Encoding) -> bool {
    const PROBES: [&str; 4] = [
        "Hello world\nthe end\n\nNew paragraph here",
        "don't stop\r\nGo on... it's fine\nok",
        "x = 1;\n  y\nabc def  ghi\tjkl",
        "Ünïcödé wörds\nand 123 numbers\nwith émoji 🎉 here",
    ];
    PROBES.iter().all(|text| {
        let whole = enc.encode(text);
        let mut parts = Vec::new();
        for r in slices(text, 1) {
            parts.extend(enc.encode(&text[r]));
        }
        whole == parts
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::EncodingName;

    fn load(name: EncodingName) -> Encoding {
        Encoding::shipped(name).expect("vocabulary under public/")
    }

    /// Every vector text, joined with newlines and spaces and repeated: English, code, numbers,
    /// whitespace runs, contractions, scripts, emoji, then cut at small and large slice sizes.
    fn mixed_text() -> String {
        let path = crate::repo_file("model/tests/vectors/tiktoken_vectors.json");
        let raw = std::fs::read_to_string(path).expect("vector file");
        let json: serde_json::Value = serde_json::from_str(&raw).expect("vector json");
        let texts: Vec<&str> = json["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .filter_map(|c| c["text"].as_str())
            .collect();
        let mut out = String::new();
        for round in 0..3 {
            for (i, t) in texts.iter().enumerate() {
                out.push_str(t);
                out.push_str(match (i + round) % 4 {
                    0 => "\n",
                    1 => " ",
                    2 => "\n\nword ",
                    _ => "",
                });
            }
        }
        out
    }

    #[test]
    fn slices_cover_the_text_in_order() {
        let text = mixed_text();
        for target in [1, 7, 64, 1024, SLICE_BYTES] {
            let s = slices(&text, target);
            assert_eq!(s.first().unwrap().start, 0);
            assert_eq!(s.last().unwrap().end, text.len());
            assert!(s.windows(2).all(|w| w[0].end == w[1].start), "gap at target {target}");
            assert!(s.iter().all(|r| text.is_char_boundary(r.start)));
        }
        assert_eq!(slices("", 16), vec![0..0]);
        assert_eq!(slices("no cut here", 1000), vec![0..11]);
    }

    #[test]
    fn sliced_encoding_equals_whole_encoding() {
        let text = mixed_text();
        assert!(text.len() > 50_000, "the mixed text is long: {} bytes", text.len());
        for name in [EncodingName::Cl100kBase, EncodingName::O200kBase, EncodingName::R50kBase] {
            let enc = load(name);
            assert!(cuts_keep_ids(&enc), "{name} keeps ids across cuts");
            let whole = enc.encode(&text);
            for target in [3, 200, SLICE_BYTES] {
                let ranges = slices(&text, target);
                assert!(target > 1000 || ranges.len() > 100, "{name}: few cuts at {target}");
                let mut sliced = Vec::with_capacity(whole.len());
                for r in ranges {
                    sliced.extend(enc.encode(&text[r]));
                }
                assert_eq!(sliced, whole, "{name} at slice size {target}");
            }
        }
    }
}
