//! The token embedding, shared with the output head ("weight tying", Press & Wolf 2017): the same
//! (V, C) matrix turns ids into vectors at the bottom and vectors into logits at the top.

use burn::module::{Module, Param};
use burn::tensor::{Int, Tensor};

/// One learned row of C numbers per token id.
#[derive(Module, Debug)]
pub struct TokenEmbedding {
    /// The embedding matrix, (V, C).
    pub weight: Param<Tensor<2>>,
}

impl TokenEmbedding {
    /// Looks up each id's row.
    ///
    /// # Shapes
    /// - ids: (B, T)
    /// - output: (B, T, C)
    pub fn forward(&self, ids: Tensor<2, Int>) -> Tensor<3> {
        let [b, t] = ids.dims();
        let [_, c] = self.weight.val().dims();
        let rows = self.weight.val().select(0, ids.reshape([b * t])); // (B*T, C)
        rows.reshape([b, t, c])
    }

    /// The tied output head: a score for every vocabulary entry, x · Eᵀ.
    ///
    /// # Shapes
    /// - x: (B, T, C)
    /// - output: (B, T, V)
    pub fn logits(&self, x: Tensor<3>) -> Tensor<3> {
        let weight = self.weight.val().transpose().unsqueeze::<3>(); // (1, C, V)
        x.matmul(weight) // (B, T, V)
    }
}
