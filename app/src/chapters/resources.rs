//! Resources.

use leptos::prelude::*;

/// Topics, each with (title, address) pairs: original papers first, then tools and explainers.
const TOPICS: &[(&str, &[(&str, &str)])] = &[
    (
        "Pre-training data",
        &[
            ("The FineWeb datasets (Penedo et\u{a0}al., 2024)", "https://arxiv.org/abs/2406.17557"),
            (
                "Karpathy: Deep Dive into LLMs like ChatGPT (video)",
                "https://www.youtube.com/watch?v=7xTGNNLPyMI",
            ),
        ],
    ),
    (
        "Tokenization & embeddings",
        &[
            (
                "Neural machine translation of rare words with subword units (BPE, Sennrich et\u{a0}al., 2016)",
                "https://arxiv.org/abs/1508.07909",
            ),
            ("tiktoken, OpenAI's tokenizer", "https://github.com/openai/tiktoken"),
            ("minbpe, a minimal BPE by Karpathy", "https://github.com/karpathy/minbpe"),
            (
                "Efficient estimation of word representations (word2vec, Mikolov et\u{a0}al., 2013)",
                "https://arxiv.org/abs/1301.3781",
            ),
            (
                "GloVe: global vectors for word representation",
                "https://nlp.stanford.edu/projects/glove/",
            ),
        ],
    ),
    (
        "Transformers, attention & positions",
        &[
            (
                "Attention is all you need (Vaswani et\u{a0}al., 2017)",
                "https://arxiv.org/abs/1706.03762",
            ),
            (
                "The Illustrated Transformer (Jay Alammar)",
                "https://jalammar.github.io/illustrated-transformer/",
            ),
            (
                "RoFormer: rotary position embedding (Su et\u{a0}al., 2021)",
                "https://arxiv.org/abs/2104.09864",
            ),
            (
                "GLU variants improve transformer (SwiGLU, Shazeer, 2020)",
                "https://arxiv.org/abs/2002.05202",
            ),
            (
                "Transformer Explainer (interactive)",
                "https://poloclub.github.io/transformer-explainer/",
            ),
            ("LLM Visualization (interactive, Brendan Bycroft)", "https://bbycroft.net/llm"),
        ],
    ),
    (
        "Training, loss & sampling",
        &[
            (
                "Adam: a method for stochastic optimization (Kingma & Ba, 2014)",
                "https://arxiv.org/abs/1412.6980",
            ),
            ("nanoGPT (Karpathy)", "https://github.com/karpathy/nanoGPT"),
            (
                "The curious case of neural text degeneration (top‑p, Holtzman et\u{a0}al., 2019)",
                "https://arxiv.org/abs/1904.09751",
            ),
        ],
    ),
    (
        "KV cache & long context",
        &[
            (
                "Fast transformer decoding: one write-head is all you need (MQA, Shazeer, 2019)",
                "https://arxiv.org/abs/1911.02150",
            ),
            (
                "GQA: grouped-query attention (Ainslie et\u{a0}al., 2023)",
                "https://arxiv.org/abs/2305.13245",
            ),
            ("FlashAttention (Dao et\u{a0}al., 2022)", "https://arxiv.org/abs/2205.14135"),
            ("Lost in the middle (Liu et\u{a0}al., 2023)", "https://arxiv.org/abs/2307.03172"),
        ],
    ),
    (
        "Mixture of experts",
        &[
            (
                "Outrageously large neural networks: the sparsely-gated MoE layer (Shazeer et\u{a0}al., 2017)",
                "https://arxiv.org/abs/1701.06538",
            ),
            ("Switch Transformers (Fedus et\u{a0}al., 2021)", "https://arxiv.org/abs/2101.03961"),
            ("Mixtral of experts (Jiang et\u{a0}al., 2024)", "https://arxiv.org/abs/2401.04088"),
            ("DeepSeek-V3 technical report (2024)", "https://arxiv.org/abs/2412.19437"),
            (
                "Modeling task relationships with multi-gate MoE (MMoE, Ma et\u{a0}al., KDD 2018)",
                "https://dl.acm.org/doi/10.1145/3219819.3220007",
            ),
        ],
    ),
    (
        "Multimodality",
        &[
            (
                "An image is worth 16x16 words (ViT, Dosovitskiy et\u{a0}al., 2020)",
                "https://arxiv.org/abs/2010.11929",
            ),
            (
                "CLIP: learning transferable visual models from natural language (Radford et\u{a0}al., 2021)",
                "https://arxiv.org/abs/2103.00020",
            ),
            (
                "Whisper: robust speech recognition (Radford et\u{a0}al., 2022)",
                "https://arxiv.org/abs/2212.04356",
            ),
        ],
    ),
    (
        "SFT, RLHF, DPO, Constitutional\u{a0}AI &\u{a0}distillation",
        &[
            (
                "Training language models to follow instructions with human feedback (InstructGPT, 2022)",
                "https://arxiv.org/abs/2203.02155",
            ),
            (
                "Proximal policy optimization algorithms (Schulman et\u{a0}al., 2017)",
                "https://arxiv.org/abs/1707.06347",
            ),
            (
                "Scaling laws for reward model overoptimization (Gao et\u{a0}al., 2022)",
                "https://arxiv.org/abs/2210.10760",
            ),
            (
                "Direct preference optimization (Rafailov et\u{a0}al., 2023)",
                "https://arxiv.org/abs/2305.18290",
            ),
            (
                "A general theoretical paradigm to understand learning from human preferences (IPO, 2023)",
                "https://arxiv.org/abs/2310.12036",
            ),
            (
                "KTO: model alignment as prospect theoretic optimization (2024)",
                "https://arxiv.org/abs/2402.01306",
            ),
            (
                "ORPO: monolithic preference optimization without reference model (2024)",
                "https://arxiv.org/abs/2403.07691",
            ),
            (
                "SimPO: simple preference optimization with a reference-free reward (2024)",
                "https://arxiv.org/abs/2405.14734",
            ),
            (
                "Constitutional AI: harmlessness from AI feedback (Bai et\u{a0}al., 2022)",
                "https://arxiv.org/abs/2212.08073",
            ),
            (
                "Distilling the knowledge in a neural network (Hinton et\u{a0}al., 2015)",
                "https://arxiv.org/abs/1503.02531",
            ),
        ],
    ),
    (
        "RL, thinking models, chain of thought &\u{a0}in\u{2011}context learning",
        &[
            (
                "Mastering the game of Go with deep neural networks and tree search (AlphaGo, 2016)",
                "https://www.nature.com/articles/nature16961",
            ),
            (
                "DeepSeek-R1: incentivizing reasoning capability via RL (2025)",
                "https://arxiv.org/abs/2501.12948",
            ),
            (
                "Chain-of-thought prompting elicits reasoning (Wei et\u{a0}al., 2022)",
                "https://arxiv.org/abs/2201.11903",
            ),
            (
                "Language models are few-shot learners (GPT-3, Brown et\u{a0}al., 2020)",
                "https://arxiv.org/abs/2005.14165",
            ),
            (
                "Transformers learn in-context by gradient descent (von Oswald et\u{a0}al., 2022)",
                "https://arxiv.org/abs/2212.07677",
            ),
            (
                "In-context learning and induction heads (Olsson et\u{a0}al., 2022)",
                "https://arxiv.org/abs/2209.11895",
            ),
        ],
    ),
    (
        "Tools, function calling, RAG & agents",
        &[
            (
                "Toolformer: language models can teach themselves to use tools (2023)",
                "https://arxiv.org/abs/2302.04761",
            ),
            (
                "Retrieval-augmented generation for knowledge-intensive NLP (Lewis et\u{a0}al., 2020)",
                "https://arxiv.org/abs/2005.11401",
            ),
            (
                "Precise zero-shot dense retrieval without relevance labels (HyDE, 2022)",
                "https://arxiv.org/abs/2212.10496",
            ),
            (
                "ReAct: synergizing reasoning and acting (Yao et\u{a0}al., 2022)",
                "https://arxiv.org/abs/2210.03629",
            ),
            ("Model Context Protocol", "https://modelcontextprotocol.io/"),
        ],
    ),
    (
        "Security: jailbreaks &\u{a0}prompt injection",
        &[
            (
                "Not what you've signed up for: indirect prompt injection (Greshake et\u{a0}al., 2023)",
                "https://arxiv.org/abs/2302.12173",
            ),
            (
                "Universal and transferable adversarial attacks on aligned LLMs (Zou et\u{a0}al., 2023)",
                "https://arxiv.org/abs/2307.15043",
            ),
            (
                "Many-shot jailbreaking (Anthropic, 2024)",
                "https://www.anthropic.com/research/many-shot-jailbreaking",
            ),
            (
                "Simon Willison's writing on prompt injection",
                "https://simonwillison.net/series/prompt-injection/",
            ),
        ],
    ),
    (
        "Scaling laws, benchmarks & cost",
        &[
            (
                "Scaling laws for neural language models (Kaplan et\u{a0}al., 2020)",
                "https://arxiv.org/abs/2001.08361",
            ),
            (
                "Training compute-optimal large language models (Chinchilla, Hoffmann et\u{a0}al., 2022)",
                "https://arxiv.org/abs/2203.15556",
            ),
            (
                "Measuring massive multitask language understanding (MMLU, 2020)",
                "https://arxiv.org/abs/2009.03300",
            ),
            (
                "Evaluating large language models trained on code (HumanEval, 2021)",
                "https://arxiv.org/abs/2107.03374",
            ),
            (
                "Training verifiers to solve math word problems (GSM8K, 2021)",
                "https://arxiv.org/abs/2110.14168",
            ),
            ("TruthfulQA (Lin et\u{a0}al., 2021)", "https://arxiv.org/abs/2109.07958"),
            ("SWE-bench (Jimenez et\u{a0}al., 2023)", "https://arxiv.org/abs/2310.06770"),
            ("Chatbot Arena (Chiang et\u{a0}al., 2024)", "https://arxiv.org/abs/2403.04132"),
            (
                "RULER: what's the real context size of your long-context model? (2024)",
                "https://arxiv.org/abs/2404.06654",
            ),
        ],
    ),
    (
        "Open models",
        &[
            ("The Llama 3 herd of models (2024)", "https://arxiv.org/abs/2407.21783"),
            (
                "OLMo: accelerating the science of language models (2024)",
                "https://arxiv.org/abs/2402.00838",
            ),
            (
                "BLOOM: a 176B-parameter open-access multilingual model (2022)",
                "https://arxiv.org/abs/2211.05100",
            ),
        ],
    ),
];

/// The body of the `resources` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let filter = crate::url_state::text_param("q", "");
    let total: usize = TOPICS.iter().map(|(_, links)| links.len()).sum();
    let shown = move || {
        let q = filter.get().to_lowercase();
        TOPICS
            .iter()
            .map(|(topic, links)| links.iter().filter(|l| matches(&q, topic, l.0)).count())
            .sum::<usize>()
    };
    view! {
        <p>
            "Papers link to their arXiv abstract or publisher page, where the full text is free to "
            "read; tools and explainers to their own sites. Type to narrow the list."
        </p>
        <div class="panel res-filter">
            <label>
                "Find a paper or tool "
                <input
                    type="search"
                    aria-label="Filter the resources by title or topic"
                    prop:value=move || filter.get()
                    on:input=move |ev| filter.set(event_target_value(&ev))
                />
            </label>
            <span role="status">{move || format!("{} of {total} links", shown())}</span>
        </div>
        {TOPICS.iter().map(|(topic, links)| {
            let any = move || {
                let q = filter.get().to_lowercase();
                links.iter().any(|l| matches(&q, topic, l.0))
            };
            view! {
                <section class="res-topic" hidden=move || !any()>
                    <h2>{*topic}</h2>
                    <ul>
                        {links.iter().map(|(title, href)| {
                            let title = *title;
                            let visible = move || matches(&filter.get().to_lowercase(), topic, title);
                            view! {
                                <li hidden=move || !visible()>
                                    <a href=*href rel="noopener" target="_blank">{title}</a>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            }
        }).collect_view()}
        <p>
            "How the Tumbler was trained, on what, and how well it does is in its "
            <a href="public/model/MODEL_CARD.md">"model card"</a>
            ", served with its weights; its training code and data pipeline are in the source this guide is built from."
        </p>
    }
}

/// Whether a link matches the lower-cased filter text, by its title or its topic.
fn matches(query: &str, topic: &str, title: &str) -> bool {
    query.trim().is_empty()
        || title.to_lowercase().contains(query.trim())
        || topic.to_lowercase().contains(query.trim())
}

#[cfg(test)]
mod tests {
    use super::TOPICS;

    #[test]
    fn the_filter_matches_titles_and_topics_ignoring_case() {
        assert!(super::matches("", "Tokenization", "BPE"));
        assert!(super::matches("bpe", "Tokenization", "Neural Machine Translation with BPE"));
        assert!(super::matches("token", "Tokenization", "Anything"));
        assert!(!super::matches("diffusion", "Tokenization", "BPE"));
    }

    #[test]
    fn every_link_is_https_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for (_, links) in TOPICS {
            assert!(!links.is_empty());
            for (title, href) in *links {
                assert!(href.starts_with("https://"), "{href}");
                assert!(!title.is_empty());
                assert!(seen.insert(*href), "duplicate {href}");
            }
        }
    }
}
