//! The toy task the `rl` chapter trains on: reverse a three-letter string ("cat=" → "tac."),
//! written in a character vocabulary of its own, and the programs that grade an attempt.
//!
//! A program can check every answer, so the reward needs no person and no learned judge: this is
//! the "verifiable reward" of RL on maths and code, at the smallest size that still learns.

use std::collections::HashSet;

use crate::sampling::Rng;

/// Token 0 ends an answer (written ".").
pub const END: u32 = 0;
/// The token between the string and its answer ("=").
pub const SEP: u32 = 27;
/// The vocabulary: the end mark, a–z (1–26) and "=".
pub const VOCAB: usize = 28;
/// Letters in a problem.
pub const WORD_LEN: usize = 3;
/// The most tokens an attempt may generate (its end mark included): room to ramble.
pub const MAX_ANSWER: usize = 6;

/// The token of a character of the task's alphabet.
pub fn token(c: char) -> Option<u32> {
    match c {
        '.' => Some(END),
        '=' => Some(SEP),
        'a'..='z' => Some(c as u32 - 'a' as u32 + 1),
        _ => None,
    }
}

/// The character of a token.
pub fn char_of(id: u32) -> char {
    match id {
        END => '.',
        1..=26 => char::from(b'a' + (id - 1) as u8),
        _ => '=',
    }
}

/// Tokens as text.
pub fn decode(ids: &[u32]) -> String {
    ids.iter().map(|&id| char_of(id)).collect()
}

/// The right answer: the string reversed.
pub fn reverse(word: &str) -> String {
    word.chars().rev().collect()
}

/// The prompt's tokens: the string then "=".
pub fn prompt(word: &str) -> Vec<u32> {
    word.chars().filter_map(token).chain([SEP]).collect()
}

/// A random string of [`WORD_LEN`] of the alphabet's first `letters` letters.
fn random_word(rng: &mut Rng, letters: usize) -> String {
    (0..WORD_LEN).map(|_| char_of(1 + (rng.next_u64() % letters as u64) as u32)).collect()
}

/// `n` distinct strings of the first `letters` letters drawn with `seed`, none in `exclude`
/// (there must be `n` such strings).
pub fn words(seed: u64, n: usize, letters: usize, exclude: &HashSet<String>) -> Vec<String> {
    assert!((1..=26).contains(&letters), "1 to 26 letters");
    let mut rng = Rng::new(seed);
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let word = random_word(&mut rng, letters);
        if !exclude.contains(&word) && seen.insert(word.clone()) {
            out.push(word);
        }
    }
    out
}

/// What one attempt wrote: its tokens up to the end mark, and whether it wrote the mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The generated tokens, the end mark excluded.
    pub answer: Vec<u32>,
    /// Whether it ended with the end mark (within [`MAX_ANSWER`] tokens).
    pub ended: bool,
}

impl Attempt {
    /// The attempt read off generated tokens: everything before the first end mark.
    pub fn from_tokens(generated: &[u32]) -> Self {
        match generated.iter().position(|&t| t == END) {
            Some(i) => Self { answer: generated[..i].to_vec(), ended: true },
            None => Self { answer: generated.to_vec(), ended: false },
        }
    }

    /// Its text, as the reader sees it (without the end mark).
    pub fn text(&self) -> String {
        decode(&self.answer)
    }

    /// The tokens the policy generated: the answer and, if written, the end mark.
    pub fn generated_len(&self) -> usize {
        self.answer.len() + usize::from(self.ended)
    }
}

/// The grader: the attempt is right when it wrote the reversed string and stopped.
pub fn passes(word: &str, attempt: &Attempt) -> bool {
    attempt.ended && attempt.text() == reverse(word)
}

/// What the policy is rewarded for: the reader's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reward {
    /// 1 when the grader passes the attempt, else 0: the true goal.
    Correct,
    /// 1 for any three letters followed by the end mark, right or wrong: a format check.
    Format,
    /// Letters written, over [`MAX_ANSWER`]: longer is "better", a proxy that can be gamed.
    Length,
    /// The share of the three letters in their right place, for three letters and a stop: the
    /// grader's check with partial credit.
    Partial,
}

impl Reward {
    /// Every choice, in the order the page lists them.
    pub const ALL: [Reward; 4] = [Reward::Correct, Reward::Partial, Reward::Format, Reward::Length];

    /// Its name, as the CLI and the page's data attributes spell it.
    pub fn id(self) -> &'static str {
        match self {
            Reward::Correct => "correct",
            Reward::Format => "format",
            Reward::Length => "length",
            Reward::Partial => "partial",
        }
    }

    /// The choice named `id`.
    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.id() == id)
    }

    /// The reward of `attempt` at reversing `word`, in [0, 1].
    pub fn score(self, word: &str, attempt: &Attempt) -> f32 {
        match self {
            Reward::Correct => f32::from(u8::from(passes(word, attempt))),
            Reward::Format => {
                let letters = attempt.answer.iter().all(|t| (1..=26).contains(t));
                f32::from(u8::from(attempt.ended && letters && attempt.answer.len() == WORD_LEN))
            }
            Reward::Length => {
                let letters = attempt.answer.iter().filter(|t| (1..=26).contains(*t)).count();
                letters as f32 / MAX_ANSWER as f32
            }
            Reward::Partial => {
                if !attempt.ended || attempt.answer.len() != WORD_LEN {
                    return 0.0;
                }
                let (want, got) = (reverse(word), attempt.text());
                let right = want.chars().zip(got.chars()).filter(|(a, b)| a == b).count();
                right as f32 / WORD_LEN as f32
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(text: &str) -> Attempt {
        let ids: Vec<u32> = text.chars().map(|c| token(c).unwrap()).collect();
        Attempt::from_tokens(&ids)
    }

    #[test]
    fn tokens_round_trip_and_prompts_end_with_the_separator() {
        let ids: Vec<u32> = "az=.".chars().map(|c| token(c).unwrap()).collect();
        assert_eq!(ids, [1, 26, SEP, END]);
        assert_eq!(decode(&ids), "az=.");
        assert_eq!(prompt("cat"), [3, 1, 20, SEP]);
        assert_eq!(token('A'), None);
        assert!(ids.iter().all(|&t| (t as usize) < VOCAB));
    }

    #[test]
    fn the_grader_wants_the_reversed_string_and_a_stop() {
        assert!(passes("cat", &attempt("tac.")));
        assert!(passes("cat", &attempt("tac.xyz")), "what follows the end mark is not read");
        assert!(!passes("cat", &attempt("cat.")));
        assert!(!passes("cat", &attempt("tacx.")));
        assert!(!passes("cat", &attempt("tac")), "it never stopped");
        assert!(!passes("cat", &attempt("ta.")));
    }

    #[test]
    fn rewards_score_what_they_say() {
        let right = attempt("tac.");
        let wrong = attempt("xyz.");
        let long = attempt("tacccc");
        assert_eq!(Reward::Correct.score("cat", &right), 1.0);
        assert_eq!(Reward::Correct.score("cat", &wrong), 0.0);
        assert_eq!(Reward::Format.score("cat", &right), 1.0);
        assert_eq!(Reward::Format.score("cat", &wrong), 1.0, "format only: wrong letters pass");
        assert_eq!(Reward::Format.score("cat", &long), 0.0);
        assert_eq!(Reward::Format.score("cat", &attempt("t=c.")), 0.0);
        assert_eq!(Reward::Length.score("cat", &right), 0.5);
        assert_eq!(Reward::Length.score("cat", &long), 1.0, "rambling beats the right answer");
        assert_eq!(Reward::Correct.score("cat", &long), 0.0);
        assert_eq!(Reward::Partial.score("cat", &right), 1.0);
        assert_eq!(Reward::Partial.score("cat", &attempt("tax.")), 2.0 / 3.0);
        assert_eq!(Reward::Partial.score("cat", &attempt("ta.")), 0.0);
        for r in Reward::ALL {
            assert_eq!(Reward::from_id(r.id()), Some(r));
        }
    }

    #[test]
    fn words_are_distinct_repeatable_and_avoid_the_excluded() {
        let held_out: HashSet<String> = words(1, 50, 26, &HashSet::new()).into_iter().collect();
        assert_eq!(held_out.len(), 50);
        let train = words(2, 200, 26, &held_out);
        assert_eq!(train, words(2, 200, 26, &held_out));
        assert!(train.iter().all(|w| !held_out.contains(w) && w.len() == WORD_LEN));
        assert_ne!(words(3, 5, 26, &held_out), train[..5]);
        // Two letters make eight strings: all of them, each once.
        let all = words(4, 8, 2, &HashSet::new());
        assert!(all.iter().all(|w| w.chars().all(|c| c == 'a' || c == 'b')));
        assert_eq!(all.iter().collect::<HashSet<_>>().len(), 8);
    }
}
