//! Supervised fine-tuning data: question/answer pairs written in the chat template
//! ([`crate::chat`]), tokenized with the loss counted only on the assistant's reply.

use burn::tensor::{Device, Tensor, TensorData};

use super::Batch;
use crate::chat;
use crate::gpt::Tumbler;
use crate::sampling::Rng;
use crate::tokenizer::Encoding;

/// One conversation to learn from: a user's question and the reply to imitate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pair {
    /// Where the pair comes from (`chatterbot`, `wordnet`, `python-faq`).
    pub source: String,
    pub user: String,
    pub assistant: String,
}

/// A tokenized pair: the ids of prompt + reply and, per id, whether the loss counts it as a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub ids: Vec<u32>,
    /// `learn[i]`: id `i` is part of the assistant's reply (so predicting it is trained).
    pub learn: Vec<bool>,
}

impl Example {
    /// Tokenizes `pair` in the chat template, cut to `max_len` ids.
    pub fn new(enc: &Encoding, pair: &Pair, max_len: usize) -> Self {
        let prompt = enc.encode_with_special_tokens(&chat::prompt(&pair.user));
        let reply = enc.encode_with_special_tokens(&chat::reply(&pair.assistant));
        let mut learn = vec![false; prompt.len()];
        learn.extend(std::iter::repeat_n(true, reply.len()));
        let mut ids = prompt;
        ids.extend(reply);
        ids.truncate(max_len);
        learn.truncate(max_len);
        Self { ids, learn }
    }

    /// Whether any reply token survives (a prompt longer than the window teaches nothing).
    pub fn teaches(&self) -> bool {
        self.learn.iter().skip(1).any(|&l| l)
    }
}

/// `b` examples drawn by (seed, step), padded with `pad` to the longest (at most `t + 1` ids);
/// targets are the next ids, masked to the reply tokens.
pub fn batch(examples: &[Example], b: usize, t: usize, pad: u32, seed: u64, step: u64) -> Batch {
    let mut rng = Rng::new(seed ^ step.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let picked: Vec<&Example> =
        (0..b).map(|_| &examples[(rng.next_u64() % examples.len() as u64) as usize]).collect();
    pack(&picked, t, pad)
}

/// Every example once, in order, in batches of `b` (the last one may be smaller).
pub fn sequential(examples: &[Example], b: usize, t: usize, pad: u32) -> Vec<Batch> {
    examples.chunks(b).map(|c| pack(&c.iter().collect::<Vec<_>>(), t, pad)).collect()
}

fn pack(examples: &[&Example], t: usize, pad: u32) -> Batch {
    let len = examples.iter().map(|e| e.ids.len().min(t + 1)).max().unwrap_or(2).max(2) - 1;
    let (mut inputs, mut targets, mut mask) = (Vec::new(), Vec::new(), Vec::new());
    for e in examples {
        let n = e.ids.len().min(len + 1);
        for i in 0..len {
            let here = i + 1 < n;
            inputs.push(i64::from(if i < n { e.ids[i] } else { pad }));
            targets.push(i64::from(if here { e.ids[i + 1] } else { pad }));
            mask.push(if here && e.learn[i + 1] { 1.0 } else { 0.0 });
        }
    }
    Batch { inputs, targets, mask: Some(mask), b: examples.len(), t: len }
}

/// Mean loss over the reply tokens of `examples`, in nats per token (weighted by token count).
pub fn evaluate(model: &Tumbler, examples: &[Example], t: usize, pad: u32, device: &Device) -> f64 {
    let (mut sum, mut count) = (0.0f64, 0.0f64);
    for batch in sequential(examples, 16, t, pad) {
        let mask = batch.mask.clone().unwrap_or_default();
        let n: f32 = mask.iter().sum();
        if n == 0.0 {
            continue;
        }
        let x = Tensor::from_data(TensorData::new(batch.inputs, [batch.b, batch.t]), device);
        let y = Tensor::from_data(TensorData::new(batch.targets, [batch.b, batch.t]), device);
        let m = Tensor::from_data(TensorData::new(mask, [batch.b, batch.t]), device);
        let loss = model.masked_loss(x, y, m).into_scalar::<f32>();
        sum += f64::from(loss) * f64::from(n);
        count += f64::from(n);
    }
    sum / count.max(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gpt::TumblerConfig;
    use crate::train::schedule::Schedule;
    use crate::train::{TrainConfig, run};

    fn encoding() -> Encoding {
        let json = std::fs::read(crate::repo_file("public/model/tokenizer.json")).unwrap();
        Encoding::from_tokenizer_json(&json).unwrap()
    }

    fn pair(user: &str, assistant: &str) -> Pair {
        Pair { source: "test".into(), user: user.into(), assistant: assistant.into() }
    }

    #[test]
    fn only_the_reply_is_learned_and_specials_are_single_ids() {
        let enc = encoding();
        let e = Example::new(&enc, &pair("What is 2+2?", "4."), 512);
        let text = enc.decode(&e.ids).unwrap();
        assert_eq!(
            text,
            "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4.<|im_end|>\n"
        );
        assert_eq!(e.ids.iter().filter(|&&i| i == 1).count(), 2, "two <|im_start|> ids");
        let learned: Vec<u32> =
            e.ids.iter().zip(&e.learn).filter(|(_, l)| **l).map(|(&i, _)| i).collect();
        assert_eq!(enc.decode(&learned).unwrap(), "4.<|im_end|>\n");
    }

    #[test]
    fn batches_mask_padding_and_prompt() {
        let enc = encoding();
        let short = Example::new(&enc, &pair("Hi", "Hello."), 512);
        let long = Example::new(&enc, &pair("What does dog mean?", "A domestic animal."), 512);
        let b = pack(&[&short, &long], 64, 0);
        assert_eq!(b.t, long.ids.len() - 1);
        let mask = b.mask.unwrap();
        let counted: f32 = mask.iter().sum();
        let replies =
            short.learn.iter().filter(|&&l| l).count() + long.learn.iter().filter(|&&l| l).count();
        assert_eq!(counted as usize, replies);
        // Past the short example's end, nothing is counted.
        assert!(mask[short.ids.len() - 1..b.t].iter().all(|&m| m == 0.0));
    }

    #[test]
    fn fine_tuning_lowers_the_reply_loss() {
        let enc = encoding();
        let examples: Vec<Example> = ["red", "blue", "green"]
            .iter()
            .map(|c| Example::new(&enc, &pair(&format!("Name a colour like {c}."), c), 64))
            .collect();
        let model = TumblerConfig { vocab_size: enc.vocab_size(), ..TumblerConfig::tiny() };
        let cfg = TrainConfig {
            model,
            batch_size: 3,
            seq_len: 32,
            schedule: Schedule { max_lr: 1e-2, min_lr: 1e-3, warmup_steps: 1, total_steps: 12 },
            weight_decay: 0.0,
            grad_clip: 1.0,
            eval_every: 12,
            eval_batches: 0,
            log_every: 12,
            seed: 3,
        };
        let dir = std::env::temp_dir().join(format!("tumbler-sft-test-{}", std::process::id()));
        let device = Device::flex();
        let start = Tumbler::init(&cfg.model, 3, &device).unwrap();
        let before = evaluate(&start, &examples, 32, 0, &device);
        let (tuned, _) = run(
            &cfg,
            &dir,
            None,
            |d| Ok(Tumbler::init(&cfg.model, 3, d)?),
            |step| batch(&examples, 3, 32, 0, 3, step),
            |m, d| evaluate(m, &examples, 32, 0, d),
        )
        .unwrap();
        let after = evaluate(&tuned, &examples, 32, 0, &device);
        std::fs::remove_dir_all(&dir).ok();
        assert!(after < before - 0.5, "reply loss {before} → {after}");
    }
}
