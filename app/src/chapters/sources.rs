//! Where each chapter's outside figures come from: one table, drawn once under every chapter by
//! the shell. A chapter that quotes a number it did not compute names its source here; a chapter
//! whose numbers are all computed in the page says so instead.

use leptos::prelude::*;

/// One published source and what the chapter takes from it.
#[derive(Clone, Copy, Debug)]
pub struct Source {
    /// Authors, title and year, as a reader would cite it.
    pub cite: &'static str,
    /// Where to read it (always `https://`).
    pub url: &'static str,
    /// The figures or claims the chapter takes from it.
    pub for_what: &'static str,
}

/// What a chapter's sources line says.
#[derive(Clone, Copy, Debug)]
pub enum Sources {
    /// Every number on the page is computed in the reader's browser; nothing is quoted.
    Computed,
    /// The numbers were measured in the Tumbler's own training runs or are computed in the browser.
    Measured,
    /// The numbers are computed in the browser from inputs chosen for the page (example logits,
    /// a probability on a slider); none is an outside figure.
    Examples,
    /// The chapter states no figures; the chapters it links to carry the sources.
    NoFigures,
    /// The chapter is itself a list of sources, each linked.
    ReadingList,
    /// The outside sources of the figures and claims the chapter quotes.
    Cited(&'static [Source]),
}

impl Sources {
    /// The sentence shown in place of a list, for every kind but [`Sources::Cited`].
    pub fn statement(self) -> Option<&'static str> {
        match self {
            Sources::Computed => Some("Every number in this chapter is computed in your browser."),
            Sources::Measured => Some(
                "No outside figures: every number in this chapter was measured in the Tumbler's \
                 own training runs or is computed in your browser.",
            ),
            Sources::Examples => Some(
                "No outside figures: every number in this chapter is computed in your browser, \
                 from the Tumbler or from example inputs chosen for this page.",
            ),
            Sources::NoFigures => {
                Some("This chapter quotes no figures; the chapters it links to give their sources.")
            }
            Sources::ReadingList => {
                Some("This chapter is the guide's reading list; every entry links to its source.")
            }
            Sources::Cited(_) => None,
        }
    }

    /// The value of the `data-sources` attribute: the number of sources, or the kind.
    pub fn data(self) -> String {
        match self {
            Sources::Computed => "computed".into(),
            Sources::Measured => "measured".into(),
            Sources::Examples => "examples".into(),
            Sources::NoFigures => "no-figures".into(),
            Sources::ReadingList => "reading-list".into(),
            Sources::Cited(list) => list.len().to_string(),
        }
    }
}

const fn src(cite: &'static str, url: &'static str, for_what: &'static str) -> Source {
    Source { cite, url, for_what }
}

// Sources used by more than one chapter.
const VASWANI: Source = src(
    "Vaswani et\u{a0}al., “Attention Is All You Need” (2017)",
    "https://arxiv.org/abs/1706.03762",
    "the transformer",
);
const LLAMA3: Source = src(
    "Llama Team, “The Llama 3 Herd of Models” (2024)",
    "https://arxiv.org/abs/2407.21783",
    "Llama 3's sizes, its ~15T training tokens, its post-training with DPO",
);
const GPT3: Source = src(
    "Brown et\u{a0}al., “Language Models are Few-Shot Learners” (2020)",
    "https://arxiv.org/abs/2005.14165",
    "GPT-3: 175B parameters, 300B training tokens",
);
const KAPLAN: Source = src(
    "Kaplan et\u{a0}al., “Scaling Laws for Neural Language Models” (2020)",
    "https://arxiv.org/abs/2001.08361",
    "the power laws in parameters, data and compute; C\u{a0}≈\u{a0}6·N·D",
);
const CHINCHILLA: Source = src(
    "Hoffmann et\u{a0}al., “Training Compute-Optimal Large Language Models” (2022)",
    "https://arxiv.org/abs/2203.15556",
    "Chinchilla: 70B parameters, 1.4T tokens, ~20 tokens per parameter; the fit's constants",
);
const DEEPSEEK_R1: Source = src(
    "DeepSeek-AI, “DeepSeek-R1: Incentivizing Reasoning Capability in LLMs via Reinforcement \
     Learning” (2025)",
    "https://arxiv.org/abs/2501.12948",
    "R1-Zero: reasoning learned by RL on checked answers alone, with no step-by-step targets",
);
const TIKTOKEN: Source = src(
    "OpenAI, tiktoken",
    "https://github.com/openai/tiktoken",
    "the cl100k_base vocabulary (100,277 ids) used by GPT-4",
);
const WIRED_ALTMAN: Source = src(
    "Will Knight, “OpenAI's CEO Says the Age of Giant AI Models Is Already Over” (Wired, 2023)",
    "https://www.wired.com/story/openai-ceo-sam-altman-the-age-of-giant-ai-models-is-already-over/",
    "GPT-4 cost “more than $100\u{a0}million” to train",
);
const WEI_COT: Source = src(
    "Wei et\u{a0}al., “Chain-of-Thought Prompting Elicits Reasoning in Large Language Models” (2022)",
    "https://arxiv.org/abs/2201.11903",
    "chain-of-thought prompting",
);
const OUYANG: Source = src(
    "Ouyang et\u{a0}al., “Training language models to follow instructions with human feedback” (2022)",
    "https://arxiv.org/abs/2203.02155",
    "InstructGPT: SFT, a reward model, then PPO",
);

/// The sources line of every chapter, by slug, in reading order.
static TABLE: &[(&str, Sources)] = &[
    (
        "arc",
        Sources::Cited(&[
            src(
                "Llama Team, “The Llama 3 Herd of Models” (2024)",
                "https://arxiv.org/abs/2407.21783",
                "pre-training on about 15\u{a0}trillion tokens",
            ),
            src(
                "Ouyang et\u{a0}al., “Training language models to follow instructions with human \
                 feedback” (2022)",
                "https://arxiv.org/abs/2203.02155",
                "supervised fine-tuning on about 13,000 prompts with people's replies",
            ),
            DEEPSEEK_R1,
        ]),
    ),
    (
        "pretraining-data",
        Sources::Cited(&[
            src(
                "Penedo et\u{a0}al., “The FineWeb Datasets: Decanting the Web for the Finest Text Data \
                 at Scale” (2024)",
                "https://arxiv.org/abs/2406.17557",
                "FineWeb's pipeline, its 96 Common Crawl snapshots, the 0.65 language threshold, \
                 15T tokens",
            ),
            src(
                "Hugging Face, “FineWeb: decanting the web for the finest text data at scale” \
                 (2024)",
                "https://huggingface.co/spaces/HuggingFaceFW/blogpost-fineweb-v1",
                "the 44\u{a0}TB of published files",
            ),
            src(
                "Rae et\u{a0}al., “Scaling Language Models: Methods, Analysis & Insights from Training \
                 Gopher” (2021)",
                "https://arxiv.org/abs/2112.11446",
                "the Gopher quality rules",
            ),
            src("Common Crawl", "https://commoncrawl.org/", "the open web archive, since 2007"),
        ]),
    ),
    (
        "tokens",
        Sources::Cited(&[
            TIKTOKEN,
            src(
                "Sennrich, Haddow & Birch, “Neural Machine Translation of Rare Words with Subword \
             Units” (2016)",
                "https://arxiv.org/abs/1508.07909",
                "byte-pair encoding for text",
            ),
        ]),
    ),
    (
        "embeddings",
        Sources::Cited(&[
            src(
                "Radford et\u{a0}al., “Language Models are Unsupervised Multitask Learners” (GPT-2, 2019)",
                "https://cdn.openai.com/better-language-models/language_models_are_unsupervised_multitask_learners.pdf",
                "GPT-2 small's 768 numbers per token",
            ),
            src(GPT3.cite, GPT3.url, "GPT-3 175B's width of 12,288"),
            src(
                "Mikolov et\u{a0}al., “Efficient Estimation of Word Representations in Vector Space” \
                 (2013)",
                "https://arxiv.org/abs/1301.3781",
                "word2vec and king − man + woman ≈ queen",
            ),
            src(
                "Pennington, Socher & Manning, “GloVe: Global Vectors for Word Representation” \
                 (2014)",
                "https://nlp.stanford.edu/projects/glove/",
                "the GloVe vectors of the arithmetic panel",
            ),
            TIKTOKEN,
        ]),
    ),
    ("spelling", Sources::Cited(&[TIKTOKEN])),
    (
        "neural-net",
        Sources::Cited(&[
            GPT3,
            src(
                "Fedus, Zoph & Shazeer, “Switch Transformers” (2021)",
                "https://arxiv.org/abs/2101.03961",
                "Switch-C's 1.6\u{a0}trillion weights",
            ),
        ]),
    ),
    ("attention", Sources::Cited(&[VASWANI, src(GPT3.cite, GPT3.url, "GPT-3 175B's 96 heads")])),
    (
        "positions",
        Sources::Cited(&[
            src(VASWANI.cite, VASWANI.url, "the sinusoidal encoding"),
            src(
                "Su et\u{a0}al., “RoFormer: Enhanced Transformer with Rotary Position Embedding” (2021)",
                "https://arxiv.org/abs/2104.09864",
                "RoPE",
            ),
            src(
                "Chen et\u{a0}al., “Extending Context Window of Large Language Models via Positional \
                 Interpolation” (2023)",
                "https://arxiv.org/abs/2306.15595",
                "position interpolation",
            ),
            src(GPT3.cite, GPT3.url, "GPT-3's 2,048-token context"),
        ]),
    ),
    (
        "kv-cache",
        Sources::Cited(&[
            src(
                "Touvron et\u{a0}al., “Llama 2: Open Foundation and Fine-Tuned Chat Models” (2023)",
                "https://arxiv.org/abs/2307.09288",
                "Llama-2-70B, its 4,096-token context and its grouped-query attention",
            ),
            src(
                "Ainslie et\u{a0}al., “GQA: Training Generalized Multi-Query Transformer Models from \
                 Multi-Head Checkpoints” (2023)",
                "https://arxiv.org/abs/2305.13245",
                "grouped-query attention",
            ),
            src(
                "Shazeer, “Fast Transformer Decoding: One Write-Head is All You Need” (2019)",
                "https://arxiv.org/abs/1911.02150",
                "multi-query attention",
            ),
        ]),
    ),
    (
        "gates",
        Sources::Cited(&[
            src(
                "Shazeer, “GLU Variants Improve Transformer” (2020)",
                "https://arxiv.org/abs/2002.05202",
                "SwiGLU and GeGLU against ReLU and GELU",
            ),
            src(
                "Touvron et\u{a0}al., “LLaMA: Open and Efficient Foundation Language Models” (2023)",
                "https://arxiv.org/abs/2302.13971",
                "SwiGLU in Llama",
            ),
            src(
                "Gemma Team, “Gemma: Open Models Based on Gemini Research and Technology” (2024)",
                "https://arxiv.org/abs/2403.08295",
                "GeGLU in Gemma",
            ),
            src(
                "Cho et\u{a0}al., “Learning Phrase Representations using RNN Encoder–Decoder” (2014)",
                "https://arxiv.org/abs/1406.1078",
                "the GRU's two gates",
            ),
        ]),
    ),
    (
        "moe",
        Sources::Cited(&[
            src(
                "Shazeer et\u{a0}al., “Outrageously Large Neural Networks: The Sparsely-Gated \
                 Mixture-of-Experts Layer” (2017)",
                "https://arxiv.org/abs/1701.06538",
                "the top‑k router",
            ),
            src(
                "Fedus, Zoph & Shazeer, “Switch Transformers” (2021)",
                "https://arxiv.org/abs/2101.03961",
                "top-1 routing at scale; the load-balancing loss",
            ),
            src(
                "Komatsuzaki et\u{a0}al., “Sparse Upcycling: Training Mixture-of-Experts from Dense \
                 Checkpoints” (2022)",
                "https://arxiv.org/abs/2212.05055",
                "experts started from a dense model",
            ),
            src(
                "Zhu et\u{a0}al., “LLaMA-MoE” (2024)",
                "https://arxiv.org/abs/2406.16554",
                "experts cut from slices of the dense FFN, as ours are",
            ),
            src(
                "Jiang et\u{a0}al., “Mixtral of Experts” (2024)",
                "https://arxiv.org/abs/2401.04088",
                "Mixtral 8×7B: 32 layers, 8 experts, top-2",
            ),
            src(
                "DeepSeek-AI, “DeepSeek-V3 Technical Report” (2024)",
                "https://arxiv.org/abs/2412.19437",
                "DeepSeek-V3: 256 routed experts and one shared, 671B total, 37B active",
            ),
        ]),
    ),
    (
        "mmoe",
        Sources::Cited(&[
            src(
                "Ma et\u{a0}al., “Modeling Task Relationships in Multi-task Learning with Multi-gate \
                 Mixture-of-Experts” (KDD 2018)",
                "https://dl.acm.org/doi/10.1145/3219819.3220007",
                "MMoE: shared experts, one gate per task; §4's synthetic tasks, which the toy \
                 model trains on",
            ),
            src(
                "Tang et\u{a0}al., “Progressive Layered Extraction (PLE)” (RecSys 2020)",
                "https://dl.acm.org/doi/10.1145/3383313.3412236",
                "PLE",
            ),
        ]),
    ),
    (
        "multimodal",
        Sources::Cited(&[
            src(
                "Dosovitskiy et\u{a0}al., “An Image is Worth 16x16 Words” (ViT, 2020)",
                "https://arxiv.org/abs/2010.11929",
                "images cut into patches, each a token",
            ),
            src(
                "Radford et\u{a0}al., “Robust Speech Recognition via Large-Scale Weak Supervision” \
                 (Whisper, 2022)",
                "https://arxiv.org/abs/2212.04356",
                "16\u{a0}kHz audio, 25\u{a0}ms windows every 10\u{a0}ms, 30-second windows, the stride\u{2011}2 \
                 convolution",
            ),
        ]),
    ),
    ("training", Sources::Measured),
    (
        "backprop",
        Sources::Cited(&[
            src(
                "Matt Mazur, “A Step by Step Backpropagation Example” (2015)",
                "https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/",
                "the worked example's inputs and starting weights",
            ),
            src(
                "Loshchilov & Hutter, “Decoupled Weight Decay Regularization” (AdamW, 2017)",
                "https://arxiv.org/abs/1711.05101",
                "AdamW",
            ),
            src(LLAMA3.cite, LLAMA3.url, "Llama 3 405B's 3.8\u{a0}×\u{a0}10²⁵ FLOPs"),
        ]),
    ),
    ("loss", Sources::Computed),
    ("softmax", Sources::Examples),
    (
        "sampling",
        Sources::Cited(&[
            src(
                "OpenAI API reference, chat completions",
                "https://platform.openai.com/docs/api-reference/chat/create",
                "the defaults temperature = 1 and top_p = 1",
            ),
            src(
                "Holtzman et\u{a0}al., “The Curious Case of Neural Text Degeneration” (2019)",
                "https://arxiv.org/abs/1904.09751",
                "nucleus (top‑p) sampling",
            ),
        ]),
    ),
    (
        "inference",
        Sources::Cited(&[src(
            LLAMA3.cite,
            LLAMA3.url,
            "training on trillions of tokens with thousands of GPUs",
        )]),
    ),
    (
        "why",
        Sources::Cited(&[
            src(
                "nostalgebraist, “interpreting GPT: the logit lens” (2020)",
                "https://www.lesswrong.com/posts/AcKRB8wDpdaN6v6ru/interpreting-gpt-the-logit-lens",
                "the logit lens: reading the residual stream through the unembedding",
            ),
            src(
                "Elhage et\u{a0}al., “A Mathematical Framework for Transformer Circuits” (2021)",
                "https://transformer-circuits.pub/2021/framework/index.html",
                "the residual stream as a sum of head and MLP outputs; direct logit attribution",
            ),
            src(
                "Meng et\u{a0}al., “Locating and Editing Factual Associations in GPT” (2022)",
                "https://arxiv.org/abs/2202.05262",
                "causal tracing: patching hidden states from another run, layer by position",
            ),
        ]),
    ),
    (
        "compute-per-token",
        Sources::Cited(&[
            src(KAPLAN.cite, KAPLAN.url, "about 2 FLOPs per parameter per token forward"),
            src(
                "Radford et\u{a0}al., “Language Models are Unsupervised Multitask Learners” (GPT-2, 2019)",
                "https://cdn.openai.com/better-language-models/language_models_are_unsupervised_multitask_learners.pdf",
                "GPT-2's 50,257-token vocabulary",
            ),
            WEI_COT,
        ]),
    ),
    (
        "context-window",
        Sources::Cited(&[
            src(
                "Jiang et\u{a0}al., “Mistral 7B” (2023)",
                "https://arxiv.org/abs/2310.06825",
                "sliding-window attention",
            ),
            src(
                "Dao et\u{a0}al., “FlashAttention” (2022)",
                "https://arxiv.org/abs/2205.14135",
                "exact attention computed tile by tile",
            ),
            src(
                "Child et\u{a0}al., “Generating Long Sequences with Sparse Transformers” (2019)",
                "https://arxiv.org/abs/1904.10509",
                "sparse attention",
            ),
            src(
                "Liu et\u{a0}al., “Lost in the Middle: How Language Models Use Long Contexts” (2023)",
                "https://arxiv.org/abs/2307.03172",
                "facts in the middle recalled worse",
            ),
        ]),
    ),
    (
        "sft",
        Sources::Cited(&[src(OUYANG.cite, OUYANG.url, "InstructGPT's about 13,000 SFT prompts")]),
    ),
    (
        "hallucination",
        Sources::Cited(&[
            src(
                LLAMA3.cite,
                LLAMA3.url,
                "probing what the model knows and training it to decline where it does not",
            ),
            src(
                "Karpathy, “Deep Dive into LLMs like ChatGPT” (video, 2025)",
                "https://www.youtube.com/watch?v=7xTGNNLPyMI",
                "the Orson\u{a0}Kovats example",
            ),
        ]),
    ),
    (
        "rl",
        Sources::Cited(&[
            src(
                "Shao et\u{a0}al., “DeepSeekMath” (2024), §4.1",
                "https://arxiv.org/abs/2402.03300",
                "group-relative advantages (GRPO)",
            ),
            src(
                "Liu et\u{a0}al., “Understanding R1-Zero-Like Training: A Critical Perspective” (2025)",
                "https://arxiv.org/abs/2503.20783",
                "Dr.\u{a0}GRPO: dropping the length normalisation's bias",
            ),
            src(
                "Yu et\u{a0}al., “DAPO: An Open-Source LLM Reinforcement Learning System at Scale” \
                 (2025)",
                "https://arxiv.org/abs/2503.14476",
                "dropping the KL term",
            ),
        ]),
    ),
    (
        "move-37",
        Sources::Cited(&[
            src(
                "Silver et\u{a0}al., “Mastering the game of Go with deep neural networks and tree \
                 search” (Nature, 2016)",
                "https://www.nature.com/articles/nature16961",
                "AlphaGo: imitation of human games, then self-play",
            ),
            src(
                "Cade Metz, “What the AI Behind AlphaGo Can Teach Us About Being Human” (Wired, \
                 2016)",
                "https://www.wired.com/2016/05/google-alpha-go-ai/",
                "move 37 of game two, AlphaGo's one-in-ten-thousand estimate, the 4–1 result",
            ),
            src(
                "Silver et\u{a0}al., “Mastering the game of Go without human knowledge” (Nature, 2017)",
                "https://www.nature.com/articles/nature24270",
                "AlphaGo Zero",
            ),
        ]),
    ),
    (
        "rlhf",
        Sources::Cited(&[
            src(OUYANG.cite, OUYANG.url, "§3.5: the reward model and its loss"),
            src(
                "Stiennon et\u{a0}al., “Learning to summarize from human feedback” (2020)",
                "https://arxiv.org/abs/2009.01325",
                "best-of-n and the KL penalty",
            ),
            src(
                "Gao, Schulman & Hilton, “Scaling Laws for Reward Model Overoptimization” (2022)",
                "https://arxiv.org/abs/2210.10760",
                "the bound log n − (n − 1)/n; true quality rises, then falls",
            ),
            src(
                "Beirami et\u{a0}al., “Theoretical guarantees on the best-of-n alignment policy” (2024)",
                "https://arxiv.org/abs/2401.01879",
                "that formula is an upper bound",
            ),
        ]),
    ),
    (
        "dpo",
        Sources::Cited(&[
            src(
                "Rafailov et\u{a0}al., “Direct Preference Optimization” (2023)",
                "https://arxiv.org/abs/2305.18290",
                "the DPO loss and its equivalence to KL-penalised RLHF",
            ),
            src(
                "Schulman et\u{a0}al., “Proximal Policy Optimization Algorithms” (2017)",
                "https://arxiv.org/abs/1707.06347",
                "PPO",
            ),
            src(LLAMA3.cite, LLAMA3.url, "§4: post-training with SFT, rejection sampling and DPO"),
            src(
                "Gemma Team, “Gemma: Open Models Based on Gemini Research and Technology” (2024)",
                "https://arxiv.org/abs/2403.08295",
                "Gemma aligned with RLHF",
            ),
            src(
                "Azar et\u{a0}al., “A General Theoretical Paradigm to Understand Learning from Human \
                 Preferences” (2023)",
                "https://arxiv.org/abs/2310.12036",
                "IPO",
            ),
            src(
                "Ethayarajh et\u{a0}al., “KTO: Model Alignment as Prospect Theoretic Optimization” \
                 (2024)",
                "https://arxiv.org/abs/2402.01306",
                "KTO",
            ),
            src(
                "Hong, Lee & Thorne, “ORPO: Monolithic Preference Optimization without Reference \
                 Model” (2024)",
                "https://arxiv.org/abs/2403.07691",
                "ORPO",
            ),
            src(
                "Meng, Xia & Chen, “SimPO: Simple Preference Optimization with a Reference-Free \
                 Reward” (2024)",
                "https://arxiv.org/abs/2405.14734",
                "SimPO",
            ),
        ]),
    ),
    (
        "constitutional",
        Sources::Cited(&[
            src(
                "Bai et\u{a0}al., “Constitutional AI: Harmlessness from AI Feedback” (2022)",
                "https://arxiv.org/abs/2212.08073",
                "critique, revision and RLAIF",
            ),
            src(
                "Touvron et\u{a0}al., “Llama 2: Open Foundation and Fine-Tuned Chat Models” (2023)",
                "https://arxiv.org/abs/2307.09288",
                "over a million human preference comparisons",
            ),
            src(
                "Anthropic, “Claude's Constitution” (2023)",
                "https://www.anthropic.com/news/claudes-constitution",
                "Claude trained with a constitution",
            ),
        ]),
    ),
    (
        "distillation",
        Sources::Cited(&[
            src(
                "Hinton, Vinyals & Dean, “Distilling the Knowledge in a Neural Network” (2015)",
                "https://arxiv.org/abs/1503.02531",
                "soft targets at temperature T, the T² factor",
            ),
            src(
                LLAMA3.cite,
                LLAMA3.url,
                "Llama 3.1 8B's own ~15T pre-training tokens; 405B outputs in post-training",
            ),
            src(
                "Gemma Team, “Gemma 2: Improving Open Language Models at a Practical Size” (2024)",
                "https://arxiv.org/abs/2408.00118",
                "2B and 9B pre-trained by distillation",
            ),
        ]),
    ),
    (
        "thinking",
        Sources::Cited(&[
            DEEPSEEK_R1,
            src(
                "OpenAI, “Learning to Reason with LLMs” (2024)",
                "https://openai.com/index/learning-to-reason-with-llms/",
                "o1",
            ),
        ]),
    ),
    ("chain-of-thought", Sources::Cited(&[WEI_COT, TIKTOKEN])),
    (
        "in-context",
        Sources::Cited(&[
            src(GPT3.cite, GPT3.url, "few-shot gains small at 125M parameters, large at 175B"),
            src(
                "Agarwal et\u{a0}al., “Many-Shot In-Context Learning” (2024)",
                "https://arxiv.org/abs/2404.11018",
                "gains from hundreds or thousands of examples",
            ),
            src(
                "von Oswald et\u{a0}al., “Transformers learn in-context by gradient descent” (2022)",
                "https://arxiv.org/abs/2212.07677",
                "in-context learning as gradient descent",
            ),
            src(
                "Olsson et\u{a0}al., “In-context Learning and Induction Heads” (2022)",
                "https://arxiv.org/abs/2209.11895",
                "induction heads",
            ),
        ]),
    ),
    (
        "memory",
        Sources::Cited(&[src(
            "Liu et\u{a0}al., “Lost in the Middle: How Language Models Use Long Contexts” (2023)",
            "https://arxiv.org/abs/2307.03172",
            "facts in the middle of a long context are missed",
        )]),
    ),
    (
        "tools",
        Sources::Cited(&[src(
            "Schick et\u{a0}al., “Toolformer: Language Models Can Teach Themselves to Use Tools” \
             (2023)",
            "https://arxiv.org/abs/2302.04761",
            "models trained to call a calculator and other tools",
        )]),
    ),
    (
        "function-calling",
        Sources::Cited(&[src(
            "Model Context Protocol",
            "https://modelcontextprotocol.io/",
            "MCP, introduced by Anthropic in 2024",
        )]),
    ),
    (
        "rag",
        Sources::Cited(&[
            src(
                "Lewis et\u{a0}al., “Retrieval-Augmented Generation for Knowledge-Intensive NLP Tasks” \
                 (2020)",
                "https://arxiv.org/abs/2005.11401",
                "retrieval-augmented generation",
            ),
            src(
                "Robertson & Zaragoza, “The Probabilistic Relevance Framework: BM25 and Beyond” \
                 (2009)",
                "https://doi.org/10.1561/1500000019",
                "BM25",
            ),
            src(
                "Pennington, Socher & Manning, “GloVe” (2014)",
                "https://nlp.stanford.edu/projects/glove/",
                "the word vectors of the embedding ranking",
            ),
            src(
                "Gao et\u{a0}al., “Precise Zero-Shot Dense Retrieval without Relevance Labels” (HyDE, \
                 2022)",
                "https://arxiv.org/abs/2212.10496",
                "HyDE",
            ),
            src(
                "Arora, Liang & Ma, “A Simple but Tough-to-Beat Baseline for Sentence \
                 Embeddings” (ICLR 2017)",
                "https://openreview.net/forum?id=SyK00v5xx",
                "the rarity-weighted mean of word vectors",
            ),
            src(
                "Liu et\u{a0}al., “Lost in the Middle” (2023)",
                "https://arxiv.org/abs/2307.03172",
                "answers missed in the middle of the context",
            ),
            src(
                "Edge et\u{a0}al., “From Local to Global: A Graph RAG Approach to Query-Focused \
                 Summarization” (2024)",
                "https://arxiv.org/abs/2404.16130",
                "GraphRAG",
            ),
        ]),
    ),
    (
        "agents",
        Sources::Cited(&[src(
            "Yao et\u{a0}al., “ReAct: Synergizing Reasoning and Acting in Language Models” (2022)",
            "https://arxiv.org/abs/2210.03629",
            "reason + act",
        )]),
    ),
    (
        "security",
        Sources::Cited(&[
            src(
                "Greshake et\u{a0}al., “Not what you've signed up for: Compromising Real-World \
                 LLM-Integrated Applications with Indirect Prompt Injection” (2023)",
                "https://arxiv.org/abs/2302.12173",
                "indirect prompt injection",
            ),
            src(
                "Anthropic, “Many-shot jailbreaking” (2024)",
                "https://www.anthropic.com/research/many-shot-jailbreaking",
                "hundreds of fake dialogues",
            ),
            src(
                "Yong, Menghini & Bach, “Low-Resource Languages Jailbreak GPT-4” (2023)",
                "https://arxiv.org/abs/2310.02446",
                "translation into languages with thin safety training",
            ),
            src(
                "Wei, Haghtalab & Steinhardt, “Jailbroken: How Does LLM Safety Training Fail?” \
                 (2023)",
                "https://arxiv.org/abs/2307.02483",
                "encodings such as base64",
            ),
            src(
                "Simon Willison, prompt injection series",
                "https://simonwillison.net/series/prompt-injection/",
                "prompt injection as an unsolved class of bug, like SQL injection",
            ),
        ]),
    ),
    ("operators-manual", Sources::NoFigures),
    ("dispel-the-magic", Sources::Examples),
    (
        "scaling-laws",
        Sources::Cited(&[
            src(
                KAPLAN.cite,
                KAPLAN.url,
                "the exponents αN and αD (for parameters and data) and the original power laws",
            ),
            CHINCHILLA,
            GPT3,
            src(LLAMA3.cite, LLAMA3.url, "8B and 70B trained on about 15T tokens"),
            WIRED_ALTMAN,
            src(
                "OpenAI, “Learning to Reason with LLMs” (2024)",
                "https://openai.com/index/learning-to-reason-with-llms/",
                "o1 and test-time compute",
            ),
            src(DEEPSEEK_R1.cite, DEEPSEEK_R1.url, "R1 and test-time compute"),
        ]),
    ),
    (
        "benchmarks",
        Sources::Cited(&[
            src(
                "Hendrycks et\u{a0}al., “Measuring Massive Multitask Language Understanding” (2020)",
                "https://arxiv.org/abs/2009.03300",
                "MMLU's 57 subjects",
            ),
            src(
                "Chen et\u{a0}al., “Evaluating Large Language Models Trained on Code” (2021)",
                "https://arxiv.org/abs/2107.03374",
                "HumanEval",
            ),
            src(
                "Austin et\u{a0}al., “Program Synthesis with Large Language Models” (2021)",
                "https://arxiv.org/abs/2108.07732",
                "MBPP",
            ),
            src(
                "Anthropic, “Claude 3.5 Sonnet” (June 2024)",
                "https://www.anthropic.com/news/claude-3-5-sonnet",
                "HumanEval near saturation: 92.0%",
            ),
            src(
                "Cobbe et\u{a0}al., “Training Verifiers to Solve Math Word Problems” (2021)",
                "https://arxiv.org/abs/2110.14168",
                "GSM8K",
            ),
            src(
                "Hendrycks et\u{a0}al., “Measuring Mathematical Problem Solving With the MATH \
                 Dataset” (2021)",
                "https://arxiv.org/abs/2103.03874",
                "MATH",
            ),
            src(
                "Zellers et\u{a0}al., “HellaSwag” (2019)",
                "https://arxiv.org/abs/1905.07830",
                "HellaSwag",
            ),
            src(
                "Clark et\u{a0}al., “Think you have Solved Question Answering? Try ARC” (2018)",
                "https://arxiv.org/abs/1803.05457",
                "ARC",
            ),
            src(
                "Lin, Hilton & Evans, “TruthfulQA” (2021)",
                "https://arxiv.org/abs/2109.07958",
                "TruthfulQA",
            ),
            src(
                "Jimenez et\u{a0}al., “SWE-bench” (2023)",
                "https://arxiv.org/abs/2310.06770",
                "SWE-bench",
            ),
            src(
                "Chiang et\u{a0}al., “Chatbot Arena” (2024)",
                "https://arxiv.org/abs/2403.04132",
                "blind pairwise votes and an Elo-style rating",
            ),
            src(
                "Hsieh et\u{a0}al., “RULER: What's the Real Context Size of Your Long-Context Language \
                 Models?” (2024)",
                "https://arxiv.org/abs/2404.06654",
                "RULER",
            ),
        ]),
    ),
    (
        "cost",
        Sources::Cited(&[
            src(KAPLAN.cite, KAPLAN.url, "C\u{a0}≈\u{a0}6·N·D"),
            src(
                LLAMA3.cite,
                LLAMA3.url,
                "405B: 15.6T tokens, 3.8\u{a0}×\u{a0}10²⁵ FLOPs, up to 16K H100s at 700\u{a0}W, 38–\u{2060}43% \
                 utilisation, power swings of tens of megawatts",
            ),
            GPT3,
            CHINCHILLA,
            src(
                "NVIDIA, H100 Tensor Core GPU",
                "https://www.nvidia.com/en-us/data-center/h100/",
                "989\u{a0}TFLOP/s dense BF16 (the data sheet's 1,979 is with sparsity)",
            ),
            WIRED_ALTMAN,
            src(
                "OpenAI API pricing",
                "https://platform.openai.com/docs/pricing",
                "GPT-4 $30, GPT-4o $5 then $2.50, GPT-4o mini $0.15 per million input tokens",
            ),
            src(
                "Epoch AI, “Most of OpenAI's 2024 compute went to experiments” (2025)",
                "https://epoch.ai/data-insights/openai-compute-spend",
                "about $5B on R&D against about $2B on serving",
            ),
        ]),
    ),
    (
        "open-vs-closed",
        Sources::Cited(&[
            src(
                "DeepSeek-AI, “DeepSeek-V3 Technical Report” (2024)",
                "https://arxiv.org/abs/2412.19437",
                "its benchmarks against GPT-4o; 2.788M H800 GPU-hours, about $5.6M, for the final run",
            ),
            src(
                "Groeneveld et\u{a0}al., “OLMo: Accelerating the Science of Language Models” (2024)",
                "https://arxiv.org/abs/2402.00838",
                "a fully open model",
            ),
            src(
                "BigScience, “BLOOM” (2022)",
                "https://arxiv.org/abs/2211.05100",
                "a fully open model",
            ),
            src(
                "Qwen Team, “Qwen2 Technical Report” (2024)",
                "https://arxiv.org/abs/2407.10671",
                "Qwen from 0.5B parameters up",
            ),
        ]),
    ),
    ("resources", Sources::ReadingList),
];

/// The sources line of the chapter with this slug, if the table has one.
pub fn of(slug: &str) -> Option<Sources> {
    TABLE.iter().find(|(s, _)| *s == slug).map(|(_, sources)| *sources)
}

/// The "Sources" line under a chapter: its outside sources with links, or the statement that
/// every number on the page is computed in the browser.
#[component]
pub fn SourcesLine(
    /// The chapter's slug.
    slug: &'static str,
) -> impl IntoView {
    match of(slug) {
        Some(Sources::Cited(list)) => view! {
            <aside class="sources" aria-label="Sources" data-sources=list.len().to_string()>
                <h2 class="sources-head">"Sources"</h2>
                <ul>
                    {list
                        .iter()
                        .map(|s| view! {
                            <li>
                                <a href=s.url target="_blank" rel="noopener">{s.cite}</a>
                                <span class="sources-for">{format!("\u{a0}— {}", s.for_what)}</span>
                            </li>
                        })
                        .collect_view()}
                </ul>
            </aside>
        }
        .into_any(),
        Some(other) => view! {
            <aside class="sources" aria-label="Sources" data-sources=other.data()>
                <p><strong class="sources-head">"Sources. "</strong>{other.statement()}</p>
            </aside>
        }
        .into_any(),
        None => ().into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chapters::{CHAPTERS, find};

    #[test]
    fn every_chapter_has_a_sources_line() {
        for c in CHAPTERS {
            assert!(of(c.slug).is_some(), "chapter {} has no entry in the sources table", c.slug);
        }
    }

    #[test]
    fn every_slug_in_the_table_is_a_chapter_and_appears_once() {
        let mut seen = std::collections::HashSet::new();
        for (slug, _) in TABLE {
            assert!(find(slug).is_some(), "the sources table names an unknown chapter {slug}");
            assert!(seen.insert(*slug), "chapter {slug} appears twice in the sources table");
        }
    }

    #[test]
    fn every_source_is_complete_and_linked_over_https() {
        for (slug, sources) in TABLE {
            let Sources::Cited(list) = sources else { continue };
            assert!(!list.is_empty(), "chapter {slug} cites an empty list; use Sources::Computed");
            for s in *list {
                assert!(s.url.starts_with("https://"), "{slug}: {} is not https", s.url);
                assert!(!s.url.contains(' '), "{slug}: {} has a space", s.url);
                assert!(
                    !s.cite.is_empty() && !s.for_what.is_empty(),
                    "{slug}: {} lacks text",
                    s.url
                );
            }
        }
    }
}
