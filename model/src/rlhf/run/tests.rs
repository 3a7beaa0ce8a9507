use burn::tensor::Device;

use super::*;
use crate::gpt::weights;
use crate::rlhf::{PROMPTS, RmOptions, RmTrainer, best_of_n, penalised_pick};

fn encoding() -> Encoding {
    let path = crate::repo_file("public/model/tokenizer.json");
    Encoding::from_tokenizer_json(&std::fs::read(path).unwrap()).unwrap()
}

fn chat() -> Tumbler {
    weights::load(&crate::repo_file("public/model/chat"), &Device::flex()).unwrap()
}

fn dictionary() -> WordVectors {
    let path = crate::repo_file("public/vectors/glove-20k-50d.tgv");
    WordVectors::from_bytes(&std::fs::read(path).unwrap()).unwrap()
}

fn trained(chat: &Tumbler, enc: &Encoding) -> (RewardHead, Vec<PairFeatures>) {
    let features: Vec<PairFeatures> =
        PreferencePair::shipped().iter().map(|p| pair_features(chat, enc, p).unwrap()).collect();
    let mut t = RmTrainer::new(&features, RmOptions::PAGE);
    while !t.done() {
        t.step();
    }
    (t.head().clone(), features)
}

#[test]
fn features_are_the_mean_of_the_hidden_states_over_the_reply() {
    let (chat, enc) = (chat(), encoding());
    let prompt = enc.encode_with_special_tokens(&chat::prompt("Hi"));
    let reply = enc.encode("Hello there");
    let phi = features(&chat, &prompt, &reply);
    assert_eq!(phi.len(), chat.config.d_model);
    // The same mean from the hidden states of a plain forward pass over the whole text.
    let ids: Vec<u32> = prompt.iter().chain(&reply).copied().collect();
    let out = chat.forward_with(ids_tensor(&ids, &Device::flex()), ForwardOptions::default(), None);
    let c = chat.config.d_model;
    let hidden = out.hidden.into_data().try_to_vec::<f32>().unwrap();
    for k in 0..c {
        let mean =
            (prompt.len()..ids.len()).map(|t| hidden[t * c + k]).sum::<f32>() / reply.len() as f32;
        assert!((mean - phi[k]).abs() < 1e-5, "{k}: {mean} vs {}", phi[k]);
    }
}

#[test]
fn the_head_ranks_its_pairs_and_best_of_n_games_it() {
    let (chat, enc, dict) = (chat(), encoding(), dictionary());
    let (head, features) = trained(&chat, &enc);
    assert!(features.iter().all(|(w, l)| head.reward(w) > head.reward(l)));
    let options = SampleOptions { samples: 16, ..SampleOptions::PAGE };
    let run = |head: &RewardHead| {
        let mut s = Sampling::new((&chat, &dict), &enc, head, &PROMPTS, options).unwrap();
        let mut c = vec![Vec::new(); PROMPTS.len()];
        while let Some(next) = s.next_candidate() {
            let (k, _, candidate) = next.unwrap();
            c[k].push(candidate);
        }
        c
    };
    let candidates = run(&head);
    // Same seed, same replies and numbers.
    assert_eq!(candidates, run(&head));
    let points = best_of_n(&candidates);
    let (first, last) = (&points[0], points.last().unwrap());
    assert_eq!(last.n, 16);
    // What the chapter says, on its defaults: the reward rises with n at every step, the share of
    // English words falls from n = 1 to n = 16, and a KL penalty of β = 3 (the page's) stops early and keeps
    // more of it.
    assert!(points.windows(2).all(|w| w[1].reward > w[0].reward));
    assert!(last.quality < first.quality - 0.1, "{} → {}", first.quality, last.quality);
    assert_eq!(penalised_pick(&points, 0.0), Some(points.len() - 1));
    let held = &points[penalised_pick(&points, 3.0).unwrap()];
    assert!(held.n < last.n && held.quality > last.quality + 0.05, "{held:?}");
}
