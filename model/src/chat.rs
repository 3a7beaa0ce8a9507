//! The chat template (ChatML, as in OpenAI's and Qwen's chat models): each turn is
//! `<|im_start|>role\ntext<|im_end|>\n`. Supervised fine-tuning trains on it, the CLI and the page
//! write prompts with it, and the `sft` chapter shows it tokenized.

/// Opens a turn; a single token in the Tumbler's vocabulary.
pub const IM_START: &str = "<|im_start|>";
/// Closes a turn; the chat model stops generating when it writes this.
pub const IM_END: &str = "<|im_end|>";

/// Who speaks in a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One complete turn in the template.
pub fn turn(role: Role, text: &str) -> String {
    format!("{IM_START}{}\n{text}{IM_END}\n", role.as_str())
}

/// A conversation rendered turn by turn.
pub fn render(turns: &[(Role, &str)]) -> String {
    turns.iter().map(|&(role, text)| turn(role, text)).collect()
}

/// What the model is given to answer `user`: the user's turn, then the opening of the assistant's.
pub fn prompt(user: &str) -> String {
    format!("{}{IM_START}{}\n", turn(Role::User, user), Role::Assistant.as_str())
}

/// What the assistant's reply looks like in the template after [`prompt`]: the text, the closing
/// token and the newline.
pub fn reply(assistant: &str) -> String {
    format!("{assistant}{IM_END}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_and_reply_make_the_two_turns() {
        let whole = render(&[(Role::User, "Hi?"), (Role::Assistant, "Hello.")]);
        assert_eq!(
            whole,
            "<|im_start|>user\nHi?<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n"
        );
        assert_eq!(format!("{}{}", prompt("Hi?"), reply("Hello.")), whole);
    }
}
