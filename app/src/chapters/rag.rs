//! Retrieval-Augmented Generation.

use leptos::prelude::*;

use std::rc::Rc;

use tumbler_engine::{ChatMessage, GenerateOptions, Model, Role};
use tumbler_model::vectors::{WordVectors, cosine};

use crate::calc::bm25::{Index, Ranking, top_k};
use crate::chapters::CHAPTERS;
use crate::chapters::embeddings::arithmetic::load_glove;
use crate::engine::EngineReady;
use crate::engine::chat::{ChatReply, ask};
use crate::url_state::{number_param, text_param};
use crate::widgets::walkthrough::Walkthrough;
use crate::widgets::{FlowStep, Slider};

const FLOW: &[FlowStep] = &[
    FlowStep { title: "Question", detail: "from the user" },
    FlowStep { title: "Embed", detail: "question → vector" },
    FlowStep { title: "Search", detail: "top-k nearest chunks" },
    FlowStep { title: "Stuff the prompt", detail: "chunks + question" },
    FlowStep { title: "Answer", detail: "from the given text" },
];

const EXPLAIN: &[&str] = &[
    "The user asks something the model may not know, or know only vaguely.",
    "An embedding model turns the question into a vector. (In the demo below: a TF-IDF vector \
     of its words, plus BM25 keyword scores.)",
    "The documents were split into chunks (often around 500 tokens) and embedded in advance. The \
     chunks whose vectors are closest to the question's, by cosine similarity, are fetched.",
    "The chunks are pasted into the prompt with an instruction to answer from them.",
    "The model answers with the sources in its working memory, and can cite them.",
];

/// Extra passages, beyond each chapter's key idea, so that retrieval has more than one line per
/// topic to choose from. Each is a sentence from this guide's chapters.
static PASSAGES: &[(&str, &str)] = &[
    (
        "hallucination",
        "Asked about an unknown name, a model imitates the confident tone of its training answers and invents a plausible biography; labs add training examples where the assistant says it does not know.",
    ),
    (
        "memory",
        "The parameters are a lossy compression of the training text, while the context window is read directly at every step; paste the source instead of asking the model to recall it.",
    ),
    (
        "tools",
        "A language model has no calculator inside it; for exact arithmetic it writes code, a real interpreter runs it, and the result is injected back into the conversation.",
    ),
    (
        "function-calling",
        "A function call is JSON the model writes; the application parses it, checks it against the declared schema, runs the function and returns the result.",
    ),
    (
        "agents",
        "If each step of an agent succeeds 95% of the time, ten steps all succeed about 60% of the time and a hundred steps only about 0.6%.",
    ),
    (
        "security",
        "System prompt, user text and tool output reach the model as one sequence of tokens, so instructions hidden in a web page or email can be obeyed: prompt injection.",
    ),
    (
        "dpo",
        "Direct preference optimization trains on chosen and rejected answers with a single loss, without a reward model or an RL loop.",
    ),
    (
        "scaling-laws",
        "Chinchilla found compute-optimal training uses about 20 tokens per parameter, so a 70 billion parameter model wants about 1.4 trillion tokens.",
    ),
    (
        "cost",
        "Training takes about six floating-point operations per parameter per token; GPU count, throughput, utilisation and hourly price turn that into days and dollars.",
    ),
    (
        "chain-of-thought",
        "Every written reasoning step is another forward pass; a chain of thought gives the model more compute but no calculator, so a slipped step can still give a wrong product.",
    ),
    (
        "rl",
        "In reinforcement learning a model samples many attempts, a checker such as unit tests grades them, and passing attempts are made more likely.",
    ),
    (
        "distillation",
        "A small student learns from the full probability distribution of a large teacher, softened by a temperature, which carries more information than the single chosen answer.",
    ),
    (
        "in-context",
        "Few-shot prompting shows a few input-output examples in the prompt; large models continue the pattern with no change to their weights.",
    ),
];

struct Doc {
    slug: &'static str,
    title: &'static str,
    text: String,
}

fn title_of(slug: &'static str) -> &'static str {
    CHAPTERS.iter().find(|c| c.slug == slug).map(|c| c.title).unwrap_or(slug)
}

fn corpus() -> Vec<Doc> {
    CHAPTERS
        .iter()
        .map(|c| Doc { slug: c.slug, title: c.title, text: format!("{}. {}", c.title, c.idea) })
        .chain(PASSAGES.iter().map(|&(slug, text)| Doc {
            slug,
            title: title_of(slug),
            text: text.to_owned(),
        }))
        .collect()
}

fn k_fmt(v: f64) -> String {
    format!("{v:.0}")
}

/// The body of the `rag` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let docs = StoredValue::new(corpus());
    let index =
        StoredValue::new(docs.with_value(|d| Index::new(d.iter().map(|d| d.text.as_str()))));
    let query = text_param("q", "Why does a model invent facts about people it does not know?");
    let k = number_param("k", 3.0, 1.0, 8.0);
    let ranking = RwSignal::new(Ranking::Bm25);
    // The word vectors and each passage's embedding, once downloaded.
    let vectors =
        RwSignal::new_local(None::<Result<(Rc<WordVectors>, Rc<Vec<Option<Vec<f32>>>>), String>>);
    leptos::task::spawn_local(async move {
        let loaded = load_glove().await;
        // The reader may have left the chapter while the vectors downloaded: then `docs` is gone.
        let Some(loaded) = docs.try_with_value(|d| {
            loaded.map(|(v, _, _)| {
                let embedded = d.iter().map(|d| v.embed_text(&d.text)).collect();
                (v, Rc::new(embedded))
            })
        }) else {
            return;
        };
        vectors.try_set(Some(loaded));
    });
    let hits = Memo::new(move |_| {
        let query = query.get();
        let by = ranking.get();
        let scores: Option<Vec<Option<f64>>> = vectors.with(|v| {
            let (v, embedded) = v.as_ref()?.as_ref().ok()?;
            let q = v.embed_text(&query)?;
            Some(embedded.iter().map(|d| d.as_ref().map(|d| f64::from(cosine(&q, d)))).collect())
        });
        index.with_value(|ix| top_k(ix, &query, k.get() as usize, by, scores.as_deref()))
    });
    let reply = RwSignal::new(ChatReply::default());
    // The prompt the chat model was sent, as its test reads it.
    let sent = RwSignal::new(String::new());
    let asking = StoredValue::new(None::<crate::engine::Stream>);
    let prompt = move |short: bool| {
        let chunks = docs.with_value(|d| {
            hits.get()
                .iter()
                .enumerate()
                .map(|(i, h)| format!("[{}] ({}) {}", i + 1, d[h.doc].title, d[h.doc].text))
                .collect::<Vec<_>>()
                .join("\n")
        });
        let chunks = if chunks.is_empty() { "(none found)".to_owned() } else { chunks };
        let question = query.get();
        if short {
            // The chat model's window is 256 tokens: sources and question, no instructions.
            return format!("{chunks}\n\n{}", question.trim());
        }
        format!(
            "Answer the question using only the sources below. Cite them as [1], [2] …\n\
             If they do not contain the answer, say so.\n\nSources:\n{chunks}\n\nQuestion: {}",
            question.trim()
        )
    };
    let send = move |_| {
        let text = prompt(true);
        sent.set(text.clone());
        let messages = vec![ChatMessage { role: Role::User, text }];
        let options =
            GenerateOptions { max_tokens: 48, temperature: 0.0, seed: 0, top_k: None, top_p: 1.0 };
        asking.set_value(Some(ask(Model::Chat, messages, options, reply)));
    };
    let total = docs.with_value(Vec::len);
    view! {
        <p>
            "Instead of asking the model what it remembers, fetch the relevant documents first "
            "and put them in the prompt. The model then answers from its exact working memory "
            "rather than its blurry parameters, and hallucinations drop sharply. This is the "
            "operator's first rule, “feed it, don't quiz it”, built into the system."
        </p>
        <Walkthrough steps=FLOW explain=EXPLAIN label="The RAG pipeline"/>
        <h2>"Retrieval over this guide"</h2>
        <p>
            {format!("The library here is this guide itself: {total} passages, the key idea of all \
             45 chapters plus a sentence from several. Ask a question; each passage is scored by ")}
            <strong>"BM25"</strong>" (keyword matching that rewards rare words and discounts long "
            "passages) and by "<strong>"cosine similarity"</strong>" between TF-IDF vectors. A "
            "production system would use a neural embedding model for the second; word vectors "
            "keep this one exact and explainable."
        </p>
        <div class="panel rag-demo">
            <label for="rag-q">"Question"</label>
            <input id="rag-q" class="rag-input" type="text"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))/>
            <div class="rag-controls">
                <Slider label="top-k" value=k min=1.0 max=8.0 step=1.0 format=k_fmt/>
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
            <table class="rag-hits">
                <thead><tr><th scope="col">"#"</th><th scope="col">"passage"</th><th scope="col">"BM25"</th><th scope="col">"cosine"</th><th scope="col">"embedding"</th></tr></thead>
                <tbody>
                    {move || {
                        let hs = hits.get();
                        if hs.is_empty() {
                            return view! { <tr><td colspan="5">"No passage shares a word with the question."</td></tr> }.into_any();
                        }
                        docs.with_value(|d| hs.iter().enumerate().map(|(i, h)| {
                            let doc = &d[h.doc];
                            view! {
                                <tr data-rag-slug=doc.slug data-embedding=h.embedding.map(|e| e.to_string())>
                                    <td>{i + 1}</td>
                                    <td><a href=format!("#/{}", doc.slug)>{doc.title}</a><br/><small>{doc.text.clone()}</small></td>
                                    <td class="num">{format!("{:.3}", h.bm25)}</td>
                                    <td class="num">{format!("{:.3}", h.cosine)}</td>
                                    <td class="num">{h.embedding.map_or_else(|| "–".to_owned(), |e| format!("{e:.3}"))}</td>
                                </tr>
                            }
                        }).collect_view()).into_any()
                    }}
                </tbody>
            </table>
            {move || match vectors.get() {
                None => Some(view! { <p class="small" role="status">"Loading 20,000 GloVe word vectors (2.2 MB) for the embedding ranking…"</p> }.into_any()),
                Some(Err(e)) => Some(view! { <p class="error" role="alert">{format!("Word vectors not loaded, so no embedding ranking: {e}")}</p> }.into_any()),
                Some(Ok(_)) => None,
            }}
            <p class="small">
                "The embedding of a text here is the mean of its words' GloVe vectors, each weighted \
                 by how rare the word is (Arora et al., 2017), computed in the page: a passage that \
                 shares no word with the question can still rank high. Production systems use a \
                 neural text-embedding model instead."
            </p>
            <h3>"The prompt that would be sent"</h3>
            <pre class="rag-prompt">{move || prompt(false)}</pre>
            <h3>"Send it to the Tumbler's chat model"</h3>
            <p class="small">
                {move || format!(
                    "Its window is 256 tokens, so it gets the sources and the question without \
                     the instructions. It is a model of {} parameters fine-tuned on short \
                     conversations: expect it to echo or ramble, not to cite.",
                    crate::engine::loaded_params().unwrap_or_else(|| "a million or so".into())
                )}
            </p>
            <EngineReady loading="The Tumbler is loading; the chat model loads with the first question.">
                <button type="button" class="generate" on:click=send>"Ask the chat model"</button>
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
                    <li>"An embedding model (text → vector)"</li>
                    <li>"A vector index (pgvector, Weaviate, Pinecone …)"</li>
                    <li>"A chunking strategy"</li>
                    <li>"A retriever (cosine similarity → top-k)"</li>
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
            <li><strong>"Re-ranking"</strong>": retrieve 100, let a smaller model re-order, keep 5."</li>
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
