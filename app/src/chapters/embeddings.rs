//! Embeddings: token ids become learned vectors, and meaning becomes geometry.

pub(crate) mod arithmetic;
mod tumbler;

use leptos::prelude::*;

use crate::widgets::Math;
use arithmetic::WordArithmetic;
use tumbler::TumblerEmbeddings;

const COSINE: &str = "<mrow><mi>cos</mi><mo>⁡</mo><mi>θ</mi><mo>=</mo><mfrac><mrow><mi mathvariant=\"bold\">a</mi>\
<mo>⋅</mo><mi mathvariant=\"bold\">b</mi></mrow><mrow><mo>‖</mo><mi mathvariant=\"bold\">a</mi><mo>‖</mo>\
<mo>⁢</mo><mo>‖</mo><mi mathvariant=\"bold\">b</mi><mo>‖</mo></mrow></mfrac></mrow>";

/// The body of the `embeddings` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {
        <p>
            "A token id is an index into a table, nothing more. Two ids that are numerically close \
             need not mean anything alike; neighbouring ids are often unrelated words. So the \
             model's first step turns each id into a vector: row " <i>"id"</i> " of a learned \
             " <strong>"embedding matrix"</strong> " of shape (V, C), V tokens by C numbers."
        </p>
        <p>
            "Nobody writes those numbers. They start random and training moves them, so that tokens \
             used in similar ways end up with similar vectors. GPT-2 small uses 768 numbers per \
             token; GPT-3 175B uses 12,288."
        </p>
        <p class="seed-note">
            "12,288, often quoted as GPT-4's width, is GPT-3 175B's published width; GPT-4's is not \
             public. Ids quoted for words depend on the tokenizer: in GPT-4's, 3466 and 3290 are \
             not “cat” and “Dog” (3290 is “␣dog”, with its space, in GPT-2's)."
        </p>
        <h2>"Directions carry meaning"</h2>
        <p>
            "In good embeddings, relationships become directions. The famous example from word2vec: \
             vec(king) − vec(man) + vec(woman) lands closest to vec(queen). Gender, plural, tense and \
             country-to-capital show up as consistent offsets, learned without anyone programming them."
        </p>
        <h2>"Cosine similarity"</h2>
        <Math parts=&[COSINE] label="cosine of theta equals a dot b over the length of a times the length of b"/>
        <p>
            "Similarity between two vectors is measured by the angle between them: 1 for the same \
             direction, 0 for unrelated, −1 for opposite. The same measure drives semantic search, \
             retrieval for RAG and recommendation."
        </p>
        <div class="callout">
            <strong>"Key insight: "</strong>
            "everything a transformer does afterwards, attention included, is arithmetic on these \
             vectors. Meaning inside the model is geometry."
        </div>
        <TumblerEmbeddings/>
        <WordArithmetic/>
    }
}
