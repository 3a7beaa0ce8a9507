use burn::tensor::Device;

use super::*;
use crate::chat::{self, IM_END};
use crate::dpo::{DpoError, PairIds};
use crate::gpt::{ids_tensor, weights};

fn encoding() -> Encoding {
    let path = crate::repo_file("public/model/tokenizer.json");
    Encoding::from_tokenizer_json(&std::fs::read(path).unwrap()).unwrap()
}

/// The shipped base (reference) and chat (policy) models.
fn models() -> (Tumbler, Tumbler) {
    let load = |name: &str| {
        weights::load(&crate::repo_file(&format!("public/model/{name}")), &Device::flex()).unwrap()
    };
    (load("chat"), load("base"))
}

fn pair(enc: &Encoding) -> PairIds {
    PairIds::new(
        enc,
        "What is AI?",
        "AI is the field of science that builds machines which think.",
        "Sort of.",
        256,
    )
    .unwrap()
}

/// Σ log-softmax of the reply's targets, read back from one plain forward pass and added in f64.
fn reference_sum(model: &Tumbler, prompt: &[u32], reply: &[u32]) -> f64 {
    let ids: Vec<u32> = prompt.iter().chain(reply).copied().collect();
    let device = Device::flex();
    let logits = model.forward(ids_tensor(&ids, &device)); // (1, T, V)
    let v = logits.dims()[2];
    let data = logits.into_data().try_to_vec::<f32>().unwrap();
    (0..reply.len())
        .map(|i| {
            let row = &data[(prompt.len() - 1 + i) * v..][..v];
            let max = row.iter().fold(f64::MIN, |m, &x| m.max(f64::from(x)));
            let log_z = max + row.iter().map(|&x| (f64::from(x) - max).exp()).sum::<f64>().ln();
            f64::from(row[reply[i] as usize]) - log_z
        })
        .sum()
}

#[test]
fn replies_are_tokenized_as_fine_tuning_saw_them() {
    let enc = encoding();
    let p = pair(&enc);
    assert_eq!(p.prompt, enc.encode_with_special_tokens(&chat::prompt("What is AI?")));
    // SFT's reply is the text, <|im_end|> and a newline; the scored reply stops at <|im_end|>.
    let sft = enc.encode_with_special_tokens(&chat::reply("Sort of."));
    assert_eq!(p.rejected[..], sft[..sft.len() - 1]);
    assert_eq!(*p.rejected.last().unwrap(), chat::special_id(&enc, IM_END).unwrap());
    // A typed marker stays text.
    let forged = PairIds::new(&enc, "hi", "a<|im_end|>b", "c", 256).unwrap();
    assert_eq!(forged.chosen.iter().filter(|&&id| id == *p.rejected.last().unwrap()).count(), 1);
}

#[test]
fn bad_pairs_get_clear_errors() {
    let enc = encoding();
    assert_eq!(PairIds::new(&enc, " ", "a", "b", 256), Err(DpoError::Empty("prompt")));
    assert_eq!(PairIds::new(&enc, "q", "", "b", 256), Err(DpoError::Empty("chosen reply")));
    assert_eq!(PairIds::new(&enc, "q", "a", "a", 256), Err(DpoError::Same));
    let long = "word ".repeat(300);
    let err = PairIds::new(&enc, "q", "a", &long, 256).unwrap_err();
    assert!(matches!(err, DpoError::TooLong { which: "rejected", context: 256, .. }), "{err}");
    assert!(err.to_string().contains("at most 256"), "{err}");
}

#[test]
fn the_log_prob_sum_is_the_sum_of_per_token_log_softmax() {
    let enc = encoding();
    let (chat, base) = models();
    let p = pair(&enc);
    let s = score(&chat, &base, &p, 0.1);
    assert_eq!(s.policy.chosen.len(), p.chosen.len());
    assert_eq!(s.reference.rejected.len(), p.rejected.len());
    assert!(
        s.policy.chosen.iter().chain(&s.reference.rejected).all(|&x| x <= 0.0 && x.is_finite())
    );
    for (model, logps) in [(&chat, &s.policy), (&base, &s.reference)] {
        let (c, r) = logps.sums();
        let (rc, rr) = (
            reference_sum(model, &p.prompt, &p.chosen),
            reference_sum(model, &p.prompt, &p.rejected),
        );
        assert!((c - rc).abs() < 1e-3, "chosen {c} vs {rc}");
        assert!((r - rr).abs() < 1e-3, "rejected {r} vs {rr}");
    }
    let t = s.terms;
    assert_eq!(t.logps.policy_chosen, s.policy.sums().0);
    assert_eq!(t.logps.ref_rejected, s.reference.sums().1);
    eprintln!("before: {t:?}");
    // The chat model was fine-tuned on replies in this template: it finds them likelier than the
    // base model does.
    assert!(t.ratio_chosen > 0.0, "{t:?}");
}

#[test]
fn steps_lower_the_loss_and_leave_the_policy_alone() {
    let enc = encoding();
    let (chat, base) = models();
    let before = score(&chat, &base, &pair(&enc), 0.1);
    let mut run = DpoRun::new(&chat, &base, pair(&enc), DpoOptions::PAGE);
    assert_eq!(run.score(), before, "the copy starts as the chat model");
    let steps: Vec<DpoTerms> = (0..6).map(|_| run.step()).collect();
    assert_eq!(run.steps(), 6);
    let after = run.score().terms;
    assert_eq!(after, steps[5], "a step's terms are the copy's after it");
    let mut losses = vec![before.terms.loss];
    losses.extend(steps.iter().map(|t| t.loss));
    for t in &steps {
        eprintln!(
            "loss {:.4} margin {:+.4} chosen {:.3} rejected {:.3}",
            t.loss, t.margin, t.logps.policy_chosen, t.logps.policy_rejected
        );
    }
    for w in losses.windows(2) {
        assert!(w[1] < w[0], "the loss falls every step: {losses:?}");
    }
    assert!(after.margin > before.terms.margin + 0.5, "{} → {}", before.terms.margin, after.margin);
    assert!(
        after.logps.policy_chosen - after.logps.policy_rejected
            > before.terms.logps.policy_chosen - before.terms.logps.policy_rejected,
        "the chosen reply gains on the rejected one"
    );
    // The chat model itself is unchanged: only the copy learnt.
    assert_eq!(score(&chat, &base, &pair(&enc), 0.1), before);
    let reply = run.greedy(&enc, 24);
    assert!(reply.len() <= 24);
}

#[test]
fn runs_repeat_exactly() {
    let enc = encoding();
    let (chat, base) = models();
    let losses = || {
        let mut run = DpoRun::new(&chat, &base, pair(&enc), DpoOptions { beta: 0.5, lr: 1e-4 });
        (0..3).map(|_| run.step().loss).collect::<Vec<f64>>()
    };
    assert_eq!(losses(), losses());
}

#[test]
fn greedy_replies_end_before_im_end() {
    let enc = encoding();
    let (chat, _) = models();
    let p = pair(&enc);
    let reply = greedy_reply(&chat, &enc, &p.prompt, 40);
    let end = chat::special_id(&enc, IM_END).unwrap();
    assert!(!reply.is_empty() && !reply.contains(&end), "{reply:?}");
    eprintln!("chat model: {}", crate::generate::Vocab::decode_lossy(&enc, &reply));
}
