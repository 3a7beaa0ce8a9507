//! The permutation check: shuffle a text's tokens and see what attention notices.

use crate::sampling::Rng;
#[cfg(feature = "gpt")]
pub(super) use compare::compare;

/// The shuffle of the permutation check: a seeded order of `0..t` that keeps the last index last
/// (the token whose next-token distribution is compared) and moves at least one other.
///
/// # Panics
/// If `t < 3`: with fewer tokens there is nothing to move.
pub fn shuffle_order(t: usize, seed: u64) -> Vec<usize> {
    assert!(t >= 3, "a shuffle needs at least three tokens");
    let mut order: Vec<usize> = (0..t - 1).collect();
    let mut rng = Rng::new(seed);
    for i in (1..order.len()).rev() {
        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    if order.iter().enumerate().all(|(i, &o)| i == o) {
        order.rotate_left(1);
    }
    order.push(t - 1);
    order
}

/// Comparing the two passes (they need the model, hence the `gpt` feature).
#[cfg(feature = "gpt")]
mod compare {
    use super::super::PermutationRun;
    use crate::generate::top_tokens;
    use crate::gpt::{Array, Trace};
    use crate::sampling::softmax_with_temperature;

    /// Next tokens each run names.
    const NAMED: usize = 5;

    /// The last token's attention in `attention` (nh, T, T), as (nh, T), with the keys put back in
    /// the original order through `order` (identity when `None`).
    fn last_row(attention: &Array, order: Option<&[usize]>) -> Array {
        let (nh, t) = (attention.shape[0], attention.shape[1]);
        let mut out = vec![0f32; nh * t];
        for h in 0..nh {
            for (j, &p) in attention.slice(&[h, t - 1]).iter().enumerate() {
                let original = order.map_or(j, |o| o[j]);
                out[h * t + original] = p;
            }
        }
        Array::new(vec![nh, t], out)
    }

    fn max_diff(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs()))
    }

    /// Compares the trace `a` of the original tokens with the trace `b` of the tokens shuffled by
    /// `order`, both with positions on or off.
    pub(in crate::inspect) fn compare(
        a: &Trace,
        b: &Trace,
        order: &[usize],
        positions: bool,
        name: impl Fn(u32) -> String,
    ) -> PermutationRun {
        let t = order.len();
        let original = last_row(&a.layers[0].attention, None);
        let back = last_row(&b.layers[0].attention, Some(order));
        let last = a.layers.len() - 1;
        let last_layer_diff = max_diff(
            &last_row(&a.layers[last].attention, None).data,
            &last_row(&b.layers[last].attention, Some(order)).data,
        );
        let pa = softmax_with_temperature(a.logits.slice(&[t - 1]), 1.0);
        let pb = softmax_with_temperature(b.logits.slice(&[t - 1]), 1.0);
        PermutationRun {
            positions,
            attention_diff: max_diff(&original.data, &back.data),
            original,
            shuffled: back,
            next_original: top_tokens(&pa, NAMED, &name),
            next_shuffled: top_tokens(&pb, NAMED, &name),
            prob_diff: max_diff(&pa, &pb),
            last_layer_diff,
        }
    }
}
