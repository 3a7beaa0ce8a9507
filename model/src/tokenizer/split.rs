//! Pre-splitting text into the pieces BPE merges within.
//!
//! The split patterns need a backtracking engine (`fancy-regex`) for their lookahead, and that
//! engine is most of the encoding time. For `cl100k_base` the pattern is decided here by hand
//! wherever every character it has to look at is ASCII, and handed to the regex at the first
//! character that is not, so the result is the regex's by construction on any text. Tests compare
//! the two on the vector set, random strings and ~10 MB of English.

use fancy_regex::Regex;

/// The pattern, and whether the hand-written fast path for it applies.
pub(crate) struct Splitter {
    regex: Regex,
    cl100k_fast_path: bool,
}

impl Splitter {
    pub(crate) fn new(regex: Regex, cl100k_fast_path: bool) -> Self {
        Self { regex, cl100k_fast_path }
    }

    /// Calls `f` on each match in order; with `keep_gaps`, also on text between matches.
    pub(crate) fn for_each<'t>(&self, text: &'t str, keep_gaps: bool, mut f: impl FnMut(&'t str)) {
        let mut pos = 0;
        while pos < text.len() {
            let span = match self.cl100k_fast_path.then(|| cl100k_ascii(text.as_bytes(), pos)) {
                Some(Some(end)) => Some((pos, end)),
                // With the backtrack limit lifted, the engine has no error left to report.
                _ => match self.regex.find_from_pos(text, pos) {
                    Ok(Some(m)) => Some((m.start(), m.end())),
                    Ok(None) | Err(_) => None,
                },
            };
            let Some((start, end)) = span else { break };
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
/// starting at `i`, taking the branches in order as a backtracking engine does; `None` when
/// the answer depends on a non-ASCII character (its class needs Unicode tables).
fn cl100k_ascii(s: &[u8], i: usize) -> Option<usize> {
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
    if end == s.len() {
        return Some(end);
    }
    if let Some(last) = s[i..end].iter().rposition(|&b| b == b'\r' || b == b'\n') {
        return Some(i + last + 1);
    }
    Some(if end - i >= 2 { end - 1 } else { i + 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(splitter: &Splitter, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        splitter.for_each(text, false, |p| out.push(p.to_string()));
        out
    }

    /// Random strings over the characters that steer the pattern, compared with the regex alone.
    #[test]
    fn tokenizer_cl100k_fast_split_equals_regex() {
        let regex = || {
            fancy_regex::RegexBuilder::new(super::super::tiktoken::CL100K_PATTERN)
                .backtrack_limit(usize::MAX)
                .build()
                .unwrap()
        };
        let fast = Splitter::new(regex(), true);
        let slow = Splitter::new(regex(), false);
        let alphabet: Vec<char> =
            "'sSdDmMtTlLvVeErRaZ09 \t\n\r\x0b\x0c!.,-_/\x00\x7féſ²\u{a0}\u{85}日😀\u{301}"
                .chars()
                .collect();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..30_000 {
            let mut text = String::new();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            for _ in 0..(state % 12) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            assert_eq!(pieces(&fast, &text), pieces(&slow, &text), "{text:?}");
        }
    }
}
