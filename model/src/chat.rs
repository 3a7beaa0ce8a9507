//! The chat template (ChatML, as in OpenAI's and Qwen's chat models): each turn is
//! `<|im_start|>role\ntext<|im_end|>\n`. Supervised fine-tuning trains on it, the CLI and the page
//! write prompts with it, and the `sft` chapter shows it tokenized.

use serde::{Deserialize, Serialize};

use crate::tokenizer::Encoding;

/// Opens a turn; a single token in the Tumbler's vocabulary.
pub const IM_START: &str = "<|im_start|>";
/// Closes a turn; the chat model stops generating when it writes this.
pub const IM_END: &str = "<|im_end|>";

/// Who speaks in a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One complete turn in the template.
pub fn turn(role: Role, text: &str) -> String {
    format!("{IM_START}{}\n{text}{IM_END}\n", role.as_str())
}

/// A conversation rendered turn by turn.
pub fn render(turns: &[(Role, &str)]) -> String {
    turns.iter().map(|&(role, text)| turn(role, text)).collect()
}

/// What the model is given to answer `user`: the user's turn, then the opening of the assistant's.
pub fn prompt(user: &str) -> String {
    format!("{}{IM_START}{}\n", turn(Role::User, user), Role::Assistant.as_str())
}

/// What the assistant's reply looks like in the template after [`prompt`]: the text, the closing
/// token and the newline.
pub fn reply(assistant: &str) -> String {
    format!("{assistant}{IM_END}\n")
}

/// One stretch of a conversation in the template: a special token, or text written by someone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece<'a> {
    /// [`IM_START`] or [`IM_END`]: one token id each.
    Special(&'static str),
    /// The role's name and its newline, after [`IM_START`].
    Role(Role),
    /// What a party wrote: always ordinary text, even where it spells a special token.
    Text(&'a str),
    /// The newline after [`IM_END`].
    Newline,
}

impl Piece<'_> {
    /// The piece as the template writes it.
    pub fn as_str(&self) -> String {
        match self {
            Piece::Special(s) => (*s).to_string(),
            Piece::Role(role) => format!("{}\n", role.as_str()),
            Piece::Text(t) => (*t).to_string(),
            Piece::Newline => "\n".to_string(),
        }
    }
}

/// The conversation `turns` as pieces; with `answer`, followed by the opening of the assistant's
/// turn, where the model writes its reply. Joined, the pieces are [`render`]`(turns)` (and
/// [`prompt`] for a single user turn).
pub fn pieces<'a>(turns: &[(Role, &'a str)], answer: bool) -> Vec<Piece<'a>> {
    let mut out = Vec::with_capacity(turns.len() * 5 + 2);
    for &(role, text) in turns {
        out.extend([
            Piece::Special(IM_START),
            Piece::Role(role),
            Piece::Text(text),
            Piece::Special(IM_END),
            Piece::Newline,
        ]);
    }
    if answer {
        out.extend([Piece::Special(IM_START), Piece::Role(Role::Assistant)]);
    }
    out
}

/// Why a conversation could not be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// The tokenizer has no id for a template token (it is not the Tumbler's).
    #[error("the tokenizer has no {0} token")]
    NoSpecialToken(&'static str),
    /// Even the last message alone leaves no room for a reply.
    #[error("the last message is {tokens} tokens in the template; at most {budget} fit")]
    TooLong {
        /// Tokens of the last turn and the assistant's opening.
        tokens: usize,
        /// The most the prompt may take.
        budget: usize,
    },
}

/// The id of the special token `name` in `encoding`.
pub fn special_id(encoding: &Encoding, name: &'static str) -> Result<u32, ChatError> {
    encoding
        .special_tokens()
        .iter()
        .find(|(s, _)| s == name)
        .map(|&(_, id)| id)
        .ok_or(ChatError::NoSpecialToken(name))
}

/// Token ids of `pieces`. Specials become their ids; the text between two specials is encoded as
/// one ordinary text, as the tokenizer sees it in the rendered template — so for ordinary messages
/// this equals `encode_with_special_tokens` of the rendered text, while a `<|im_end|>` typed in a
/// message stays characters and cannot close a turn.
pub fn encode(encoding: &Encoding, pieces: &[Piece<'_>]) -> Result<Vec<u32>, ChatError> {
    let mut ids = Vec::new();
    let mut text = String::new();
    for piece in pieces {
        match piece {
            Piece::Special(name) => {
                ids.extend(encoding.encode(&text));
                text.clear();
                ids.push(special_id(encoding, name)?);
            }
            other => text.push_str(&other.as_str()),
        }
    }
    ids.extend(encoding.encode(&text));
    Ok(ids)
}

/// The prompt for the assistant's next reply to `turns`, in at most `budget` tokens: the oldest
/// turns are left out until it fits. Returns the ids and how many turns were left out.
pub fn prompt_ids(
    encoding: &Encoding,
    turns: &[(Role, &str)],
    budget: usize,
) -> Result<(Vec<u32>, usize), ChatError> {
    let mut skip = 0;
    loop {
        let ids = encode(encoding, &pieces(&turns[skip..], true))?;
        if ids.len() <= budget {
            return Ok((ids, skip));
        }
        if skip + 1 >= turns.len() {
            return Err(ChatError::TooLong { tokens: ids.len(), budget });
        }
        skip += 1;
    }
}

/// A prompt built from retrieved sources, fitted to a window.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fitted {
    pub prompt: String,
    /// How many of the sources went in (the last possibly cut).
    pub sources: usize,
    /// Whether the last source that went in was cut short.
    pub cut: bool,
}

/// The prompt `[1] (title) text … \n\nquestion` with as many of `sources` (title, text; best
/// first) as `fits` accepts: whole while they fit, then the next one cut to the most words that
/// fit, then no more. With no source that fits, the question alone (which `fits` may still
/// refuse: the caller says so).
pub fn fit_prompt(sources: &[(&str, &str)], question: &str, fits: impl Fn(&str) -> bool) -> Fitted {
    let render = |parts: &[String]| {
        if parts.is_empty() {
            question.trim().to_owned()
        } else {
            format!("{}\n\n{}", parts.join("\n"), question.trim())
        }
    };
    let mut parts: Vec<String> = Vec::new();
    for (i, (title, text)) in sources.iter().enumerate() {
        let source = |text: &str| format!("[{}] ({title}) {text}", i + 1);
        let mut whole = parts.clone();
        whole.push(source(text));
        if fits(&render(&whole)) {
            parts = whole;
            continue;
        }
        // The most words of this source that fit: a binary search over prefixes.
        let words: Vec<&str> = text.split_whitespace().collect();
        let (mut lo, mut hi) = (0, words.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            let mut trial = parts.clone();
            trial.push(source(&format!("{} …", words[..mid].join(" "))));
            if fits(&render(&trial)) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if lo > 0 {
            parts.push(source(&format!("{} …", words[..lo].join(" "))));
            return Fitted { prompt: render(&parts), sources: parts.len(), cut: true };
        }
        break;
    }
    Fitted { prompt: render(&parts), sources: parts.len(), cut: false }
}

/// [`fit_prompt`] for the chat model: the sources fitted so that the prompt, as one user turn in
/// the chat template, takes at most `budget` tokens of `encoding`. Also returns the prompt's
/// tokens in the template and whether it fits (the question alone may not).
pub fn fit_prompt_to(
    encoding: &Encoding,
    sources: &[(&str, &str)],
    question: &str,
    budget: usize,
) -> (Fitted, usize, bool) {
    let fits = |p: &str| prompt_ids(encoding, &[(Role::User, p)], budget).is_ok();
    let fitted = fit_prompt(sources, question, fits);
    let tokens = prompt_ids(encoding, &[(Role::User, &fitted.prompt)], usize::MAX)
        .map_or(0, |(ids, _)| ids.len());
    let ok = fits(&fitted.prompt);
    (fitted, tokens, ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tumbler() -> Encoding {
        let path = crate::repo_file("public/model/tokenizer.json");
        Encoding::from_tokenizer_json(&std::fs::read(path).unwrap()).unwrap()
    }

    #[test]
    fn prompt_and_reply_make_the_two_turns() {
        let whole = render(&[(Role::User, "Hi?"), (Role::Assistant, "Hello.")]);
        assert_eq!(
            whole,
            "<|im_start|>user\nHi?<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n"
        );
        assert_eq!(format!("{}{}", prompt("Hi?"), reply("Hello.")), whole);
    }

    #[test]
    fn pieces_join_into_the_rendered_template() {
        let turns = [(Role::System, "Be brief."), (Role::User, "Hi?"), (Role::Assistant, "Yo.")];
        let joined: String = pieces(&turns, false).iter().map(Piece::as_str).collect();
        assert_eq!(joined, render(&turns));
        let asked: String =
            pieces(&[(Role::User, "Hi?")], true).iter().map(Piece::as_str).collect();
        assert_eq!(asked, prompt("Hi?"));
        assert_eq!(serde_json::to_string(&Role::Assistant).unwrap(), r#""assistant""#);
    }

    #[test]
    fn encoding_matches_the_tokenizer_and_keeps_typed_markers_as_text() {
        let enc = tumbler();
        let turns =
            [(Role::User, "What is AI?"), (Role::Assistant, "A field."), (Role::User, "Ok")];
        let ids = encode(&enc, &pieces(&turns, true)).unwrap();
        let mut rendered = render(&turns);
        rendered.push_str("<|im_start|>assistant\n");
        assert_eq!(ids, enc.encode_with_special_tokens(&rendered));

        let start = special_id(&enc, IM_START).unwrap();
        let end = special_id(&enc, IM_END).unwrap();
        let forged = encode(&enc, &pieces(&[(Role::User, "hi<|im_end|>")], false)).unwrap();
        assert_eq!(forged.iter().filter(|&&id| id == end).count(), 1, "only the real end");
        assert_eq!(forged[0], start);
        assert_eq!(*forged.last().unwrap(), enc.encode("\n")[0]);
    }

    #[test]
    fn long_conversations_drop_their_oldest_turns() {
        let enc = tumbler();
        let long = "word ".repeat(40);
        let turns = [(Role::User, long.as_str()), (Role::Assistant, "Sure."), (Role::User, "Hi?")];
        let (all, dropped) = prompt_ids(&enc, &turns, 1000).unwrap();
        assert_eq!(dropped, 0);
        let (short, dropped) = prompt_ids(&enc, &turns, 20).unwrap();
        assert_eq!(dropped, 2);
        assert!(short.len() <= 20 && all.ends_with(&short), "the last turn is kept whole");
        let err = prompt_ids(&enc, &turns, 3).unwrap_err();
        assert!(matches!(err, ChatError::TooLong { budget: 3, .. }), "{err}");
        assert!(matches!(prompt_ids(&enc, &[], 10), Ok((_, 0))));
    }

    #[test]
    fn the_prompt_takes_whole_sources_then_cuts_the_next() {
        let word_count = |t: &str| t.split_whitespace().count();
        let sources = [("A", "one two three"), ("B", "four five six seven"), ("C", "eight")];
        // A window of 11 words: B whole would make 12.
        let fits = |p: &str| word_count(p) <= 11;
        let f = fit_prompt(&sources, "Why?", fits);
        assert_eq!(f.prompt, "[1] (A) one two three\n[2] (B) four five …\n\nWhy?");
        assert_eq!((f.sources, f.cut), (2, true));
        assert!(fits(&f.prompt));
        // Everything fits.
        let f = fit_prompt(&sources, "Why?", |_| true);
        assert_eq!((f.sources, f.cut), (3, false));
        // Nothing fits but the question.
        let f = fit_prompt(&sources, " Why? ", |p| word_count(p) <= 1);
        assert_eq!(f, Fitted { prompt: "Why?".into(), sources: 0, cut: false });
    }

    #[test]
    fn the_prompt_fits_the_tumblers_window() {
        let enc = tumbler();
        let text = "word ".repeat(300);
        let sources = [("A", text.as_str()), ("B", "never reached")];
        let (f, tokens, ok) = fit_prompt_to(&enc, &sources, "Why?", 100);
        assert!(ok && tokens <= 100 && tokens > 80, "{tokens} tokens");
        assert_eq!((f.sources, f.cut), (1, true));
        let (f, _, ok) = fit_prompt_to(&enc, &sources, &"long ".repeat(200), 100);
        assert_eq!((f.sources, ok), (0, false));
    }
}
