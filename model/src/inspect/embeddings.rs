//! The embedding map: the reader's tokens among the rows of the embedding matrix.

use super::{EmbeddedToken, EmbeddingMap, MAX_EMBEDDED_TOKENS, NEIGHBOURS, SimilarToken};
use crate::vectors::{nearest, pca_2d, unit_rows};

/// The embedding matrix and its 2-D projection: computed once per model, asked many times.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingSpace {
    /// C, numbers per row.
    dims: usize,
    /// (V, C): one row per token the tokenizer can produce.
    rows: Vec<f32>,
    /// The rows at unit length.
    unit: Vec<f32>,
    /// Every row projected onto the matrix's first two principal components.
    points: Vec<[f32; 2]>,
    /// The share of the variance each component explains.
    explained: [f32; 2],
}

impl EmbeddingSpace {
    /// The space of `rows`, (V, C) row-major with C = `dims`.
    pub fn new(rows: Vec<f32>, dims: usize) -> Self {
        let unit = unit_rows(&rows, dims);
        let projection = pca_2d(&rows, dims);
        Self { dims, rows, unit, points: projection.points, explained: projection.explained }
    }

    /// Rows in the space.
    pub fn len(&self) -> usize {
        self.rows.len() / self.dims
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The first [`MAX_EMBEDDED_TOKENS`] distinct tokens of `ids` (ids past the matrix are left
    /// out), each with its row, point and [`NEIGHBOURS`] nearest tokens by cosine; `name` spells
    /// a token id.
    pub fn map(&self, ids: &[u32], name: impl Fn(u32) -> String) -> EmbeddingMap {
        let c = self.dims;
        let mut seen = Vec::new();
        for &id in ids {
            if !seen.contains(&id) && (id as usize) < self.len() && seen.len() < MAX_EMBEDDED_TOKENS
            {
                seen.push(id);
            }
        }
        let tokens = seen
            .iter()
            .map(|&id| {
                let i = id as usize;
                let unit = &self.unit[i * c..(i + 1) * c];
                let neighbours = nearest(&self.unit, c, unit, NEIGHBOURS, &[i])
                    .into_iter()
                    .map(|n| SimilarToken {
                        id: n.index as u32,
                        text: name(n.index as u32),
                        cosine: n.cosine,
                    })
                    .collect();
                EmbeddedToken {
                    id,
                    text: name(id),
                    row: self.rows[i * c..(i + 1) * c].to_vec(),
                    point: self.points[i],
                    neighbours,
                }
            })
            .collect();
        EmbeddingMap {
            tokens,
            total_tokens: ids.len(),
            points: self.points.clone(),
            explained: self.explained,
            millis: 0.0,
        }
    }
}
