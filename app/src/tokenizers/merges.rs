//! The BPE merge animation as frames: the word's UTF-8 bytes, then the pieces after each merge
//! the encoder performs, then the ids, built from `Encoding::trace` (which the text worker runs).

use tumbler_model::tokenizer::PieceTrace;

/// What one frame highlights.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Before any merge: one part per byte.
    Bytes,
    /// After a merge of `left` + `right` into token `id` (its rank in the merge order).
    Merge { left: Vec<u8>, right: Vec<u8>, rank: u32, id: u32, piece: usize, position: usize },
    /// The ids the encoder emits.
    Ids(Vec<u32>),
}

/// One picture of the animation: the parts of every pre-split piece at that moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub stage: Stage,
    /// For each piece, its parts left to right.
    pub pieces: Vec<Vec<Vec<u8>>>,
}

impl Frame {
    /// The token id of each part that some merge produced (single bytes have none shown: a
    /// byte's id differs between encodings and is not what the merges start from).
    pub fn part_ids(
        &self,
        traces_ids: &std::collections::HashMap<Vec<u8>, u32>,
    ) -> Vec<Vec<Option<u32>>> {
        self.pieces
            .iter()
            .map(|parts| parts.iter().map(|p| traces_ids.get(p).copied()).collect())
            .collect()
    }
}

/// The id of every token a merge in `frames` produces, by its bytes.
pub fn merged_ids(frames: &[Frame]) -> std::collections::HashMap<Vec<u8>, u32> {
    frames
        .iter()
        .filter_map(|f| match &f.stage {
            Stage::Merge { left, right, id, .. } => Some(([left.as_slice(), right].concat(), *id)),
            _ => None,
        })
        .collect()
}

/// Every frame for a text's `traces`: bytes, one per merge (pieces are merged left to right, one
/// piece at a time, as the encoder does), and the ids. `ids` of the last frame equal the
/// encoder's ids of the text.
pub fn frames(traces: &[PieceTrace]) -> Vec<Frame> {
    let bytes_of = |t: &PieceTrace| t.bytes.iter().map(|&b| vec![b]).collect::<Vec<_>>();
    let finished =
        |t: &PieceTrace| t.steps.last().map_or_else(|| bytes_of(t), |s| s.pieces.clone());
    let mut pieces: Vec<Vec<Vec<u8>>> = traces.iter().map(bytes_of).collect();
    let mut out = vec![Frame { stage: Stage::Bytes, pieces: pieces.clone() }];
    for (i, t) in traces.iter().enumerate() {
        for step in &t.steps {
            pieces[i] = step.pieces.clone();
            out.push(Frame {
                stage: Stage::Merge {
                    left: step.left.clone(),
                    right: step.right.clone(),
                    rank: step.rank,
                    id: step.id,
                    piece: i,
                    position: step.position,
                },
                pieces: pieces.clone(),
            });
        }
        pieces[i] = finished(t);
    }
    let ids = traces.iter().flat_map(|t| t.ids.iter().copied()).collect();
    out.push(Frame { stage: Stage::Ids(ids), pieces });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tumbler_model::tokenizer::{Encoding, EncodingName};

    fn load(name: EncodingName) -> Encoding {
        Encoding::shipped(name).expect("vocabulary under public/")
    }

    #[test]
    fn hi_is_two_bytes_then_one_token() {
        for (name, id) in [(EncodingName::R50kBase, 17250), (EncodingName::Cl100kBase, 13347)] {
            let f = frames(&load(name).trace("Hi"));
            assert_eq!(f[0].pieces, vec![vec![vec![72], vec![105]]]);
            assert!(matches!(f[1].stage, Stage::Merge { rank, .. } if rank == id), "{name}");
            assert_eq!(f.last().unwrap().stage, Stage::Ids(vec![id]), "{name}");
            assert_eq!(f.len(), 3);
        }
    }

    #[test]
    fn the_last_frame_holds_the_encoders_ids() {
        let enc = load(EncodingName::Cl100kBase);
        for text in ["strawberry", " ubiquitous", "ubiquitous", "héllo wörld 🎉", "don't 12345", ""]
        {
            let f = frames(&enc.trace(text));
            assert_eq!(f.last().unwrap().stage, Stage::Ids(enc.encode(text)), "{text:?}");
            let last = f.last().unwrap();
            let part_ids: Vec<Option<u32>> = last.part_ids(&merged_ids(&f)).concat();
            for ((part, id), want) in
                last.pieces.concat().iter().zip(part_ids).zip(enc.encode(text))
            {
                if part.len() > 1 {
                    assert_eq!(id, Some(want), "{text:?}: id of {part:?}");
                }
            }
            let joined: Vec<u8> = f.last().unwrap().pieces.concat().concat();
            assert_eq!(joined, text.as_bytes());
            for frame in &f {
                assert_eq!(frame.pieces.concat().concat(), text.as_bytes(), "{text:?}");
            }
        }
    }
}
