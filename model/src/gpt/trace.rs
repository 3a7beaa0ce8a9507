//! What one forward pass saw, as plain data: the boundary between the model and the page.
//!
//! Widgets draw a [`Trace`] or slices of it and never hold the model or a tensor. Every array is
//! an [`Array`]: row-major `f32` values plus a shape, which serialises as nested JSON arrays
//! (`[[...], [...]]`) so that the JSON reads the way the shapes in the prose are written.

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A dense row-major `f32` array with its shape.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Array {
    /// Size of each axis, outermost first.
    pub shape: Vec<usize>,
    /// `shape.iter().product()` values, last axis fastest.
    pub data: Vec<f32>,
}

impl Array {
    /// Wraps `data` with `shape`.
    ///
    /// # Panics
    /// If the shape does not hold exactly `data.len()` values (a bug in the caller's tensor code).
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Self {
        assert_eq!(
            shape.iter().product::<usize>(),
            data.len(),
            "shape {shape:?} vs {} values",
            data.len()
        );
        Self { shape, data }
    }

    /// The value at `index` (one coordinate per axis).
    pub fn at(&self, index: &[usize]) -> f32 {
        assert_eq!(index.len(), self.shape.len(), "index rank");
        let mut flat = 0;
        for (&i, &n) in index.iter().zip(&self.shape) {
            assert!(i < n, "index {index:?} out of shape {:?}", self.shape);
            flat = flat * n + i;
        }
        self.data[flat]
    }

    /// The contiguous slice at a prefix of the axes, e.g. `slice(&[h, i])` of an (nh, T, T)
    /// attention array is row `i` of head `h`.
    pub fn slice(&self, prefix: &[usize]) -> &[f32] {
        assert!(prefix.len() <= self.shape.len(), "prefix longer than the shape");
        let inner: usize = self.shape[prefix.len()..].iter().product();
        let mut start = 0;
        for (&i, &n) in prefix.iter().zip(&self.shape) {
            assert!(i < n, "prefix {prefix:?} out of shape {:?}", self.shape);
            start = start * n + i;
        }
        &self.data[start * inner..(start + 1) * inner]
    }
}

impl Serialize for Array {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.shape.is_empty() {
            return serializer.serialize_f32(self.data[0]);
        }
        Nested { shape: &self.shape, data: &self.data }.serialize(serializer)
    }
}

/// One level of nesting: a list of `shape[0]` items, each the sub-array below it.
struct Nested<'a> {
    shape: &'a [usize],
    data: &'a [f32],
}

impl Serialize for Nested<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let n = self.shape[0];
        let mut seq = serializer.serialize_seq(Some(n))?;
        if self.shape.len() == 1 {
            for v in self.data {
                seq.serialize_element(v)?;
            }
        } else {
            let inner = self.data.len() / n.max(1);
            for i in 0..n {
                let data = &self.data[i * inner..(i + 1) * inner];
                seq.serialize_element(&Nested { shape: &self.shape[1..], data })?;
            }
        }
        seq.end()
    }
}

/// A number or a list while reading nested arrays back.
enum Tree {
    Leaf(f32),
    List(Vec<Tree>),
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TreeVisitor;
        impl<'de> Visitor<'de> for TreeVisitor {
            type Value = Tree;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a nested list of numbers")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Tree, E> {
                Ok(Tree::Leaf(v as f32))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Tree, E> {
                Ok(Tree::Leaf(v as f32))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Tree, E> {
                Ok(Tree::Leaf(v as f32))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Tree::List(items))
            }
        }
        deserializer.deserialize_any(TreeVisitor)
    }
}

impl<'de> Deserialize<'de> for Array {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let tree = Tree::deserialize(deserializer)?;
        let mut shape = Vec::new();
        let mut level = &tree;
        while let Tree::List(items) = level {
            shape.push(items.len());
            match items.first() {
                Some(first) => level = first,
                None => break,
            }
        }
        let mut data = Vec::with_capacity(shape.iter().product());
        flatten(&tree, &shape, &mut data).map_err(de::Error::custom)?;
        Ok(Array { shape, data })
    }
}

/// Flattens `tree`, checking that it is rectangular with the given shape.
fn flatten(tree: &Tree, shape: &[usize], out: &mut Vec<f32>) -> Result<(), &'static str> {
    match (tree, shape) {
        (Tree::Leaf(v), []) => {
            out.push(*v);
            Ok(())
        }
        (Tree::List(items), [n, rest @ ..]) if items.len() == *n => {
            items.iter().try_for_each(|item| flatten(item, rest, out))
        }
        _ => Err("nested arrays are ragged: every row must have the same shape"),
    }
}

/// What one block computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerTrace {
    /// Attention probabilities, (nh, T, T): row i of head h is how token i spreads its attention
    /// over tokens 0..=i (zeros above the diagonal).
    pub attention: Array,
    /// Queries after RoPE, (nh, T, hs), when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<Array>,
    /// Keys after RoPE, (n_kv_heads, T, hs), when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<Array>,
    /// Values, (n_kv_heads, T, hs), when requested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub v: Option<Array>,
    /// SwiGLU gate values `silu(x W_gate)`, (T, d_ff): which hidden units each token switched on.
    pub gate: Array,
}

/// Everything one forward pass over one sequence exposes to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// Token ids, length T.
    pub ids: Vec<u32>,
    /// The tokens as text, as the caller's tokenizer spells them, length T.
    pub tokens: Vec<String>,
    /// Whether rotary position embeddings were applied (false for the permutation demo).
    pub positions: bool,
    /// Each token's embedding row, (T, C).
    pub embeddings: Array,
    /// One entry per block, first block first.
    pub layers: Vec<LayerTrace>,
    /// Logits for the next token at every position, (T, V).
    pub logits: Array,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_serialise_as_nested_lists_and_back() {
        let a = Array::new(vec![2, 1, 3], vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.5]);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, "[[[0.0,1.0,2.0]],[[3.0,4.0,5.5]]]");
        assert_eq!(serde_json::from_str::<Array>(&json).unwrap(), a);
        assert_eq!(a.at(&[1, 0, 2]), 5.5);
        assert_eq!(a.slice(&[1, 0]), &[3.0, 4.0, 5.5]);
    }

    #[test]
    fn ragged_json_is_an_error() {
        assert!(serde_json::from_str::<Array>("[[1, 2], [3]]").is_err());
        assert!(serde_json::from_str::<Array>("[[1, 2], 3]").is_err());
    }
}
