//! Chunking and prompt-fitting for the RAG chapter.
//!
//! A chapter's paragraphs are packed, in order, into chunks of at most `max_words` words; a chunk
//! never spans two chapters (the caller chunks each chapter alone), and a paragraph longer than
//! the limit is cut at sentence ends, and a sentence longer than it at words. The retrieved chunks
//! then go into the prompt best first (`tumbler_model::chat::fit_prompt`, which the text worker
//! runs with the Tumbler's tokenizer).

/// Words of `text`, as whitespace separates them.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// `text`'s sentences: cut after `.`, `!` or `?` followed by whitespace.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        let ends = matches!(c, '.' | '!' | '?')
            && bytes.get(i + 1).is_some_and(|b| b.is_ascii_whitespace());
        if ends {
            out.push(text[start..=i].trim());
            start = i + 1;
        }
    }
    let rest = text[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out.retain(|s| !s.is_empty());
    out
}

/// `paragraph` as pieces of at most `max_words` words: whole sentences where they fit.
fn pieces(paragraph: &str, max_words: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let flush = |current: &mut Vec<&str>, out: &mut Vec<String>| {
        if !current.is_empty() {
            out.push(current.join(" "));
            current.clear();
        }
    };
    for sentence in sentences(paragraph) {
        let words: Vec<&str> = sentence.split_whitespace().collect();
        if current.len() + words.len() > max_words {
            flush(&mut current, &mut out);
        }
        if words.len() > max_words {
            for part in words.chunks(max_words) {
                out.push(part.join(" "));
            }
        } else {
            current.extend(words);
        }
    }
    flush(&mut current, &mut out);
    out
}

/// One chapter's `paragraphs` packed into chunks of at most `max_words` words (at least one word
/// each), in reading order; paragraphs inside a chunk are kept apart by a line break.
pub fn chunks<S: AsRef<str>>(paragraphs: &[S], max_words: usize) -> Vec<String> {
    let max_words = max_words.max(1);
    let mut out = Vec::new();
    let mut current = String::new();
    let mut words = 0;
    for paragraph in paragraphs {
        for (i, piece) in pieces(paragraph.as_ref(), max_words).into_iter().enumerate() {
            let n = word_count(&piece);
            if words + n > max_words && !current.is_empty() {
                out.push(std::mem::take(&mut current));
                words = 0;
            }
            if !current.is_empty() {
                // A new paragraph on a new line; the next piece of the same one after a space.
                current.push(if i == 0 { '\n' } else { ' ' });
            }
            current.push_str(&piece);
            words += n;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_pack_into_chunks_under_the_limit() {
        let paras = ["one two three.", "four five.", "six seven eight nine."];
        assert_eq!(chunks(&paras, 5), vec!["one two three.\nfour five.", "six seven eight nine."]);
        assert_eq!(chunks(&paras, 100), vec!["one two three.\nfour five.\nsix seven eight nine."]);
        for c in chunks(&paras, 3) {
            assert!(word_count(&c) <= 3, "{c:?}");
        }
    }

    #[test]
    fn a_long_paragraph_is_cut_at_sentences_then_words() {
        let para = "A b c. D e f g h i. J k.";
        assert_eq!(chunks(&[para], 4), vec!["A b c.", "D e f g", "h i. J k."]);
        // Every word survives, in order.
        let joined = chunks(&[para], 4).join(" ");
        assert_eq!(
            joined.split_whitespace().collect::<Vec<_>>(),
            para.split_whitespace().collect::<Vec<_>>()
        );
        assert_eq!(sentences("No end here"), vec!["No end here"]);
        assert_eq!(sentences("3.14 is pi. Yes!"), vec!["3.14 is pi.", "Yes!"]);
    }

    #[test]
    fn empty_input_gives_no_chunks() {
        assert!(chunks::<&str>(&[], 10).is_empty());
        assert!(chunks(&["", "   "], 10).is_empty());
    }
}
