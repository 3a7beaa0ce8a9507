//! Retrieval-Augmented Generation.

use leptos::prelude::*;

use crate::calc::bm25::{Index, Ranking, top_k};
use crate::chapters::CHAPTERS;
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
    let by_cosine = RwSignal::new(false);
    let hits = Memo::new(move |_| {
        let by = if by_cosine.get() { Ranking::Cosine } else { Ranking::Bm25 };
        index.with_value(|ix| top_k(ix, &query.get(), k.get() as usize, by))
    });
    let prompt = move || {
        let chunks = docs.with_value(|d| {
            hits.get()
                .iter()
                .enumerate()
                .map(|(i, h)| format!("[{}] ({}) {}", i + 1, d[h.doc].title, d[h.doc].text))
                .collect::<Vec<_>>()
                .join("\n")
        });
        format!(
            "Answer the question using only the sources below. Cite them as [1], [2] …\n\
             If they do not contain the answer, say so.\n\nSources:\n{}\n\nQuestion: {}",
            if chunks.is_empty() { "(none found)".to_owned() } else { chunks },
            query.get().trim()
        )
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
                <label class="think-toggle">
                    <input type="checkbox" prop:checked=move || by_cosine.get()
                        on:change=move |ev| by_cosine.set(event_target_checked(&ev))/>
                    " Rank by cosine instead of BM25"
                </label>
            </div>
            <table class="rag-hits">
                <thead><tr><th scope="col">"#"</th><th scope="col">"passage"</th><th scope="col">"BM25"</th><th scope="col">"cosine"</th></tr></thead>
                <tbody>
                    {move || {
                        let hs = hits.get();
                        if hs.is_empty() {
                            return view! { <tr><td colspan="4">"No passage shares a word with the question."</td></tr> }.into_any();
                        }
                        docs.with_value(|d| hs.iter().enumerate().map(|(i, h)| {
                            let doc = &d[h.doc];
                            view! {
                                <tr data-rag-slug=doc.slug>
                                    <td>{i + 1}</td>
                                    <td><a href=format!("#/{}", doc.slug)>{doc.title}</a><br/><small>{doc.text.clone()}</small></td>
                                    <td class="num">{format!("{:.3}", h.bm25)}</td>
                                    <td class="num">{format!("{:.3}", h.cosine)}</td>
                                </tr>
                            }
                        }).collect_view()).into_any()
                    }}
                </tbody>
            </table>
            <h3>"The prompt that would be sent"</h3>
            <pre class="rag-prompt">{prompt}</pre>
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
