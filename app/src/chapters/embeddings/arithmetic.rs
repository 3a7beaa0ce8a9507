//! Vector arithmetic on real word vectors: a − b + c over 20,000 GloVe words, computed in the
//! page (a query is about a million multiply-adds: a few milliseconds, measured and shown).

use std::rc::Rc;

use leptos::prelude::*;
use tumbler_model::vectors::WordVectors;

use crate::url_state::text_param;
use tumbler_engine::fetch;

const VECTORS_URL: &str = "public/vectors/glove-20k-50d.tgv";
/// Neighbours listed per query.
const TOP: usize = 8;

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// The loaded vectors and how long reading them took.
struct Loaded {
    vectors: Rc<WordVectors>,
    bytes: usize,
    parse_ms: f64,
}

/// The GloVe subset, downloaded (or read from the cache) and parsed: the vectors, the file's
/// bytes, and the milliseconds parsing took.
pub(crate) async fn load_glove() -> Result<(Rc<WordVectors>, usize, f64), String> {
    let bytes = fetch::download(VECTORS_URL, true, |_, _| {})
        .await
        .map_err(|e| format!("{VECTORS_URL}: {e}"))?;
    let started = now();
    let vectors = WordVectors::from_bytes(&bytes).map_err(|e| format!("{VECTORS_URL}: {e}"))?;
    Ok((Rc::new(vectors), bytes.len(), now() - started))
}

/// king − man + woman and the reader's own.
#[component]
pub fn WordArithmetic() -> impl IntoView {
    let a = text_param("a", "king");
    let b = text_param("b", "man");
    let c = text_param("c", "woman");
    let loaded = RwSignal::new_local(None::<Result<Loaded, String>>);
    let load = move || {
        loaded.set(None);
        leptos::task::spawn_local(async move {
            let result = load_glove().await.map(|(vectors, bytes, parse_ms)| Loaded {
                vectors,
                bytes,
                parse_ms,
            });
            loaded.try_set(Some(result));
        });
    };
    load();
    let result = move || {
        loaded.with(|l| match l {
            None => view! { <p class="note-live">"Loading 20,000 word vectors (2.2\u{a0}MB)…"</p> }
                .into_any(),
            Some(Err(message)) => view! {
                <p class="note-live" role="alert">
                    {format!("Word vectors not loaded: {message}")} " "
                    <button type="button" on:click=move |_| load()>"Retry"</button>
                </p>
            }
            .into_any(),
            Some(Ok(l)) => {
                let v = &l.vectors;
                let started = now();
                let answer = v.analogy(&a.get(), &b.get(), &c.get(), TOP);
                let query_ms = now() - started;
                match answer {
                    Err(e) => view! { <p class="note-live analogy-error" role="alert">{e.to_string()}</p> }
                        .into_any(),
                    Ok(top) => {
                        let rows = top
                            .iter()
                            .enumerate()
                            .map(|(i, n)| {
                                let word = v.word(n.index).to_string();
                                let label = word.clone();
                                view! {
                                    <tr data-word=word data-cosine=n.cosine>
                                        <td>{i + 1}</td>
                                        <th scope="row">{label}</th>
                                        <td>{format!("{:.3}", n.cosine)}</td>
                                    </tr>
                                }
                            })
                            .collect_view();
                        view! {
                            <table class="numbers analogy-result">
                                <thead><tr><th scope="col">"#"</th><th scope="col" class="text">"word"</th><th scope="col">"cosine"</th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                            <p class="small analogy-timing" data-query-ms=query_ms>
                                {format!(
                                    "Compared with all {} words ({} numbers each) in {:.1}\u{a0}ms on this \
                                     page's main thread; reading the {:.1} MB file took {:.0}\u{a0}ms. The \
                                     three words you typed are left out of the list, as word2vec does.",
                                    crate::calc::expr::group_thousands(v.len() as i128),
                                    v.dims(),
                                    query_ms,
                                    l.bytes as f64 / 1e6,
                                    l.parse_ms
                                )}
                            </p>
                        }
                        .into_any()
                    }
                }
            }
        })
    };
    let input = move |label: &'static str, signal: RwSignal<String>| {
        view! {
            <input
                type="text"
                class="word"
                aria-label=label
                maxlength="40"
                spellcheck="false"
                prop:value=move || signal.get()
                on:input=move |ev| signal.set(event_target_value(&ev))
            />
        }
    };
    view! {
        <div class="panel live-analogy">
            <h2>"Arithmetic on real word vectors"</h2>
            <p>
                "These are GloVe vectors (Stanford, 2014): 50 numbers per word, learned from \
                 6\u{a0}billion words of Wikipedia and news. We kept the 20,000 most frequent plain words. \
                 Change any word: the page computes a − b + c and lists the words whose vectors point \
                 closest to the result."
            </p>
            // Each word with the operator after it: a wrapped line ends with "−" or "+" and never
            // starts with one ("+ woman ≈ ?" on a phone's second line).
            <p class="analogy-inputs">
                <span class="nowrap">{input("First word (a)", a)}" −"</span>" "
                <span class="nowrap">{input("Word to take away (b)", b)}" +"</span>" "
                <span class="nowrap">{input("Word to add (c)", c)}" ≈ ?"</span>
            </p>
            {result}
            <p class="small">
                "Source: GloVe 6B, 50 dimensions (Pennington, Socher and Manning, 2014), public \
                 domain (PDDL 1.0). "
                <a href="public/vectors/README.md">"How the 20,000-word subset was made"</a>"."
            </p>
        </div>
    }
}
