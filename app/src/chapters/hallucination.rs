//! The Hallucination Reflex.

mod live;

use leptos::prelude::*;

/// The body of the `hallucination` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {
        <p>
            "Fine-tuning teaches a model to answer the way expert writers answer: directly, in full "
            "sentences, without hedging. The examples it imitates were written by people who knew "
            "the answers. The model copies the tone of those answers, not the knowing."
        </p>
        <div class="panel hallu-grid">
            <div>
                <h3>"Known names"</h3>
                <p class="hallu-q">"“Who is Tom Cruise?”"</p>
                <p class="hallu-q">"“Who is Genghis Khan?”"</p>
                <p>"Thousands of web pages mention them. The weights hold a dense, consistent "
                   "picture, and the confident answer is also a correct one."</p>
            </div>
            <div>
                <h3>"An unknown name"</h3>
                <p class="hallu-q">"“Who is Orson Kovats?”"</p>
                <p>"The name appears nowhere the model was trained on. The weights hold nothing "
                   "specific, but the pattern “Who is X? → X is a …” is strong."</p>
            </div>
            <div>
                <h3>"The reflex"</h3>
                <p class="hallu-a">"“He's a sci-fi writer.”"</p>
                <p class="hallu-a">"“He's a minor league baseball player.”"</p>
                <p>"Ask twice, get two different lives, each stated with the same confidence. "
                   "That disagreement between samples is itself a useful warning sign."</p>
            </div>
        </div>
        <h2>"Why it happens"</h2>
        <p>
            "Each next token is drawn from a probability distribution. For a well-known person, "
            "the distribution over the next words is sharp: most of the probability sits on the "
            "true facts. For an unknown one it is flat across many plausible continuations, yet "
            "sampling still picks one, and the sentence around it reads as fluently as a fact."
        </p>
        <p>
            "Nothing in plain imitation teaches the model to notice that flatness and say "
            "“I don't know.” The training answers never said it, because their writers did know."
        </p>
        <h2>"How labs teach the refusal"</h2>
        <p>
            "Modern assistants are probed for the edges of their knowledge: ask the model about "
            "many facts, check its answers against a source, and where it is reliably wrong, add "
            "training conversations in which the assistant answers “I'm not sure” or reaches for a "
            "search tool instead. The model learns to link an internal sense of uncertainty to a "
            "refusal. It is a learned reflex, so it is imperfect in both directions."
        </p>
        <div class="callout">
            <strong>"Key insight. "</strong>
            "A model that has only seen confident answers will be confident about gaps in its "
            "memory. Calibration has to be trained in on purpose, and the safest fix is to put the "
            "facts in the prompt (see "<a href="#/memory">"working memory"</a>" and "
            <a href="#/rag">"retrieval"</a>")."
        </div>
        <live::NamesLive/>
    }
}
