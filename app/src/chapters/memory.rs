//! Vague Recollection vs Working Memory.

use leptos::prelude::*;

mod live;

/// The body of the `memory` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {
        <p>
            "Think of a book you read six months ago. You remember the gist; details are fuzzy, and "
            "you may “remember” a scene that was never in it. Now someone hands you the book, open "
            "at the right page. You read the paragraph and answer exactly. A language model has "
            "the same two kinds of memory."
        </p>
        <div class="panel mem-grid">
            <div class="mem-card mem-weights">
                <h3>"The parameters: long-term, lossy"</h3>
                <p>
                    "Everything learned in training is compressed into billions of weights. Trillions "
                    "of tokens do not fit into them word for word, so what survives is a blur: general "
                    "patterns kept, specific details mixed up."
                </p>
                <p class="mem-example">
                    "“What year was the company founded?” → the model recalls “around 2015” and may "
                    "say 2014 or 2016, with full confidence."
                </p>
            </div>
            <div class="mem-card mem-context">
                <h3>"The context window: working memory, exact"</h3>
                <p>
                    "The prompt, pasted documents and the conversation so far are tokens the model "
                    "attends to directly at every step. Nothing has to be recalled; it is all on the "
                    "page in front of it."
                </p>
                <p class="mem-example">
                    "“Here is the company's history page: […]. What year was it founded?” → the "
                    "model copies the year from the text."
                </p>
            </div>
        </div>
        <p class="seed-note">
            "Reading from the context is far more reliable than recall, but not perfect: models can "
            "still misread, skip facts in the middle of a long context, or mix pasted text with what "
            "they remember."
        </p>
        <live::LiveMemory/>
        <h2>"Using it"</h2>
        <p>
            "Most people use a chat model like a search engine, asking it to recall. Careful users "
            "paste the source and ask about it. The second habit moves the question from the fuzzy "
            "memory to the exact one; "<a href="#/rag">"retrieval-augmented generation"</a>" does "
            "the same automatically."
        </p>
        <div class="callout">
            <strong>"Rule of thumb. "</strong>
            "Don't ask a model to remember what you can show it. Context is working memory; "
            "parameters are a vague recollection."
        </div>
    }
}
