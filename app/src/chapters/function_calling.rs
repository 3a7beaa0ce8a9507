//! Function Calling.

use leptos::prelude::*;

use crate::calc::tool_call::{round_trip, schema_json};
use crate::url_state::text_param;
use crate::widgets::FlowStep;
use crate::widgets::walkthrough::Walkthrough;

const FLOW: &[FlowStep] = &[
    FlowStep { title: "Declare", detail: "tools as JSON schemas" },
    FlowStep { title: "Model writes", detail: "a JSON call" },
    FlowStep { title: "Your code", detail: "parses and validates" },
    FlowStep { title: "Run", detail: "the real function" },
    FlowStep { title: "Inject", detail: "result as a message" },
];

const EXPLAIN: &[&str] = &[
    "The prompt lists each tool: its name, what it does, and its arguments with their types.",
    "Fine-tuned on many conversations with tool calls, the model writes a call in the agreed \
     format instead of guessing the answer.",
    "The application reads the call: is it JSON, is the function declared, are the arguments \
     present and of the right types? A malformed call is answered with an error, not run.",
    "The application, not the model, executes the function.",
    "The result is appended as a tool-result message and the model continues, now with exact data.",
];

static PRESETS: [(&str, &str); 6] = [
    (
        "A good call",
        r#"{"name": "count_letter", "arguments": {"word": "strawberry", "letter": "r"}}"#,
    ),
    (
        "Dates",
        r#"{"name": "days_between", "arguments": {"from": "2024-01-01", "to": "2025-11-29"}}"#,
    ),
    ("Bad JSON", r#"{"name": "calculate", "arguments": {"expression": "3847 * 291"}"#),
    ("Unknown function", r#"{"name": "get_weather", "arguments": {"city": "Tokyo"}}"#),
    ("Missing argument", r#"{"name": "count_letter", "arguments": {"word": "strawberry"}}"#),
    ("Wrong type", r#"{"name": "calculate", "arguments": {"expression": 3847}}"#),
];

/// The body of the `function-calling` chapter.
#[component]
pub fn Chapter() -> impl IntoView {
    let call = text_param("call", PRESETS[0].1);
    let outcome =
        Memo::new(move |_| round_trip(&call.get()).map(|(c, v)| (c.tool.name, v.to_string())));
    let schema = serde_json::to_string_pretty(&schema_json()).unwrap_or_default();
    view! {
        <p>
            "“The model used a calculator” sounds like magic. The mechanism is plain: the model "
            "writes structured text, your code reads it, your code calls the function, and your "
            "code pastes the result back. The model never runs anything."
        </p>
        <Walkthrough steps=FLOW explain=EXPLAIN label="A function-calling round trip"/>
        <h2>"Try a round trip"</h2>
        <p>
            "Edit the tool call as if you were the model, or pick an example. The page parses it "
            "with a real JSON parser, checks it against the declared tools, runs the local "
            "function, and shows the message that would be injected."
        </p>
        <div class="panel fc-demo">
            <div class="fc-presets" role="group" aria-label="Example calls">
                {PRESETS.iter().map(|(name, text)| view! {
                    // Pressed while the box holds this example, as typed: an edit un-presses it.
                    <button type="button" aria-pressed=move || call.with(|c| c == *text).to_string() on:click=move |_| call.set((*text).to_owned())>{*name}</button>
                }).collect_view()}
            </div>
            <label for="fc-call">"The model's tool call"</label>
            <textarea id="fc-call" class="fc-input" rows="3" spellcheck="false"
                prop:value=move || call.get()
                on:input=move |ev| call.set(event_target_value(&ev))></textarea>
            <ol class="transcript" aria-live="polite">
                <li class="t-model"><span class="t-role">"model"</span><code>{move || format!("<tool_use>{}</tool_use>", call.get().replace("\": ", "\":\u{a0}"))}</code></li>
                {move || match outcome.get() {
                    Ok((name, json)) => view! {
                        <li class="t-app"><span class="t-role">"your code"</span>{format!("valid call; ran {name}(…) locally")}</li>
                        <li class="t-tool" data-tool-result=json.clone()><span class="t-role">"inject"</span><code>{format!("<tool_result>{json}</tool_result>")}</code></li>
                    }.into_any(),
                    Err(e) => view! {
                        <li class="t-app t-error" role="alert"><span class="t-role">"your code"</span>{format!("Rejected: {e}")}</li>
                        <li class="t-tool"><span class="t-role">"inject"</span><code>{format!("<tool_result>{{\"error\": {}}}</tool_result>", serde_json::Value::String(e.to_string()))}</code></li>
                    }.into_any(),
                }}
            </ol>
            <details class="fc-schema">
                <summary>"The declared tools (JSON schema shown to the model)"</summary>
                <pre><code>{schema}</code></pre>
            </details>
        </div>
        <p>
            "An error goes back to the model too: a well-trained model reads it and writes a "
            "corrected call."
        </p>
        <h2>"What was trained"</h2>
        <p>
            "In fine-tuning the model saw thousands of conversations in which the assistant wrote a "
            "well-formed call when an answer needed outside data or action, and then used the "
            "result. It learned when to call, and to write the call in exactly the agreed format."
        </p>
        <h2>"MCP: one plug for many tools"</h2>
        <p>
            "Anthropic's Model Context Protocol (2024) standardizes how an application exposes "
            "tools, files and data to a model: a server describes what it offers, and any "
            "MCP-capable client can discover and call it, instead of each app wiring each tool by hand."
        </p>
        <div class="callout">
            <strong>"The mental model. "</strong>
            "The model is not calling a function; it is writing a request that looks like one. "
            "Your code is the hands. The model decides when hands are needed."
        </div>
    }
}
