//! Pre-splitting text into the pieces BPE merges within.
//!
//! cl100k_base's pattern (GPT-4's; the Tumbler's `tokenizer.json` spells it too) is decided here
//! by hand, taking its branches in order as a backtracking engine does, with the Unicode classes
//! of [`super::unicode`]: no regex engine, whose code and Unicode tables were a fifth of the
//! engine worker's wasm, and several times faster. Other patterns (o200k_base, r50k_base, other
//! `tokenizer.json` files) run in `fancy-regex` (the `regex` feature). Tests compare the two on
//! random strings over the characters that steer the pattern, and the encoders on the vector set.

use super::TokenizerError;
use super::tiktoken::CL100K_PATTERN;
use super::unicode::{is_letter, is_number};

/// cl100k_base's pattern as `tokenizer.json` files write it (Hugging Face's spelling, without
/// possessive quantifiers). It splits as [`CL100K_PATTERN`] does, except that whitespace ending
/// the text is cut after its last newline (tiktoken's `\s++$` takes it whole).
pub(crate) const CL100K_JSON_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// A split pattern.
pub(crate) enum Splitter {
    /// cl100k_base's pattern, by hand; `ws_to_end` in tiktoken's spelling.
    Cl100k { ws_to_end: bool },
    /// Any other pattern.
    #[cfg(feature = "regex")]
    Regex(fancy_regex::Regex),
}

impl Splitter {
    /// The splitter for `pattern`: by hand for cl100k_base's, else compiled (builds without the
    /// `regex` feature know only cl100k_base's).
    pub(crate) fn new(pattern: &str) -> Result<Self, TokenizerError> {
        if pattern == CL100K_PATTERN {
            return Ok(Self::Cl100k { ws_to_end: true });
        }
        if pattern == CL100K_JSON_PATTERN {
            return Ok(Self::Cl100k { ws_to_end: false });
        }
        #[cfg(feature = "regex")]
        return compile(pattern).map(Self::Regex);
        #[cfg(not(feature = "regex"))]
        Err(TokenizerError::Pattern(format!(
            "this build splits text only with cl100k_base's pattern (it has no regex engine), \
             not with {pattern:?}"
        )))
    }

    /// Calls `f` on each match in order; with `keep_gaps`, also on text between matches
    /// (cl100k_base's pattern matches at every position, so it leaves none).
    pub(crate) fn for_each<'t>(&self, text: &'t str, keep_gaps: bool, mut f: impl FnMut(&'t str)) {
        match self {
            Self::Cl100k { ws_to_end } => {
                let _ = keep_gaps;
                let mut pos = 0;
                while pos < text.len() {
                    let end = cl100k(text, pos, *ws_to_end);
                    f(&text[pos..end]);
                    pos = end;
                }
            }
            #[cfg(feature = "regex")]
            Self::Regex(regex) => regex_for_each(regex, text, keep_gaps, f),
        }
    }
}

#[cfg(feature = "regex")]
fn compile(pattern: &str) -> Result<fancy_regex::Regex, TokenizerError> {
    fancy_regex::RegexBuilder::new(pattern)
        .backtrack_limit(usize::MAX)
        .build()
        .map_err(|e| TokenizerError::Pattern(e.to_string()))
}

/// [`Splitter::for_each`] with a regex.
#[cfg(feature = "regex")]
fn regex_for_each<'t>(
    regex: &fancy_regex::Regex,
    text: &'t str,
    keep_gaps: bool,
    mut f: impl FnMut(&'t str),
) {
    let mut pos = 0;
    while pos < text.len() {
        // With the backtrack limit lifted, the engine has no error left to report.
        let Ok(Some(m)) = regex.find_from_pos(text, pos) else { break };
        let (start, end) = (m.start(), m.end());
        if keep_gaps && start > pos {
            f(&text[pos..start]);
        }
        if end == start {
            // An empty match: step over one character, as `find_iter` does.
            let step = text[end..].chars().next().map_or(1, char::len_utf8);
            if keep_gaps {
                f(&text[start..end + step]);
            }
            pos = end + step;
            continue;
        }
        f(&text[start..end]);
        pos = end;
    }
    if keep_gaps && pos < text.len() {
        f(&text[pos..]);
    }
}

/// The end of cl100k_base's match at byte `i` of `text` (one starts at every character, and
/// none is empty).
fn cl100k(text: &str, i: usize, ws_to_end: bool) -> usize {
    cl100k_ascii(text.as_bytes(), i, ws_to_end)
        .unwrap_or_else(|| cl100k_unicode(text, i, ws_to_end))
}

/// Unicode `\s` restricted to ASCII.
fn is_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// ASCII bytes that are neither `\s`, `\p{L}` nor `\p{N}`.
fn is_other(b: u8) -> bool {
    b.is_ascii() && !is_space(b) && !b.is_ascii_alphanumeric()
}

/// The end of the match of
/// `'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`
/// (without `\s++$` unless `ws_to_end`) starting at `i`, taking the branches in order as a
/// backtracking engine does, on bytes; `None` when the answer depends on a non-ASCII character.
fn cl100k_ascii(s: &[u8], i: usize, ws_to_end: bool) -> Option<usize> {
    let at = |k: usize| s.get(k).copied();
    let c = s[i];
    if !c.is_ascii() {
        return None;
    }
    // Run of bytes from `k` satisfying `class`; `None` if it stops at a non-ASCII byte.
    let run = |mut k: usize, class: fn(u8) -> bool| -> Option<usize> {
        while let Some(b) = at(k) {
            if !b.is_ascii() {
                return None;
            }
            if !class(b) {
                break;
            }
            k += 1;
        }
        Some(k)
    };

    // '(?i:[sdmt]|ll|ve|re)  ('s' also folds to U+017F, which is not ASCII: handed over.)
    if c == b'\'' {
        match at(i + 1) {
            Some(b) if !b.is_ascii() => return None,
            Some(b) if matches!(b.to_ascii_lowercase(), b's' | b'd' | b'm' | b't') => {
                return Some(i + 2);
            }
            Some(b) if matches!(b.to_ascii_lowercase(), b'l' | b'v' | b'r') => match at(i + 2) {
                Some(b2) if !b2.is_ascii() => return None,
                Some(b2) => {
                    let pair = [b.to_ascii_lowercase(), b2.to_ascii_lowercase()];
                    if matches!(&pair, b"ll" | b"ve" | b"re") {
                        return Some(i + 3);
                    }
                }
                None => {}
            },
            _ => {}
        }
    }
    // [^\r\n\p{L}\p{N}]?+\p{L}++
    if c.is_ascii_alphabetic() {
        return run(i, |b| b.is_ascii_alphabetic());
    }
    if c != b'\r' && c != b'\n' && !c.is_ascii_digit() {
        match at(i + 1) {
            Some(b) if !b.is_ascii() => return None,
            Some(b) if b.is_ascii_alphabetic() => return run(i + 1, |b| b.is_ascii_alphabetic()),
            _ => {}
        }
    }
    // \p{N}{1,3}+
    if c.is_ascii_digit() {
        let mut k = i;
        while k < i + 3 {
            match at(k) {
                Some(b) if !b.is_ascii() => return None,
                Some(b) if b.is_ascii_digit() => k += 1,
                _ => break,
            }
        }
        return Some(k);
    }
    //  ?[^\s\p{L}\p{N}]++[\r\n]*+
    let punct_from = match (c, at(i + 1)) {
        (b' ', Some(b)) if !b.is_ascii() => return None,
        (b' ', Some(b)) if is_other(b) => Some(i + 1),
        _ if is_other(c) => Some(i),
        _ => None,
    };
    if let Some(k) = punct_from {
        let end = run(k, is_other)?;
        let mut end = end;
        while matches!(at(end), Some(b'\r' | b'\n')) {
            end += 1;
        }
        return Some(end);
    }
    // Only whitespace is left: \s++$ | \s*[\r\n] | \s+(?!\S) | \s
    let end = run(i, is_space)?;
    if ws_to_end && end == s.len() {
        return Some(end);
    }
    if let Some(last) = s[i..end].iter().rposition(|&b| b == b'\r' || b == b'\n') {
        return Some(i + last + 1);
    }
    if end == s.len() {
        return Some(end);
    }
    Some(if end - i >= 2 { end - 1 } else { i + 1 })
}

/// [`cl100k_ascii`] on characters, with the Unicode classes: the same branches in the same order.
fn cl100k_unicode(text: &str, i: usize, ws_to_end: bool) -> usize {
    let at = |k: usize| text.get(k..).and_then(|rest| rest.chars().next());
    // End of the run of characters from `k` in `class`.
    let run = |mut k: usize, class: fn(char) -> bool| {
        while let Some(c) = at(k).filter(|&c| class(c)) {
            k += c.len_utf8();
        }
        k
    };
    let other: fn(char) -> bool = |c| !c.is_whitespace() && !is_letter(c) && !is_number(c);
    let newline: fn(char) -> bool = |c| c == '\r' || c == '\n';
    let Some(c) = at(i) else { return text.len() };
    let next = i + c.len_utf8();

    // '(?i:[sdmt]|ll|ve|re)
    if c == '\''
        && let Some(c1) = at(next)
    {
        let after = next + c1.len_utf8();
        match fold(c1) {
            Some('s' | 'd' | 'm' | 't') => return after,
            Some(first @ ('l' | 'v' | 'r')) => {
                if let Some(c2) = at(after)
                    && matches!((first, fold(c2)), ('l', Some('l')) | ('v' | 'r', Some('e')))
                {
                    return after + c2.len_utf8();
                }
            }
            _ => {}
        }
    }
    // [^\r\n\p{L}\p{N}]?+\p{L}++
    if is_letter(c) {
        return run(i, is_letter);
    }
    if !newline(c) && !is_number(c) && at(next).is_some_and(is_letter) {
        return run(next, is_letter);
    }
    // \p{N}{1,3}+
    if is_number(c) {
        let mut end = i;
        for _ in 0..3 {
            match at(end).filter(|&d| is_number(d)) {
                Some(d) => end += d.len_utf8(),
                None => break,
            }
        }
        return end;
    }
    //  ?[^\s\p{L}\p{N}]++[\r\n]*+
    let from =
        if c == ' ' && at(next).is_some_and(other) { Some(next) } else { other(c).then_some(i) };
    if let Some(from) = from {
        return run(run(from, other), newline);
    }
    // Only whitespace is left: \s++$ | \s*[\r\n] | \s+(?!\S) | \s
    let end = run(i, char::is_whitespace);
    if ws_to_end && end == text.len() {
        return end;
    }
    if let Some(last) = text[i..end].rfind(['\r', '\n']) {
        return i + last + 1;
    }
    if end == text.len() {
        return end;
    }
    // Two or more: all but the last, which goes with what follows.
    let last = text[..end].chars().next_back().map_or(0, char::len_utf8);
    if end - last > i { end - last } else { end }
}

/// The letter a contraction's letter matches case-insensitively: ASCII letters, and 'ſ' (U+017F,
/// long s), whose simple case folding is 's'.
fn fold(c: char) -> Option<char> {
    match c {
        'ſ' => Some('s'),
        c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
        _ => None,
    }
}

#[cfg(all(test, feature = "regex"))]
mod tests {
    use super::*;

    fn pieces(splitter: &Splitter, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        splitter.for_each(text, true, |p| out.push(p.to_string()));
        out
    }

    /// Both spellings of cl100k_base's pattern: by hand, and in the regex engine.
    fn pairs() -> [(Splitter, Splitter, &'static str); 2] {
        let regex = |p| Splitter::Regex(compile(p).unwrap());
        [
            (Splitter::new(CL100K_PATTERN).unwrap(), regex(CL100K_PATTERN), "tiktoken"),
            (Splitter::new(CL100K_JSON_PATTERN).unwrap(), regex(CL100K_JSON_PATTERN), "json"),
        ]
    }

    /// Random strings over characters that steer the pattern (each class in ASCII and beyond:
    /// letters of every kind, numbers of every kind, marks, spaces and line breaks, symbols).
    #[test]
    fn tokenizer_cl100k_split_by_hand_equals_regex() {
        let alphabet: Vec<char> =
            "'sSdDmMtTlLvVeErRaZ09 \t\n\r\x0b\x0c!.,-_/\x00\x7féſ²\u{a0}\u{85}\
             日😀\u{301}\u{2028}\u{3000}٣Ⅻ½\u{212a}İǅʰ\u{200b}\u{feff}ß€\u{1680}"
                .chars()
                .collect();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for (by_hand, regex, spelling) in pairs() {
            assert!(matches!(by_hand, Splitter::Cl100k { .. }), "{spelling}");
            for _ in 0..60_000 {
                let len = next() % 16;
                let text: String =
                    (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
                assert_eq!(pieces(&by_hand, &text), pieces(&regex, &text), "{spelling}: {text:?}");
            }
        }
    }

    /// Every character after an apostrophe, alone and before each contraction's second letter:
    /// the case-insensitive branch folds exactly as the regex engine does.
    #[test]
    fn tokenizer_cl100k_contractions_fold_as_the_regex_does() {
        for (by_hand, regex, spelling) in pairs() {
            for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
                for text in [format!("'{c}x"), format!("'l{c}"), format!("'{c}e"), format!(" {c}'")]
                {
                    assert_eq!(
                        pieces(&by_hand, &text),
                        pieces(&regex, &text),
                        "{spelling}: {text:?}"
                    );
                }
            }
        }
    }
}
