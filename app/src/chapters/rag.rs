//! Retrieval-Augmented Generation.

use leptos::prelude::*;

use std::sync::Arc;

use serde::Deserialize;

use tumbler_engine::{ChatMessage, FittedPrompt, GenerateOptions, Model, Query, Role, fetch};
use tumbler_model::generate::chat_prompt_budget;
use tumbler_model::tokenizer::EncodingName;
use tumbler_model::vectors::{WordVectors, cosine};

use crate::calc::bm25::{Index, Ranking, top_k};
use crate::calc::chunk::{chunks, word_count};
use crate::calc::expr::group_thousands;
use crate::chapters::embeddings::arithmetic::load_glove;
use crate::engine::chat::{ChatReply, ask};
use crate::engine::{self, EngineReady, Shown};
use crate::tokenizers::{self, Vocab};
use crate::url_state::{number_param, text_param};
use crate::widgets::walkthrough::Walkthrough;
use crate::widgets::{FlowStep, Slider};

const FLOW: &[FlowStep] = &[
    FlowStep { title: "Question", detail: "from the user" },
    FlowStep { title: "Embed", detail: "question → vector" },
    FlowStep { title: "Search", detail: "top‑k nearest chunks" },
    FlowStep { title: "Stuff the prompt", detail: "chunks + question" },
    FlowStep { title: "Answer", detail: "from the given text" },
];

const EXPLAIN: &[&str] = &[
    "The user asks something the model may not know, or know only vaguely.",
    "An embedding model turns the question into a vector. (In the demo below: a rarity-weighted \
     mean of GloVe word vectors, beside BM25 keyword and TF-IDF scores.)",
    "The documents were split into chunks (a few hundred tokens each is common; the demo lets \
     you choose) and embedded in advance. The chunks whose vectors are closest to the \
     question's, by cosine similarity, are fetched.",
    "The chunks are pasted into the prompt with an instruction to answer from them.",
    "The model answers with the sources in its working memory, and can cite them.",
];

/// The guide's own text, read from its built pages (`tests/e2e/guide-text.mjs` writes it).
const GUIDE_URL: &str = "public/guide/text.json";
/// The chat model's reply length.
const REPLY_TOKENS: usize = 48;

/// One chapter of the guide as text.
#[derive(Clone, Debug, Deserialize)]
struct GuideChapter {
    slug: String,
    title: String,
    idea: String,
    paragraphs: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
struct Guide {
    chapters: Vec<GuideChapter>,
}

/// One retrievable chunk.
struct Doc {
    slug: String,
    title: String,
    text: String,
}

/// The guide cut into chunks of at most `words` words, chapter by chapter: each chapter's key
/// idea leads its first chunk.
fn corpus(guide: &Guide, words: usize) -> Vec<Doc> {
    guide
        .chapters
        .iter()
        .flat_map(|c| {
            let paragraphs: Vec<&str> = std::iter::once(c.idea.as_str())
                .chain(c.paragraphs.iter().map(String::as_str))
                .collect();
            chunks(&paragraphs, words).into_iter().map(|text| Doc {
                slug: c.slug.clone(),
                title: c.title.clone(),
                text,
            })
        })
        .collect()
}

/// The library the panel retrieves from: the chunks, their keyword index, and their embeddings
/// once the word vectors are in.
struct Library {
    docs: Vec<Doc>,
    index: Index,
    words: usize,
}

fn k_fmt(v: f64) -> String {
    format!("{v:.0}")
}

/// The body of the `rag` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let query = text_param("q", "Why does a model invent facts about people it does not know?");
    let k = number_param("k", 3.0, 1.0, 8.0);
    let chunk_words = number_param("w", 80.0, 20.0, 200.0);
    let ranking = RwSignal::new(Ranking::Bm25);
    let guide = RwSignal::new(None::<Result<Arc<Guide>, String>>);
    leptos::task::spawn_local(async move {
        let loaded = fetch::json::<Guide>(GUIDE_URL)
            .await
            .map(Arc::new)
            .map_err(|e| format!("{GUIDE_URL}: {e}"));
        guide.try_set(Some(loaded));
    });
    // Each a new value whenever it is recomputed (the chunks and their vectors are not compared).
    let library = Memo::new_with_compare(
        move |_| {
            let words = chunk_words.get() as usize;
            let guide = guide.get()?.ok()?;
            let docs = corpus(&guide, words);
            let index = Index::new(docs.iter().map(|d| d.text.as_str()));
            Some(Arc::new(Library { docs, index, words }))
        },
        |_, _| true,
    );
    // The word vectors, once downloaded, and each chunk's embedding.
    let vectors = RwSignal::new_local(None::<Result<std::rc::Rc<WordVectors>, String>>);
    leptos::task::spawn_local(async move {
        let loaded = load_glove().await.map(|(v, _, _)| v);
        vectors.try_set(Some(loaded));
    });
    let embedded = Memo::new_with_compare(
        move |_| {
            let lib = library.get()?;
            let v = vectors.get()?.ok()?;
            Some(Arc::new(lib.docs.iter().map(|d| v.embed_text(&d.text)).collect::<Vec<_>>()))
        },
        |_, _| true,
    );
    let hits = Memo::new(move |_| {
        let query = query.get();
        let by = ranking.get();
        let lib = library.get()?;
        let scores: Option<Vec<Option<f64>>> = (|| {
            let v = vectors.get()?.ok()?;
            let q = v.embed_text(&query)?;
            let embedded = embedded.get()?;
            Some(embedded.iter().map(|d| d.as_ref().map(|d| f64::from(cosine(&q, d)))).collect())
        })();
        Some(top_k(&lib.index, &query, k.get() as usize, by, scores.as_deref()))
    });
    // The retrieved chunks, best first, as (title, text).
    let sources = move || -> Vec<(String, String)> {
        let (Some(lib), Some(hs)) = (library.get(), hits.get()) else { return Vec::new() };
        hs.iter().map(|h| (lib.docs[h.doc].title.clone(), lib.docs[h.doc].text.clone())).collect()
    };
    // The Tumbler's tokenizer, to fit the prompt into the chat model's window.
    let vocab = tokenizers::vocab(EncodingName::Tumbler);
    let state = engine::state();
    // Fitted in the text worker, which holds the tokenizer.
    let answer = tokenizers::live(
        EncodingName::Tumbler,
        move |_| {
            let context = state.with(|s| s.config().map(|c| c.context_length))?;
            Some(Query::FitPrompt {
                sources: sources(),
                question: query.get(),
                budget: chat_prompt_budget(context, REPLY_TOKENS),
            })
        },
        |_, question: Query| {
            let budget = match &question {
                Query::FitPrompt { budget, .. } => *budget,
                _ => 0,
            };
            async move {
                engine::ask_with_steps::<FittedPrompt>(question, |_| {})
                    .await
                    .map(|f| (f.fitted, f.tokens, budget, f.fits))
            }
        },
    );
    let fitted =
        Memo::new(move |_| answer.get().filter(|_| matches!(vocab.get(), Vocab::Ready(_))));
    let reply = RwSignal::new(ChatReply::default());
    // The prompt the chat model was sent, as its test reads it.
    let sent = RwSignal::new(String::new());
    let asking = StoredValue::new(None::<crate::engine::Stream>);
    let full_prompt = move || {
        let chunks = sources()
            .iter()
            .enumerate()
            .map(|(i, (title, text))| format!("[{}] ({title}) {text}", i + 1))
            .collect::<Vec<_>>()
            .join("\n");
        let chunks = if chunks.is_empty() { "(none found)".to_owned() } else { chunks };
        format!(
            "Answer the question using only the sources below. Cite them as [1], [2] …\n\
             If they do not contain the answer, say so.\n\nSources:\n{chunks}\n\nQuestion: {}",
            query.get().trim()
        )
    };
    let send = move |_| {
        let Some((f, _, _, true)) = fitted.get_untracked() else { return };
        sent.set(f.prompt.clone());
        let messages = vec![ChatMessage { role: Role::User, text: f.prompt }];
        let options = GenerateOptions {
            max_tokens: REPLY_TOKENS,
            temperature: 0.0,
            seed: 0,
            top_k: None,
            top_p: 1.0,
        };
        asking.set_value(Some(ask(Model::Chat, messages, options, reply)));
    };
    let about = move || {
        let g = guide.get().and_then(Result::ok);
        let lib = library.get();
        match (g, lib) {
            (Some(g), Some(lib)) => {
                let words: usize = g
                    .chapters
                    .iter()
                    .map(|c| c.paragraphs.iter().map(|p| word_count(p)).sum::<usize>())
                    .sum();
                format!(
                    "The library here is this guide itself: the text of all {} chapters, {} \
                     words, cut into {} chunks of at most {} words (a chunk never spans two \
                     chapters). ",
                    g.chapters.len(),
                    group_thousands(words as i128),
                    lib.docs.len(),
                    lib.words
                )
            }
            _ => "The library here is this guide itself: the text of every chapter, cut into \
                  chunks. "
                .to_owned(),
        }
    };
    view! {
        <p>
            "Instead of asking the model what it remembers, fetch the relevant documents first "
            "and put them in the prompt. The model then answers from its exact working memory "
            "rather than its blurry parameters, and makes fewer things up (Lewis et\u{a0}al. found its "
            "answers more specific and more factual). This is the "
            "operator's first rule, “feed it, don't quiz it”, built into the system."
        </p>
        <Walkthrough steps=FLOW explain=EXPLAIN label="The RAG pipeline"/>
        <h2>"Retrieval over this guide"</h2>
        <p>
            {about}
            "Ask a question; each chunk is scored by "
            <strong>"BM25"</strong>" (keyword matching that rewards rare words and discounts long "
            "chunks), by "<strong>"cosine similarity"</strong>" between TF-IDF vectors. A "
            "production system would use a neural embedding model for the second; word vectors "
            "keep this one exact and explainable. Move the chunk size and watch the ranking change: "
            "small chunks are precise but lose context, large ones dilute the match."
        </p>
        <div class="panel rag-demo">
            <label for="rag-q">"Question"</label>
            <input id="rag-q" class="rag-input" type="text"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))/>
            <div class="rag-controls">
                <Slider label="top‑k" value=k min=1.0 max=8.0 step=1.0 format=k_fmt/>
                <Slider label="chunk size (words)" value=chunk_words min=20.0 max=200.0 step=10.0 format=k_fmt/>
                <fieldset class="rag-ranking" data-ranking=move || format!("{:?}", ranking.get())>
                    <legend>"Rank by"</legend>
                    {[(Ranking::Bm25, "BM25 (keywords)"), (Ranking::Cosine, "TF-IDF cosine"), (Ranking::Embedding, "word-vector embedding")]
                        .into_iter()
                        .map(|(r, label)| view! {
                            <label>
                                <input type="radio" name="rag-ranking" prop:checked=move || ranking.get() == r
                                    disabled=move || r == Ranking::Embedding && !matches!(vectors.with(|v| v.as_ref().map(Result::is_ok)), Some(true))
                                    on:change=move |_| ranking.set(r)/>
                                " " {label}
                            </label>
                        })
                        .collect_view()}
                </fieldset>
            </div>
            {move || match guide.get() {
                None => Some(view! { <p class="small" role="status">"Loading the guide's text…"</p> }.into_any()),
                Some(Err(e)) => Some(view! { <p class="error" role="alert">{format!("The guide's text could not be read, so there is nothing to retrieve: {e}")}</p> }.into_any()),
                Some(Ok(_)) => None,
            }}
            <table class="rag-hits rag-results" data-chunks=move || library.get().map(|l| l.docs.len())>
                <thead><tr><th scope="col">"#"</th><th scope="col">"chunk"</th><th scope="col" class="num">"BM25"</th><th scope="col" class="num">"cosine"</th><th scope="col" class="num">"embedding"</th></tr></thead>
                <tbody>
                    {move || {
                        let (Some(lib), Some(hs)) = (library.get(), hits.get()) else {
                            return ().into_any();
                        };
                        if hs.is_empty() {
                            return view! { <tr><td colspan="5">"No chunk shares a word with the question."</td></tr> }.into_any();
                        }
                        hs.iter().enumerate().map(|(i, h)| {
                            let doc = &lib.docs[h.doc];
                            view! {
                                <tr data-rag-slug=doc.slug.clone() data-embedding=h.embedding.map(|e| e.to_string())>
                                    <td>{i + 1}</td>
                                    <td><a href=format!("#/{}", doc.slug)>{doc.title.clone()}</a><br/><small class="rag-chunk">{doc.text.clone()}</small></td>
                                    <td class="num">{format!("{:.3}", h.bm25)}</td>
                                    <td class="num">{format!("{:.3}", h.cosine)}</td>
                                    <td class="num">{h.embedding.map_or_else(|| "–".to_owned(), |e| format!("{e:.3}"))}</td>
                                </tr>
                            }
                        }).collect_view().into_any()
                    }}
                </tbody>
            </table>
            {move || match vectors.get() {
                None => Some(view! { <p class="small" role="status">"Loading 20,000 GloVe word vectors (2.2\u{a0}MB) for the embedding ranking…"</p> }.into_any()),
                Some(Err(e)) => Some(view! { <p class="error" role="alert">{format!("Word vectors not loaded, so no embedding ranking: {e}")}</p> }.into_any()),
                Some(Ok(_)) => None,
            }}
            <p class="small">
                "The embedding of a text here is the mean of its words' GloVe vectors, each weighted \
                 by how rare the word is (Arora et\u{a0}al., 2017), computed in the page: a chunk that \
                 shares no word with the question can still rank high. Production systems use a \
                 neural text-embedding model instead."
            </p>
            <h3>"The prompt that would be sent"</h3>
            // Focusable, so that a keyboard can scroll a long prompt.
            <pre class="rag-prompt" tabindex="0" role="region" aria-label="The prompt that would be sent">{full_prompt}</pre>
            <h3>"Send it to the Tumbler's chat model"</h3>
            <p class="small">
                {move || format!(
                    "The Tumbler's chat model has a window of {} tokens, and {REPLY_TOKENS} of them \
                     are kept for its reply. So it gets the sources and the question without the \
                     instructions, as many sources as fit, best first, the last one cut short if \
                     need be, counted with its own tokenizer. It is a model of {} parameters \
                     fine-tuned on short conversations: expect it to echo or ramble, not to cite.",
                    state.with(|s| s.config().map(|c| c.context_length.to_string())).unwrap_or_else(|| "a few hundred".into()),
                    crate::engine::loaded_params().unwrap_or_else(|| "a million or so".into())
                )}
            </p>
            {move || match fitted.get() {
                Some((f, tokens, budget, ok)) => view! {
                    <p class="small rag-fit" data-sources-sent=f.sources data-prompt-tokens=tokens data-budget=budget>
                        {if ok {
                            format!(
                                "What it gets: {} of the {} retrieved chunks{}, {tokens} tokens of its {budget}\u{2011}token prompt budget.",
                                f.sources,
                                hits.with(|h| h.as_ref().map_or(0, Vec::len)),
                                if f.cut { " (the last one cut short)" } else { "" },
                            )
                        } else {
                            format!("The question alone is {tokens} tokens, more than the {budget} the chat model's window leaves for a prompt: shorten it.")
                        }}
                    </p>
                    <pre class="rag-sent">{f.prompt}</pre>
                }.into_any(),
                None => view! { <p class="small" role="status">"Loading the Tumbler's tokenizer to fit the prompt…"</p> }.into_any(),
            }}
            <EngineReady
                loading="The Tumbler is loading; the chat model loads with the first question."
                shown=move || if fitted.with(Option::is_some) { Shown::Result } else { Shown::Working }
            >
                <button type="button" class="generate" on:click=send
                    prop:disabled=move || !matches!(fitted.get(), Some((_, _, _, true)))>"Ask the chat model"</button>
            </EngineReady>
            <div class="rag-reply" data-live="rag" data-reply=move || reply.with(|r| r.text.clone())
                data-prompt=move || sent.get()
                data-done=move || reply.with(|r| r.done.map(|d| format!("{d:?}")))>
                {move || reply.with(|r| r.error.clone()).map(|e| view! { <p class="error" role="alert">{e}</p> })}
                <pre class="rag-answer">{move || reply.with(|r| r.text.clone())}</pre>
            </div>
        </div>
        <div class="rl-compare">
            <section class="panel">
                <h3>"What you need"</h3>
                <ul>
                    <li>"An embedding model (text\u{a0}→ vector)"</li>
                    <li>"A vector index (pgvector, Weaviate, Pinecone\u{a0}…)"</li>
                    <li>"A chunking strategy"</li>
                    <li>"A retriever (cosine similarity\u{a0}→ top‑k)"</li>
                    <li>"A generator model"</li>
                </ul>
            </section>
            <section class="panel">
                <h3>"How it fails"</h3>
                <ul>
                    <li>"Bad chunks: the retrieved text lacks the answer"</li>
                    <li>"Lost in the middle: the answer is in chunk 7 of 10 and gets missed"</li>
                    <li>"Stale index: documents changed, embeddings did not"</li>
                    <li>"Conflicting sources: the model picks the wrong one"</li>
                </ul>
            </section>
        </div>
        <h2>"Variations"</h2>
        <ul>
            <li><strong>"Hybrid search"</strong>": combine vector similarity with BM25, as the demo shows side by side."</li>
            <li><strong>"Re-ranking"</strong>": retrieve many, let a second, more careful model re-order them, keep the best few."</li>
            <li><strong>"HyDE"</strong>": have the model write a hypothetical answer and search with that."</li>
            <li><strong>"GraphRAG"</strong>": index relations between entities, not just chunks."</li>
            <li><strong>"Agentic RAG"</strong>": the model decides what to search for, and when, in a loop."</li>
        </ul>
        <div class="callout">
            <strong>"Bottom line. "</strong>
            "Most “AI apps” for documents, support and search are RAG: a system technique around "
            "a model, not a change to the model."
        </div>
    }
}
