//! Open vs Closed.

use leptos::prelude::*;

/// The body of the `open-vs-closed` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    view! {
        <p>
            "There are two ways to get a large language model. You can call one over an API, "
            "never seeing its weights, or you can download the weights and run, study and "
            "fine-tune the model yourself. The gap between the two worlds has narrowed quickly."
        </p>
        <div class="ovc-grid">
            <section class="panel">
                <h2>"Closed frontier"</h2>
                <p>"Weights stay with the lab; you send text and get text back."</p>
                <ul>
                    <li>"OpenAI: GPT-4, GPT-4o, the o-series"</li>
                    <li>"Anthropic: Claude (Opus, Sonnet, Haiku)"</li>
                    <li>"Google: Gemini"</li>
                    <li>"xAI: Grok"</li>
                </ul>
                <p class="ovc-plus">"+ Usually the strongest models; no infrastructure to run."</p>
                <p class="ovc-minus">"− Your data leaves your network; the model can change under you; lock-in."</p>
            </section>
            <section class="panel">
                <h2>"Open weights"</h2>
                <p>"The trained weights are published; you run them where you like."</p>
                <ul>
                    <li>"Meta: Llama 3"</li>
                    <li>"Mistral: Mistral, Mixtral"</li>
                    <li>"DeepSeek: V3, R1"</li>
                    <li>"Alibaba: the Qwen family, from 0.5B parameters up"</li>
                    <li>"Google: Gemma"</li>
                </ul>
                <p class="ovc-plus">"+ Privacy, control, no per\u{2011}token bill, fine\u{2011}tuning, auditing."</p>
                <p class="ovc-minus">"− You need GPUs and the skills to serve them; typically some months behind the frontier."</p>
            </section>
        </div>
        <h2>"“Open” has an asterisk"</h2>
        <p>
            "Open weights are not open source. A fully open model also publishes its training "
            "code and data, so the run can be reproduced. Few projects do (AI2's OLMo and "
            "BigScience's BLOOM are examples). Llama, Mistral and DeepSeek release weights but "
            "not data, and some licences restrict commercial use."
        </p>
        <p>
            "The Tumbler in this guide is open in the full sense: its training code, its data "
            "pipeline and its weights are all in the project."
        </p>
        <div class="callout">
            <strong>"The trend. "</strong>
            "DeepSeek-V3 (December 2024) matched GPT-4o on many benchmarks; its report puts the "
            "final training run at 2.788\u{a0}million H800 GPU-hours, about $5.6\u{a0}million at $2 an hour, "
            "not counting the research and experiments before it. For most applications the question is no longer whether "
            "open can match closed, but whether running it yourself costs less than the API bill."
        </div>
    }
}
