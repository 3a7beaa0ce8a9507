//! The one list of chapters. The router, the table of contents, previous/next, embed codes and
//! the tests all read [`CHAPTERS`]; a slug, once shipped, never changes (teachers link to it).

use leptos::prelude::*;

mod agents;
mod arc;
mod attention;
mod backprop;
mod benchmarks;
mod chain_of_thought;
mod compute_per_token;
mod constitutional;
mod context_window;
mod cost;
mod dispel_the_magic;
mod distillation;
mod dpo;
mod embeddings;
mod function_calling;
mod gates;
mod hallucination;
mod in_context;
mod inference;
mod kv_cache;
mod loss;
mod memory;
mod mmoe;
mod moe;
mod move_37;
mod multimodal;
mod neural_net;
mod open_vs_closed;
mod operators_manual;
mod positions;
mod pretraining_data;
mod rag;
mod resources;
mod rl;
mod rlhf;
mod sampling;
mod scaling_laws;
mod security;
mod sft;
mod softmax;
pub mod sources;
mod spelling;
mod thinking;
mod tokens;
mod tools;
mod training;
mod why;

/// A group of chapters in the table of contents, in reading order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Overview,
    Phase1,
    Fundamentals,
    Architecture,
    Training,
    Inference,
    FineTuning,
    Reinforcement,
    Reasoning,
    Capabilities,
    Practice,
    Reality,
}

impl Part {
    /// Every part, in reading order.
    pub const ALL: [Part; 12] = [
        Part::Overview,
        Part::Phase1,
        Part::Fundamentals,
        Part::Architecture,
        Part::Training,
        Part::Inference,
        Part::FineTuning,
        Part::Reinforcement,
        Part::Reasoning,
        Part::Capabilities,
        Part::Practice,
        Part::Reality,
    ];

    /// The heading shown in the table of contents.
    pub fn label(self) -> &'static str {
        match self {
            Part::Overview => "Overview",
            Part::Phase1 => "Phase\u{a0}1: Pre\u{2011}training\u{a0}data",
            Part::Fundamentals => "Fundamentals",
            Part::Architecture => "Architecture",
            Part::Training => "Training",
            Part::Inference => "Inference",
            Part::FineTuning => "Phase\u{a0}2: Fine\u{2011}tuning",
            Part::Reinforcement => "Phase\u{a0}3: Reinforcement\u{a0}learning",
            Part::Reasoning => "Reasoning",
            Part::Capabilities => "Capabilities",
            Part::Practice => "Security & practice",
            Part::Reality => "Reality check",
        }
    }
}

/// One chapter of the guide.
#[derive(Clone, Copy)]
pub struct Chapter {
    /// The stable URL id: `/#/<slug>`.
    pub slug: &'static str,
    /// The heading.
    pub title: &'static str,
    /// The small label above the heading, as in the original guide ("Core", "Limitation", …).
    pub kicker: &'static str,
    /// Where it sits in the table of contents.
    pub part: Part,
    /// The chapter's key idea in one sentence, shown under the heading.
    pub idea: &'static str,
    /// Draws the chapter's body.
    pub body: fn() -> AnyView,
}

impl std::fmt::Debug for Chapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chapter").field("slug", &self.slug).finish_non_exhaustive()
    }
}

/// Every chapter, in reading order.
pub static CHAPTERS: &[Chapter] = &[
    Chapter {
        slug: "arc",
        title: "The Evolutionary Arc",
        kicker: "Overview",
        part: Part::Overview,
        idea: "A chatbot is made in three phases: pre-training builds a document simulator, fine-tuning turns it into an assistant, and reinforcement learning lets it discover strategies of its own.",
        body: || view! { <arc::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "pretraining-data",
        title: "Building the Internet Document Simulator",
        kicker: "Phase 1",
        part: Part::Phase1,
        idea: "Pre-training starts with the web, filtered stage by stage until what is left is clean, mostly English, de-duplicated text with the personal data removed.",
        body: || view! { <pretraining_data::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "tokens",
        title: "What Are Tokens?",
        kicker: "Fundamentals",
        part: Part::Fundamentals,
        idea: "A model never sees letters: text is cut into tokens, chunks of bytes that each get a number, and those numbers are all the network reads.",
        body: || view! { <tokens::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "embeddings",
        title: "Embeddings: Tokens as Geometry",
        kicker: "Fundamentals",
        part: Part::Fundamentals,
        idea: "Each token id selects a learned vector, and meaning lives in the directions and distances between those vectors.",
        body: || view! { <embeddings::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "spelling",
        title: "Why Models Can't Spell",
        kicker: "Limitation",
        part: Part::Fundamentals,
        idea: "Because letters are fused into token chunks, questions about individual characters are hard for a model that only ever sees the chunks.",
        body: || view! { <spelling::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "neural-net",
        title: "Neural Network Internals",
        kicker: "Core",
        part: Part::Fundamentals,
        idea: "A neural network is one large nested function: token ids go in, a probability for every possible next token comes out, and the knowledge sits in its weights.",
        body: || view! { <neural_net::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "attention",
        title: "The Transformer: Self-Attention",
        kicker: "Architecture",
        part: Part::Architecture,
        idea: "Self-attention lets every token look at every earlier token at once and take in a weighted mix of what it finds.",
        body: || view! { <attention::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "positions",
        title: "Positional Encoding",
        kicker: "Architecture",
        part: Part::Architecture,
        idea: "Attention by itself ignores order, so position has to be added: once as fixed waves, today mostly as rotations of the query and key vectors.",
        body: || view! { <positions::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "kv-cache",
        title: "The KV Cache",
        kicker: "Architecture",
        part: Part::Architecture,
        idea: "When generating, the keys and values of earlier tokens never change, so a model stores them and each new token costs one step instead of a whole recomputation.",
        body: || view! { <kv_cache::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "gates",
        title: "Gates",
        kicker: "Architecture",
        part: Part::Architecture,
        idea: "A gate is a number between 0 and 1 multiplied into a signal: the network learns what to let through and what to ignore.",
        body: || view! { <gates::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "moe",
        title: "Mixture of Experts",
        kicker: "Architecture",
        part: Part::Architecture,
        idea: "A mixture of experts holds many feed-forward blocks but sends each token through only a few, so capacity grows without the cost per token growing.",
        body: || view! { <moe::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "mmoe",
        title: "Multi-gate Mixture of Experts",
        kicker: "Architecture",
        part: Part::Architecture,
        idea: "Several tasks can share one pool of experts, each task with its own gate deciding how to mix them.",
        body: || view! { <mmoe::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "multimodal",
        title: "Multimodality",
        kicker: "Architecture",
        part: Part::Architecture,
        idea: "Images and sound enter a transformer the same way text does: cut into patches, each patch turned into a vector, a sequence of tokens.",
        body: || view! { <multimodal::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "training",
        title: "Training: How GPT Learns",
        kicker: "Core",
        part: Part::Training,
        idea: "Training repeats one loop over and over: predict the next token, measure how wrong the prediction was, and nudge every weight to be a little less wrong.",
        body: || view! { <training::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "backprop",
        title: "Backpropagation & Gradient Descent",
        kicker: "Core",
        part: Part::Training,
        idea: "Backpropagation finds how the loss changes with each weight, and gradient descent takes a small step downhill along it.",
        body: || view! { <backprop::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "loss",
        title: "Cross-Entropy Loss",
        kicker: "Core",
        part: Part::Training,
        idea: "The loss is minus the log of the probability the model gave to the token that actually came next; everything a model learns serves to lower it.",
        body: || view! { <loss::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "softmax",
        title: "Softmax",
        kicker: "Core",
        part: Part::Inference,
        idea: "Softmax turns any list of scores into probabilities: exponentiate each score, then divide by the sum.",
        body: || view! { <softmax::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "sampling",
        title: "Sampling",
        kicker: "Core",
        part: Part::Inference,
        idea: "A model gives a distribution, not a word: temperature, top‑k and top‑p decide how the next token is drawn from it.",
        body: || view! { <sampling::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "inference",
        title: "Inference",
        kicker: "Core",
        part: Part::Inference,
        idea: "Generation is a loop: run the model, pick one token, append it, and run again.",
        body: || view! { <inference::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "why",
        title: "Why Did It Say That?",
        kicker: "Interpretability",
        part: Part::Inference,
        idea: "The prediction is a sum you can take apart: read it after every layer, split the winning logit among the heads and MLPs that wrote it, and switch parts off to see what changes.",
        body: || view! { <why::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "compute-per-token",
        title: "The Token\u{2011}Compute Limit",
        kicker: "Limitation",
        part: Part::Inference,
        idea: "Every token gets about the same fixed amount of computation, so hard problems need more tokens, not harder thinking per token.",
        body: || view! { <compute_per_token::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "context-window",
        title: "Context Window Mechanics",
        kicker: "Limitation",
        part: Part::Inference,
        idea: "Attention compares every token with every other, so its cost grows with the square of the context length.",
        body: || view! { <context_window::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "sft",
        title: "Supervised Fine-Tuning",
        kicker: "Phase 2",
        part: Part::FineTuning,
        idea: "Fine-tuning on example conversations, wrapped in a chat template with special tokens, turns a document simulator into an assistant.",
        body: || view! { <sft::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "hallucination",
        title: "The Hallucination Reflex",
        kicker: "Limitation",
        part: Part::FineTuning,
        idea: "A model that has only seen confident answers imitates confidence, even about things it never learned.",
        body: || view! { <hallucination::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "rl",
        title: "Reinforcement Learning",
        kicker: "Phase 3",
        part: Part::Reinforcement,
        idea: "In reinforcement learning the model tries many answers and is trained on the ones that a checker marks correct.",
        body: || view! { <rl::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "move-37",
        title: "Breaking the Human Ceiling",
        kicker: "Potential",
        part: Part::Reinforcement,
        idea: "Imitation stops at the level of the teachers; optimizing for outcomes can go past them.",
        body: || view! { <move_37::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "rlhf",
        title: "The RLHF Illusion",
        kicker: "Caveat",
        part: Part::Reinforcement,
        idea: "Where no checker exists, a learned reward model stands in for human taste, and a strong optimizer learns to fool it.",
        body: || view! { <rlhf::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "dpo",
        title: "DPO vs PPO",
        kicker: "Phase 3",
        part: Part::Reinforcement,
        idea: "Direct preference optimization learns from chosen and rejected answers with one loss, without a separate reward model or RL loop.",
        body: || view! { <dpo::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "constitutional",
        title: "Constitutional\u{a0}AI &\u{a0}RLAIF",
        kicker: "Phase 3",
        part: Part::Reinforcement,
        idea: "A model can critique and revise its own answers against written principles, producing the preference data that humans used to label.",
        body: || view! { <constitutional::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "distillation",
        title: "Distillation",
        kicker: "Phase 3",
        part: Part::Reinforcement,
        idea: "A small student model learns fastest from the full probability distributions of a large teacher, not just its chosen answers.",
        body: || view! { <distillation::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "thinking",
        title: "Thinking Models",
        kicker: "Frontier",
        part: Part::Reinforcement,
        idea: "Reasoning models are trained to write out long chains of thought before answering, spending tokens as compute.",
        body: || view! { <thinking::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "chain-of-thought",
        title: "Chain of Thought",
        kicker: "Reasoning",
        part: Part::Reasoning,
        idea: "Writing the intermediate steps gives the model more forward passes, and more tokens to check itself, before it commits to an answer.",
        body: || view! { <chain_of_thought::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "in-context",
        title: "In-Context Learning",
        kicker: "Reasoning",
        part: Part::Reasoning,
        idea: "Large models can pick up a task from a few examples in the prompt, with no change to their weights.",
        body: || view! { <in_context::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "memory",
        title: "Vague Recollection vs Working Memory",
        kicker: "Architecture",
        part: Part::Reasoning,
        idea: "Knowledge in the weights is a lossy blur; text in the context window is exact and at hand.",
        body: || view! { <memory::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "tools",
        title: "Cognitive Prosthetics",
        kicker: "Capabilities",
        part: Part::Capabilities,
        idea: "Models are weak at exact work like arithmetic and counting, so they write a request to a tool and read back its exact result.",
        body: || view! { <tools::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "function-calling",
        title: "Function Calling",
        kicker: "Capabilities",
        part: Part::Capabilities,
        idea: "A function call is text the model writes in an agreed format; the program around it parses the call, runs the function and hands back the result.",
        body: || view! { <function_calling::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "rag",
        title: "Retrieval-Augmented Generation",
        kicker: "Capabilities",
        part: Part::Capabilities,
        idea: "Retrieval finds the passages most relevant to a question and puts them in the prompt, so the model answers from sources rather than memory.",
        body: || view! { <rag::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "agents",
        title: "Agents: LLMs in a Loop",
        kicker: "Capabilities",
        part: Part::Capabilities,
        idea: "An agent runs the model in a loop of thinking, acting and observing, and small error rates compound over many steps.",
        body: || view! { <agents::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "security",
        title: "Jailbreaks & Prompt Injection",
        kicker: "Security",
        part: Part::Practice,
        idea: "System prompt, user text and tool output reach the model as one stream of tokens, so instructions hidden in data can take control.",
        body: || view! { <security::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "operators-manual",
        title: "The Operator's Manual",
        kicker: "Practical",
        part: Part::Practice,
        idea: "Prompt for how the machine works: give it the facts, room to think, and tools for exact work.",
        body: || view! { <operators_manual::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "dispel-the-magic",
        title: "You Are Talking to a Simulation",
        kicker: "Reality",
        part: Part::Reality,
        idea: "Every reply is a draw from a probability distribution; ask again and the dice roll again.",
        body: || view! { <dispel_the_magic::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "scaling-laws",
        title: "Scaling Laws",
        kicker: "Reality",
        part: Part::Reality,
        idea: "Loss falls as a smooth power law in parameters, data and compute, which is why labs kept building bigger.",
        body: || view! { <scaling_laws::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "benchmarks",
        title: "Benchmarks &\u{a0}Evaluation",
        kicker: "Reality",
        part: Part::Reality,
        idea: "Benchmark scores are easy to inflate and often leak into training data; evaluate on your own work.",
        body: || view! { <benchmarks::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "cost",
        title: "Cost & Energy",
        kicker: "Reality",
        part: Part::Reality,
        idea: "Training costs about six floating-point operations per parameter per token, and that arithmetic runs on chips and electricity.",
        body: || view! { <cost::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "open-vs-closed",
        title: "Open vs Closed",
        kicker: "Reality",
        part: Part::Reality,
        idea: "Open-weight models can be run, studied and changed by anyone; closed models are reached only through an API.",
        body: || view! { <open_vs_closed::Chapter/> }.into_any(),
    },
    Chapter {
        slug: "resources",
        title: "Resources",
        kicker: "Reality",
        part: Part::Reality,
        idea: "The papers, tools and explainers this guide builds on, by topic.",
        body: || view! { <resources::Chapter/> }.into_any(),
    },
];

/// The chapter with this slug, if there is one.
pub fn find(slug: &str) -> Option<(usize, &'static Chapter)> {
    CHAPTERS.iter().enumerate().find(|(_, c)| c.slug == slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_46_chapters_with_unique_url_safe_slugs() {
        assert_eq!(CHAPTERS.len(), 46);
        let mut seen = std::collections::HashSet::new();
        for c in CHAPTERS {
            assert!(seen.insert(c.slug), "duplicate slug {}", c.slug);
            assert!(
                c.slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "slug {} is not URL-safe",
                c.slug
            );
            assert!(!c.title.is_empty() && c.idea.ends_with('.'), "chapter {} lacks text", c.slug);
        }
    }

    #[test]
    fn parts_appear_in_reading_order_and_none_is_empty() {
        let order: Vec<Part> = CHAPTERS.iter().map(|c| c.part).collect();
        let mut last = 0;
        for p in &order {
            let i = Part::ALL.iter().position(|q| q == p).unwrap();
            assert!(i >= last, "part {:?} appears out of order", p);
            last = i;
        }
        for p in Part::ALL {
            assert!(order.contains(&p), "part {:?} has no chapter", p);
        }
    }

    #[test]
    fn the_guide_starts_with_the_arc_and_ends_with_resources() {
        assert_eq!(CHAPTERS[0].slug, "arc");
        assert_eq!(CHAPTERS.last().map(|c| c.slug), Some("resources"));
        assert_eq!(find("kv-cache").map(|(i, _)| i), Some(8));
        assert!(find("no-such-chapter").is_none());
    }
}
