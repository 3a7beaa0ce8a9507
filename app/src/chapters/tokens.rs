//! What Are Tokens?: the live tokenizer playground and the BPE merge animation.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use tumbler_engine::{BpeMerges, Encoded, TextPiece};
use tumbler_model::tokenizer::{EncodingName, slices};

use crate::tokenizers::merges::{self, Stage};
use crate::tokenizers::{self, Vocab, VocabStatus};
use crate::url_state;
use crate::widgets::Stepper;
use crate::widgets::token_chips::{Chip, TokenChips, chip_label, group};

/// At most this many chips are drawn per encoding; the counts stay exact beyond it.
const MAX_CHIPS: usize = 2000;

const DEFAULT_TEXT: &str = "Tokenization turns text into numbers. Hi! ubiquitous 12345 🎉";

/// The body of the `tokens` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {
        <p>
            "A language model does not read letters. Before anything else happens, text is cut \
             into " <strong>"tokens"</strong> ": chunks of bytes, each with a number, its id. The \
             network only ever sees the list of ids. The pipeline is short: text → UTF-8 bytes → \
             byte-pair merges → token ids."
        </p>
        <Playground/>
        <p>
            "Common English words are usually one token, often with the space in front of them \
             glued on. Rare words, names, numbers and other scripts break into several pieces. \
             GPT-4's vocabulary holds 100,277 ids; GPT-4o's about twice as many, which is why the \
             same text often needs fewer GPT-4o tokens, especially outside English."
        </p>
        <h2>"How the chunks are made: byte-pair encoding"</h2>
        <p>
            "Byte-pair encoding (BPE) starts from the raw UTF-8 bytes of a word. While training the \
             tokenizer, the most frequent adjacent pair in a large corpus is merged into a new \
             token, again and again, and each merge gets a rank. Encoding replays those merges: \
             among the pairs present, the one with the lowest rank is merged first, until no \
             known pair is left. Before that, a regular expression cuts the text into words, \
             numbers, punctuation and whitespace, and merges never cross those cuts."
        </p>
        <MergeAnimation/>
        <div class="callout">
            <strong>"Key insight: "</strong>
            "the same text becomes different ids in different models. An id means nothing outside \
             its vocabulary; what matters is that each model always cuts the same text the same way."
        </div>
        <p class="small">
            "A correction to a common example: \"Hi\" is id 17250 only in GPT-2's vocabulary \
             (r50k_base); GPT-4's cl100k_base gives 13347, and \"Token\" there is 3404. Switch the \
             encoding above to check. Every id on this page is computed in your browser by the \
             real tokenizer, from OpenAI's own vocabulary files."
        </p>
        <p>
            "Compare with OpenAI's " <a href="https://platform.openai.com/tokenizer" rel="noopener">"tokenizer page"</a>
            " or " <a href="https://tiktokenizer.vercel.app" rel="noopener">"Tiktokenizer"</a> "."
        </p>
    }
}

/// Which encodings are shown, from the URL's `enc` list (`cl100k_base,r50k_base`).
fn parse_shown(raw: &str) -> Vec<EncodingName> {
    EncodingName::ALL.into_iter().filter(|e| raw.split(',').any(|s| s == e.as_str())).collect()
}

/// The playground: a text box and one column of chips per chosen encoding.
#[component]
fn Playground() -> impl IntoView {
    let text = url_state::text_param("text", DEFAULT_TEXT);
    let shown = url_state::text_param("enc", "cl100k_base");
    let show_bytes = RwSignal::new(false);
    let toggle = move |name: EncodingName| {
        let mut list = parse_shown(&shown.get_untracked());
        if list.contains(&name) {
            list.retain(|e| *e != name);
        } else {
            list.push(name);
        }
        let list: Vec<EncodingName> =
            EncodingName::ALL.into_iter().filter(|e| list.contains(e)).collect();
        shown.set(list.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(","));
    };
    let long = move || text.with(|t| t.chars().count() > url_state::MAX_TEXT_IN_URL);
    view! {
        <div class="panel tok-playground">
            <h2>"Tokenizer playground"</h2>
            <label class="tok-label" for="tok-text">"Type or paste any text"</label>
            <textarea
                id="tok-text"
                class="tok-input"
                rows="4"
                spellcheck="false"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
            ></textarea>
            <div class="tok-controls">
                <fieldset class="tok-encodings">
                    <legend>"Encodings"</legend>
                    {EncodingName::ALL
                        .into_iter()
                        .map(|name| {
                            view! {
                                <label class="tok-check">
                                    <input
                                        type="checkbox"
                                        data-encoding=name.as_str()
                                        prop:checked=move || parse_shown(&shown.get()).contains(&name)
                                        on:change=move |_| toggle(name)
                                    />
                                    {format!("{} ({})", name.model(), name)}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <fieldset class="tok-encodings">
                    <legend>"Show"</legend>
                    <label class="tok-check">
                        <input type="checkbox" prop:checked=move || show_bytes.get() on:change=move |_| show_bytes.update(|b| *b = !*b)/>
                        "each token's bytes, in hexadecimal"
                    </label>
                </fieldset>
            </div>
            <p class="small" class:hidden=move || !long()>
                "This text is longer than 2,000 characters, so it is not kept in the page's link."
            </p>
            <div class="tok-columns">
                {move || {
                    let list = parse_shown(&shown.get());
                    if list.is_empty() {
                        return view! { <p class="small">"Choose at least one encoding above."</p> }.into_any();
                    }
                    list.into_iter()
                        .map(|name| view! { <EncodingColumn name text=text.into() show_bytes=show_bytes.into()/> })
                        .collect_view()
                        .into_any()
                }}
            </div>
        </div>
    }
}

/// The encoding state of one column.
#[derive(Clone, Default, PartialEq)]
struct Run {
    /// The latest answer (its one piece: the text).
    encoded: Option<Encoded>,
    /// A newer text is being encoded: the column is `aria-busy`.
    pending: bool,
    /// Bytes encoded so far while a long text is in progress.
    progress: Option<usize>,
}

/// One encoding's chips and counts for the playground text.
#[component]
fn EncodingColumn(
    /// The encoding.
    name: EncodingName,
    /// The text to encode.
    text: Signal<String>,
    /// Show each chip's bytes.
    show_bytes: Signal<bool>,
) -> impl IntoView {
    let vocab = tokenizers::vocab(name);
    let run = RwSignal::new(Run::default());
    let encoding = {
        let vocab = vocab.clone();
        Signal::derive(move || match vocab.get() {
            Vocab::Ready(enc) => Some(enc),
            _ => None,
        })
    };
    // Each text is encoded in the text worker, one question at a time per column: while one is
    // out, only the latest text typed meanwhile waits (a 1 MB paste then typing does not queue a
    // full encode per key). The chips of the last answer stay until the next comes.
    let next = Rc::new(RefCell::new(None::<String>));
    let asking = Rc::new(Cell::new(false));
    Effect::new(move |_| {
        if encoding.get().is_none() {
            return;
        }
        *next.borrow_mut() = Some(text.get());
        run.update(|r| r.pending = true);
        if asking.replace(true) {
            return;
        }
        let (next, asking) = (next.clone(), asking.clone());
        leptos::task::spawn_local(async move {
            loop {
                let Some(t) = next.borrow_mut().take() else { break };
                let long = t.len() > slices::SLICE_BYTES;
                run.try_update(|r| r.progress = long.then_some(0));
                let progress = move |done| {
                    run.try_update(|r| r.progress = Some(done));
                };
                let result =
                    tokenizers::encode(name, vec![TextPiece::text(t)], MAX_CHIPS, progress).await;
                if next.borrow().is_some() {
                    continue;
                }
                match result {
                    Ok(encoded) => {
                        run.try_set(Run { encoded: Some(encoded), pending: false, progress: None });
                    }
                    Err(e) => {
                        run.try_set(Run::default());
                        tokenizers::failed(name, e);
                    }
                }
            }
            asking.set(false);
        });
    });
    // Memos, so progress updates during a long encode do not redraw thousands of chips.
    let chips = Memo::new(move |_| {
        run.with(|r| {
            r.encoded.as_ref().map_or_else(Vec::new, |e| Chip::from_tokens(&e.pieces[0].tokens))
        })
    });
    let total =
        Memo::new(move |_| run.with(|r| r.encoded.as_ref().map_or(0, |e| e.pieces[0].count)));
    let busy = move || run.with(|r| r.pending).then_some("true");
    let stats = move || {
        let enc = encoding.get()?;
        let e = run.with(|r| r.encoded.clone())?;
        let count = e.pieces[0].count;
        let (chars, bytes) = text.with(|t| (t.chars().count(), t.len()));
        let per = if count > 0 { chars as f64 / count as f64 } else { 0.0 };
        Some(view! {
            <dl class="tok-stats">
                <div><dt>"Tokens"</dt><dd data-stat="tokens">{group(count)}</dd></div>
                <div><dt>"Characters"</dt><dd data-stat="chars">{group(chars)}</dd></div>
                <div><dt>"Bytes"</dt><dd data-stat="bytes">{group(bytes)}</dd></div>
                <div><dt>"Chars/token"</dt><dd>{format!("{per:.2}")}</dd></div>
                <div><dt>"Vocabulary"</dt><dd data-stat="vocab">{group(enc.vocab_size())}</dd></div>
            </dl>
            {(e.slices > 1).then(|| view! {
                <p class="small">{format!(
                    "Long text: encoded in {} slices cut only where the ids cannot change, in a worker \
                     beside the page, which stays free to respond; the first {} tokens are drawn.",
                    group(e.slices), group(MAX_CHIPS))}</p>
            })}
        })
    };
    let progress = move || {
        let done = run.with(|r| r.progress)?;
        let all = text.with(String::len).max(1);
        Some(view! {
            <p class="small" role="status" data-encoding-progress="">
                {format!("Encoding… {}%", done * 100 / all)}
            </p>
        })
    };
    view! {
        <section class="tok-column" aria-label=format!("{} tokens", name.model()) aria-busy=busy>
            <h3>{name.model()} " " <span class="mono small">{name.as_str()}</span></h3>
            <VocabStatus name vocab=vocab.clone()/>
            {progress}
            {stats}
            <Show when=move || encoding.with(Option::is_some)>
                <TokenChips
                    encoding=name.as_str()
                    chips
                    total
                    show_bytes
                    label=format!("{} tokens of the text", name.model())
                />
            </Show>
        </section>
    }
}

/// The BPE animation: a word's bytes merged step by step into the encoder's ids.
#[component]
fn MergeAnimation() -> impl IntoView {
    let word = url_state::text_param("word", "Hi");
    let enc_name = url_state::text_param("bpe", "r50k_base");
    let name = Signal::derive(move || {
        enc_name.get().parse::<EncodingName>().unwrap_or(EncodingName::R50kBase)
    });
    let vocab = Signal::derive(move || tokenizers::vocab(name.get()));
    // The latest word's merges, from the text worker, with the encoding they are in.
    let traced = RwSignal::new(None::<(EncodingName, BpeMerges)>);
    let latest = Rc::new(Cell::new(0u64));
    Effect::new(move |_| {
        let name = name.get();
        if !matches!(vocab.get().get(), Vocab::Ready(_)) {
            return;
        }
        // The animation is for a word or two; a long text would be hundreds of frames.
        let w: String = word.with(|w| w.chars().take(48).collect());
        latest.set(latest.get() + 1);
        let mine = latest.get();
        let latest = latest.clone();
        leptos::task::spawn_local(async move {
            let result = tokenizers::bpe_merges(name, w).await;
            if latest.get() != mine {
                return;
            }
            match result {
                Ok(m) => {
                    traced.try_set(Some((name, m)));
                }
                Err(e) => tokenizers::failed(name, e),
            }
        });
    });
    let view_frames = move || {
        let (enc, m) = traced.get()?;
        if enc != name.get() || !matches!(vocab.get().get(), Vocab::Ready(_)) {
            return None;
        }
        Some((enc, merges::frames(&m.traces), m.ids))
    };
    view! {
        <div class="panel tok-bpe">
            <h2>"Watch the merges"</h2>
            <div class="tok-bpe-inputs">
                <label>
                    "Word "
                    <input
                        type="text"
                        class="tok-word"
                        maxlength="48"
                        spellcheck="false"
                        prop:value=move || word.get()
                        on:input=move |ev| word.set(event_target_value(&ev))
                    />
                </label>
                <label>
                    "Encoding "
                    <select class="tok-bpe-enc" on:change=move |ev| enc_name.set(event_target_value(&ev))>
                        {[EncodingName::R50kBase, EncodingName::Cl100kBase, EncodingName::O200kBase]
                            .into_iter()
                            .map(|e| view! {
                                <option value=e.as_str() selected=move || name.get() == e>
                                    {format!("{} ({})", e.model(), e)}
                                </option>
                            })
                            .collect_view()}
                    </select>
                </label>
            </div>
            {move || view! { <VocabStatus name=name.get() vocab=vocab.get()/> }}
            {move || view_frames().map(|(enc, frames, expected)| {
                let current = RwSignal::new(0usize);
                let count = frames.len();
                let frames = StoredValue::new(frames);
                let enc_label = enc.as_str();
                let ids = StoredValue::new(frames.with_value(|f| merges::merged_ids(f)));
                view! {
                    <div class="bpe-stage" aria-live="polite">
                        {move || frames.with_value(|f| ids.with_value(|ids| frame_view(&f[current.get().min(f.len() - 1)], ids, current.get(), f.len(), &expected, enc_label)))}
                    </div>
                    <Stepper count current label="BPE merge steps" interval_ms=900/>
                }
            })}
        </div>
    }
}

fn frame_view(
    frame: &merges::Frame,
    merged: &std::collections::HashMap<Vec<u8>, u32>,
    index: usize,
    count: usize,
    expected: &[u32],
    encoding: &'static str,
) -> AnyView {
    let caption = match &frame.stage {
        Stage::Bytes => {
            "Step 1: the text as UTF-8 bytes, one part per byte (its value below).".to_string()
        }
        Stage::Merge { left, right, rank, .. } => format!(
            "Step {} of {count}: merge “{}” + “{}” → “{}” (rank {}).",
            index + 1,
            chip_label(left),
            chip_label(right),
            chip_label(&[left.as_slice(), right.as_slice()].concat()),
            group(*rank as usize)
        ),
        Stage::Ids(_) => {
            format!("Step {count} of {count}: no known pair is left; these are the ids.")
        }
    };
    let highlight = match &frame.stage {
        Stage::Merge { piece, position, .. } => Some((*piece, *position)),
        _ => None,
    };
    let part_ids = frame.part_ids(merged);
    let parts = frame
        .pieces
        .iter()
        .zip(part_ids)
        .enumerate()
        .map(|(p, (parts, ids))| {
            let cells = parts
                .iter()
                .zip(ids)
                .enumerate()
                .map(|(i, (part, id))| {
                    let hot = highlight == Some((p, i));
                    // A byte shows its value (72 for "H"); a merged token its id.
                    let sub = match id {
                        Some(id) if part.len() > 1 => format!("id {id}"),
                        _ => part.iter().map(u8::to_string).collect::<Vec<_>>().join(" "),
                    };
                    view! {
                        <span class="bpe-part" class:hot=hot>
                            <span class="chip-text">{chip_label(part)}</span>
                            <span class="chip-id">{sub}</span>
                        </span>
                    }
                })
                .collect_view();
            view! { <span class="bpe-piece">{cells}</span> }
        })
        .collect_view();
    let ids = match &frame.stage {
        Stage::Ids(ids) => {
            let same = ids.as_slice() == expected;
            Some(view! {
                <div class="bpe-ids">
                    <span class="token-chips" data-tokenizer=encoding data-bpe-final="">
                        {ids.iter().enumerate().map(|(i, id)| view! {
                            <span class=format!("chip chip-c{}", i % 5) data-token-id=id.to_string()>
                                <span class="chip-id">{id.to_string()}</span>
                            </span>
                        }).collect_view()}
                    </span>
                    <span class="small" data-bpe-matches=same.to_string()>
                        {if same { "✓ the same ids the encoder gives for the whole word" } else { "✗ differs from the encoder" }}
                    </span>
                </div>
            })
        }
        _ => None,
    };
    view! {
        <p class="bpe-caption">{caption}</p>
        <div class="bpe-parts">{parts}</div>
        {ids}
    }
    .into_any()
}
