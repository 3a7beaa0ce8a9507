//! Gopher's quality rules (Rae et al., 2021, appendix A): cheap heuristics on words, symbols,
//! lines and repetition that drop boilerplate, lists, spam and machine-generated text.

use rustc_hash::{FxHashMap, FxHashSet};

/// Thresholds; the defaults are Gopher's.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QualityConfig {
    /// Fewest and most words a document may have.
    pub min_words: usize,
    pub max_words: usize,
    /// Bounds on the mean word length in characters.
    pub min_mean_word_len: f32,
    pub max_mean_word_len: f32,
    /// Most `#` and `...` per word.
    pub max_symbol_word_ratio: f32,
    /// Most lines that may start with a bullet.
    pub max_bullet_line_ratio: f32,
    /// Most lines that may end with an ellipsis.
    pub max_ellipsis_line_ratio: f32,
    /// Fewest words that must contain a letter.
    pub min_alpha_word_ratio: f32,
    /// Fewest distinct English stop words ("the", "be", "to", "of", "and", "that", "have", "with").
    pub min_stop_words: usize,
    /// Most lines, and most characters in lines, that may be duplicates of another line.
    pub max_dup_line_ratio: f32,
    pub max_dup_line_char_ratio: f32,
}

impl Default for QualityConfig {
    fn default() -> Self {
        Self {
            min_words: 50,
            max_words: 100_000,
            min_mean_word_len: 3.0,
            max_mean_word_len: 10.0,
            max_symbol_word_ratio: 0.1,
            max_bullet_line_ratio: 0.9,
            max_ellipsis_line_ratio: 0.3,
            min_alpha_word_ratio: 0.8,
            min_stop_words: 2,
            max_dup_line_ratio: 0.3,
            max_dup_line_char_ratio: 0.2,
        }
    }
}

/// The first rule a document broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum QualityIssue {
    TooFewWords,
    TooManyWords,
    MeanWordLength,
    SymbolRatio,
    BulletLines,
    EllipsisLines,
    NonAlphaWords,
    NoStopWords,
    DuplicateLines,
    DuplicateLineChars,
    TopNgram,
    DuplicateNgrams,
}

const STOP_WORDS: &[&str] = &["the", "be", "to", "of", "and", "that", "have", "with"];
const BULLETS: &[char] = &['•', '●', '○', '▪', '‣', '-', '*', '–'];

/// Checks `text` against the rules; `Ok(())` keeps it.
pub fn check(text: &str, cfg: &QualityConfig) -> Result<(), QualityIssue> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let n = words.len();
    if n < cfg.min_words {
        return Err(QualityIssue::TooFewWords);
    }
    if n > cfg.max_words {
        return Err(QualityIssue::TooManyWords);
    }
    let mean_len = words.iter().map(|w| w.chars().count()).sum::<usize>() as f32 / n as f32;
    if mean_len < cfg.min_mean_word_len || mean_len > cfg.max_mean_word_len {
        return Err(QualityIssue::MeanWordLength);
    }
    let symbols =
        text.matches('#').count() + text.matches("...").count() + text.matches('…').count();
    if symbols as f32 / n as f32 > cfg.max_symbol_word_ratio {
        return Err(QualityIssue::SymbolRatio);
    }
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let nl = lines.len().max(1) as f32;
    if lines.iter().filter(|l| l.starts_with(BULLETS)).count() as f32 / nl
        > cfg.max_bullet_line_ratio
    {
        return Err(QualityIssue::BulletLines);
    }
    let ellipsis = lines.iter().filter(|l| l.ends_with("...") || l.ends_with('…')).count();
    if ellipsis as f32 / nl > cfg.max_ellipsis_line_ratio {
        return Err(QualityIssue::EllipsisLines);
    }
    let alpha = words.iter().filter(|w| w.chars().any(char::is_alphabetic)).count();
    if (alpha as f32 / n as f32) < cfg.min_alpha_word_ratio {
        return Err(QualityIssue::NonAlphaWords);
    }
    let present: FxHashSet<String> = words
        .iter()
        .map(|w| w.trim_matches(|c: char| !c.is_alphabetic()).to_lowercase())
        .filter(|w| STOP_WORDS.contains(&w.as_str()))
        .collect();
    if present.len() < cfg.min_stop_words {
        return Err(QualityIssue::NoStopWords);
    }
    repetition(text, &lines, &words, cfg)
}

fn repetition(
    text: &str,
    lines: &[&str],
    words: &[&str],
    cfg: &QualityConfig,
) -> Result<(), QualityIssue> {
    let mut seen: FxHashSet<&str> = FxHashSet::default();
    let (mut dup_lines, mut dup_chars) = (0usize, 0usize);
    for l in lines {
        if !seen.insert(l) {
            dup_lines += 1;
            dup_chars += l.len();
        }
    }
    if dup_lines as f32 / lines.len().max(1) as f32 > cfg.max_dup_line_ratio {
        return Err(QualityIssue::DuplicateLines);
    }
    let total_chars = text.len().max(1) as f32;
    if dup_chars as f32 / total_chars > cfg.max_dup_line_char_ratio {
        return Err(QualityIssue::DuplicateLineChars);
    }
    let lower: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
    let word_chars = lower.iter().map(String::len).sum::<usize>().max(1) as f32;
    // Share of characters in the most frequent n-gram, n = 2..4.
    for (n, limit) in [(2, 0.20), (3, 0.18), (4, 0.16)] {
        let mut counts: FxHashMap<&[String], usize> = FxHashMap::default();
        for g in lower.windows(n) {
            *counts.entry(g).or_default() += 1;
        }
        if let Some((gram, &c)) = counts.iter().max_by_key(|(_, c)| **c) {
            let chars: usize = gram.iter().map(String::len).sum();
            if c > 1 && (chars * c) as f32 / word_chars > limit {
                return Err(QualityIssue::TopNgram);
            }
        }
    }
    // Share of characters inside n-grams that occur more than once, n = 5..10.
    for (n, limit) in [(5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)] {
        if lower.len() < n {
            break;
        }
        let mut first: FxHashMap<&[String], usize> = FxHashMap::default();
        let mut covered = vec![false; lower.len()];
        for (i, g) in lower.windows(n).enumerate() {
            if let Some(&j) = first.get(g) {
                for k in (i..i + n).chain(j..j + n) {
                    covered[k] = true;
                }
            } else {
                first.insert(g, i);
            }
        }
        let dup: usize =
            lower.iter().zip(&covered).filter(|(_, c)| **c).map(|(w, _)| w.len()).sum();
        if dup as f32 / word_chars > limit {
            return Err(QualityIssue::DuplicateNgrams);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "It is a truth universally acknowledged, that a single man in possession of a \
good fortune, must be in want of a wife. However little known the feelings or views of such a man \
may be on his first entering a neighbourhood, this truth is so well fixed in the minds of the \
surrounding families, that he is considered the rightful property of some one or other of their \
daughters. My dear Mr. Bennet, said his lady to him one day, have you heard that Netherfield Park \
is let at last? Mr. Bennet replied that he had not.";

    #[test]
    fn keeps_prose() {
        assert_eq!(check(GOOD, &QualityConfig::default()), Ok(()));
    }

    #[test]
    fn drops_bad_documents() {
        let cfg = QualityConfig::default();
        assert_eq!(check("Too short to be a page.", &cfg), Err(QualityIssue::TooFewWords));
        let tags = "#deal #sale #free #win #now ".repeat(20) + GOOD;
        assert_eq!(check(&tags, &cfg), Err(QualityIssue::SymbolRatio));
        let bullets =
            (0..60).map(|i| format!("- item number {i} of the list\n")).collect::<String>();
        assert_eq!(check(&bullets, &cfg), Err(QualityIssue::BulletLines));
        let ellipses = (0..30)
            .map(|i| {
                format!("and then the story {i} went on for a long while until the night came...\n")
            })
            .collect::<String>();
        assert_eq!(check(&ellipses, &cfg), Err(QualityIssue::EllipsisLines));
        let numbers =
            (0..80).map(|i| format!("{} ", i * 7919)).collect::<String>() + "the and of with";
        assert_eq!(check(&numbers, &cfg), Err(QualityIssue::NonAlphaWords));
        let no_stop =
            "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
                .repeat(6);
        assert_eq!(check(&no_stop, &cfg), Err(QualityIssue::NoStopWords));
        let dup = format!("{GOOD}\n")
            + &"Buy cheap watches and have fun with the best deals today.\n".repeat(12);
        assert_eq!(check(&dup, &cfg), Err(QualityIssue::DuplicateLines));
        let long_words =
            "Supercalifragilisticexpialidocious antidisestablishmentarianism the of ".repeat(20);
        assert_eq!(check(&long_words, &cfg), Err(QualityIssue::MeanWordLength));
        let rep = format!("{GOOD} ") + &"click here to win the prize with us ".repeat(10);
        assert!(matches!(
            check(&rep, &cfg),
            Err(QualityIssue::TopNgram | QualityIssue::DuplicateNgrams)
        ));
    }
}
