//! Token chips: each token as a coloured box holding its text (whitespace made visible, cut
//! UTF-8 shown as byte escapes) and its id, optionally its bytes in hex.

use leptos::prelude::*;
use tumbler_engine::Token;

/// One token to draw: its id and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chip {
    pub id: u32,
    pub bytes: Vec<u8>,
}

impl Chip {
    /// The chips for `tokens` (from the text worker), in order.
    pub fn from_tokens(tokens: &[Token]) -> Vec<Chip> {
        tokens.iter().map(|t| Chip { id: t.id, bytes: t.bytes.clone() }).collect()
    }
}

/// A token's bytes as readable text: `␣` for a space (as everywhere in the guide), `↵` for a
/// newline, `→` for a tab, and control characters and bytes that are not whole UTF-8 characters
/// named as bytes, "byte F0" or "bytes F0 9F" (as why and hallucination name them), not `\xF0`.
pub fn chip_label(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut loose: Vec<u8> = Vec::new();
    let flush = |out: &mut String, loose: &mut Vec<u8>| {
        if loose.is_empty() {
            return;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(if loose.len() == 1 { "byte " } else { "bytes " });
        out.push_str(&hex_bytes(loose));
        loose.clear();
    };
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                ' ' | '\n' | '\t' | '\r' => {
                    flush(&mut out, &mut loose);
                    out.push(match c {
                        ' ' => '␣',
                        '\n' => '↵',
                        '\t' => '→',
                        _ => '␍',
                    });
                }
                c if c.is_control() => loose.extend(c.encode_utf8(&mut [0u8; 4]).bytes()),
                c => {
                    if !loose.is_empty() {
                        flush(&mut out, &mut loose);
                        out.push(' ');
                    }
                    out.push(c);
                }
            }
        }
        loose.extend_from_slice(chunk.invalid());
    }
    flush(&mut out, &mut loose);
    out
}

/// A token's text split before its first character that is not whitespace: `" in"` as `(" ", "in")`.
/// Running text (the arc's writer, loss's heat strip) draws the two apart and tints only the
/// second, so that a line breaks only at a space, never inside a word ("lo|ved", as boxes allowed
/// between any two tokens), and no tint marks a space left hanging at a line's end.
pub fn split_lead(text: &str) -> (&str, &str) {
    text.split_at(text.find(|c: char| !c.is_whitespace()).unwrap_or(text.len()))
}

/// A token in running text: its leading whitespace as plain text, the rest in `.ink`, the part a
/// heat strip tints ([`split_lead`]).
pub fn lead_and_ink(text: &str) -> impl IntoView + use<> {
    let (lead, ink) = split_lead(text);
    let lead = (!lead.is_empty()).then(|| lead.to_string());
    view! { {lead}<span class="ink">{ink.to_string()}</span> }
}

/// A token's bytes in hex, space separated.
pub fn hex_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" ")
}

/// Whether a token holds only part of a UTF-8 character.
pub fn is_partial(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_err()
}

/// A row of token chips inside `data-tokenizer="<encoding>"`, one `data-token-id` per chip in
/// order; when `total` exceeds the chips given, a note says how many more there are.
#[component]
pub fn TokenChips(
    /// The encoding's name, for `data-tokenizer`.
    #[prop(into)]
    encoding: String,
    /// The chips to draw, in order (possibly the first few of many).
    #[prop(into)]
    chips: Signal<Vec<Chip>>,
    /// How many tokens there are in all.
    #[prop(into)]
    total: Signal<usize>,
    /// Show each chip's bytes in hex.
    #[prop(into, default = Signal::from(false))]
    show_bytes: Signal<bool>,
    /// What the chips show, for screen readers.
    #[prop(into)]
    label: String,
) -> impl IntoView {
    view! {
        <div class="token-chips" data-tokenizer=encoding role="list" aria-label=label>
            {move || {
                let hex = show_bytes.get();
                let chip_view = move |(i, chip): (usize, Chip)| {
                    let partial = is_partial(&chip.bytes);
                    let title = format!("id {} · bytes {}", chip.id, hex_bytes(&chip.bytes));
                    view! {
                        <span
                            class=format!("chip chip-c{}", i % 5)
                            class:partial=partial
                            role="listitem"
                            data-token-id=chip.id.to_string()
                            title=title
                        >
                            <span class="chip-text">{chip_label(&chip.bytes)}</span>
                            <span class="chip-id">{chip.id.to_string()}</span>
                            {hex.then(|| view! { <span class="chip-hex">{hex_bytes(&chip.bytes)}</span> })}
                        </span>
                    }
                };
                // The pieces of one character stay on one line (an emoji's "bytes F0 9F" ended
                // one line and its "bytes 8E 89" began the next).
                pieces(&chips.get())
                    .into_iter()
                    .map(|run| {
                        if run.len() == 1 {
                            run.into_iter().map(chip_view).collect_view().into_any()
                        } else {
                            let run = run.into_iter().map(chip_view).collect_view();
                            view! { <span class="chip-run" role="none">{run}</span> }.into_any()
                        }
                    })
                    .collect_view()
            }}
            {move || {
                let more = total.get().saturating_sub(chips.with(Vec::len));
                (more > 0).then(|| view! {
                    <span class="chips-more">{format!("… and {} more tokens (not drawn; counted above)", group(more))}</span>
                })
            }}
        </div>
        {move || {
            chips.with(|c| c.iter().any(|chip| is_partial(&chip.bytes))).then(|| view! {
                <p class="chips-legend small muted">
                    <span class="chip partial" aria-hidden="true"><span class="chip-text">"byte F0"</span></span>
                    <span>"A dashed token holds only part of a character: the character's bytes were split \
                     between tokens, so each piece is written as its bytes in hexadecimal."</span>
                </p>
            })
        }}
    }
}

/// The chips in runs that must not be split across lines, each with its index: consecutive chips
/// that each hold part of a character form one run, every other chip is a run of its own.
fn pieces(chips: &[Chip]) -> Vec<Vec<(usize, Chip)>> {
    let mut out: Vec<Vec<(usize, Chip)>> = Vec::new();
    let mut last_partial = false;
    for (i, chip) in chips.iter().enumerate() {
        let partial = is_partial(&chip.bytes);
        match out.last_mut() {
            Some(run) if partial && last_partial => run.push((i, chip.clone())),
            _ => out.push(vec![(i, chip.clone())]),
        }
        last_partial = partial;
    }
    out
}

/// `1234567` as `1,234,567`: the page's one thousands format ([`group_thousands`]) for counts.
pub fn group(n: usize) -> String {
    crate::calc::expr::group_thousands(n as i128)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_show_whitespace_and_escape_cut_characters() {
        assert_eq!(chip_label(b" hello"), "␣hello");
        assert_eq!(chip_label(b"\n\n\t"), "↵↵→");
        assert_eq!(chip_label(&[0xE2, 0x80]), "bytes E2 80");
        assert_eq!(chip_label("é".as_bytes()), "é");
        assert_eq!(chip_label(&[b'a', 0xF0, 0x9F]), "a bytes F0 9F");
        assert_eq!(chip_label(&[b' ', 0xF0]), "␣ byte F0");
        assert_eq!(chip_label(&[0x8E, b'x']), "byte 8E x");
        assert_eq!(chip_label(b"\x07"), "byte 07");
        assert!(is_partial(&[0xF0, 0x9F]) && !is_partial(b"ok"));
        assert_eq!(hex_bytes(b"Hi"), "48 69");
    }

    #[test]
    fn the_pieces_of_a_character_form_one_run() {
        let chip = |bytes: &[u8]| Chip { id: 0, bytes: bytes.to_vec() };
        // "a", then an emoji split as " \xF0\x9F" + "\x8E\x89", then "b".
        let chips = [chip(b"a"), chip(&[b' ', 0xF0, 0x9F]), chip(&[0x8E, 0x89]), chip(b"b")];
        let runs: Vec<Vec<usize>> =
            pieces(&chips).into_iter().map(|r| r.into_iter().map(|(i, _)| i).collect()).collect();
        assert_eq!(runs, [vec![0], vec![1, 2], vec![3]]);
    }

    #[test]
    fn a_token_splits_at_its_first_character_that_is_not_whitespace() {
        assert_eq!(split_lead(" in"), (" ", "in"));
        assert_eq!(split_lead("ved"), ("", "ved"));
        assert_eq!(split_lead(" \n\t"), (" \n\t", ""));
        assert_eq!(split_lead("\u{a0}é b"), ("\u{a0}", "é b"));
        assert_eq!(split_lead(""), ("", ""));
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(100277), "100,277");
        assert_eq!(group(1234567), "1,234,567");
    }
}
