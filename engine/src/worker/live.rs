//! The live chapters' requests: the embedding map, generation with and without the KV cache,
//! forward time against length, the permutation check, the SwiGLU gates and a weight matrix.

use std::cell::RefCell;
use std::rc::Rc;

use tumbler_engine::{
    DoneReason, EmbeddedToken, EmbeddingMap, GateTrace, MAX_EMBEDDED_TOKENS, MAX_PERMUTED_TOKENS,
    MAX_TRACE_TOKENS, NEIGHBOURS, PermutationCheck, PermutationRun, Reply, SimilarToken,
    WEIGHT_MATRICES, WeightMatrix, shuffle_order, top_tokens,
};
use tumbler_model::generate::{GenerateOptions, Generation, Step, Vocab, stop_tokens};
use tumbler_model::gpt::{Array, ForwardOptions, TraceOptions, ids_tensor};
use tumbler_model::sampling::softmax_with_temperature;
use tumbler_model::vectors::{nearest, pca_2d, unit_rows};

use super::{Loaded, STOPPED, now, post, yield_now};

/// Tokens one run of the KV-cache comparison generates at most.
pub const MAX_KV_TOKENS: usize = 64;
/// Lengths one timing request may ask for at most, and timed passes per length.
const MAX_LENGTHS: usize = 16;
const MAX_REPEATS: usize = 20;

/// The embedding matrix and its 2-D projection, computed once per loaded model.
struct Space {
    /// Rows the tokenizer can produce (the matrix may have spare rows past them).
    vocab: usize,
    dims: usize,
    /// (vocab, C).
    rows: Vec<f32>,
    /// The rows at unit length.
    unit: Vec<f32>,
    points: Vec<[f32; 2]>,
    explained: [f32; 2],
}

thread_local! {
    static SPACE: RefCell<Option<Rc<Space>>> = const { RefCell::new(None) };
}

/// Forgets what was computed from the previous model.
pub fn forget() {
    SPACE.with(|s| s.borrow_mut().take());
}

fn encode(l: &Loaded, text: &str, what: &str) -> Result<Vec<u32>, String> {
    let ids = l.encoding.encode(text);
    if ids.is_empty() { Err(format!("there is no text to {what}")) } else { Ok(ids) }
}

async fn space(l: &Loaded) -> Result<Rc<Space>, String> {
    if let Some(space) = SPACE.with(|s| s.borrow().clone()) {
        return Ok(space);
    }
    let dims = l.model.config.d_model;
    let vocab = l.encoding.vocab_size().min(l.model.config.vocab_size);
    let all = l
        .model
        .embedding
        .weight
        .val()
        .into_data_async()
        .await
        .map_err(|e| format!("reading the embedding matrix failed: {e:?}"))?
        .try_to_vec::<f32>()
        .map_err(|e| format!("reading the embedding matrix failed: {e:?}"))?;
    let rows = all[..vocab * dims].to_vec(); // (V, C)
    let unit = unit_rows(&rows, dims);
    let projection = pca_2d(&rows, dims);
    let space = Rc::new(Space {
        vocab,
        dims,
        rows,
        unit,
        points: projection.points,
        explained: projection.explained,
    });
    SPACE.with(|s| *s.borrow_mut() = Some(space.clone()));
    Ok(space)
}

/// The rows of `text`'s tokens, their nearest tokens and the whole matrix in 2-D.
pub async fn embeddings(l: &Loaded, text: &str) -> Result<EmbeddingMap, String> {
    let started = now();
    let ids = encode(l, text, "look up")?;
    let space = space(l).await?;
    let c = space.dims;
    let mut seen = Vec::new();
    for &id in &ids {
        if !seen.contains(&id) && (id as usize) < space.vocab && seen.len() < MAX_EMBEDDED_TOKENS {
            seen.push(id);
        }
    }
    let tokens = seen
        .iter()
        .map(|&id| {
            let i = id as usize;
            let unit = &space.unit[i * c..(i + 1) * c];
            let neighbours = nearest(&space.unit, c, unit, NEIGHBOURS, &[i])
                .into_iter()
                .map(|n| SimilarToken {
                    id: n.index as u32,
                    text: l.encoding.text(n.index as u32),
                    cosine: n.cosine,
                })
                .collect();
            EmbeddedToken {
                id,
                text: l.encoding.text(id),
                row: space.rows[i * c..(i + 1) * c].to_vec(),
                point: space.points[i],
                neighbours,
            }
        })
        .collect();
    Ok(EmbeddingMap {
        tokens,
        total_tokens: ids.len(),
        points: space.points.clone(),
        explained: space.explained,
        millis: now() - started,
    })
}

/// Runs `ids` through the model and reads the last position's logits back.
async fn last_logits(l: &Loaded, ids: &[u32]) -> Result<Vec<f32>, String> {
    let out = l.model.forward_with(ids_tensor(ids, &l.device), ForwardOptions::default(), None);
    let [_, t, v] = out.logits.dims();
    let last = out.logits.slice([0..1, t - 1..t, 0..v]).reshape([v]); // (V)
    last.into_data_async()
        .await
        .map_err(|e| format!("reading the logits failed: {e:?}"))?
        .try_to_vec::<f32>()
        .map_err(|e| format!("reading the logits failed: {e:?}"))
}

fn stopped(id: u32) -> bool {
    STOPPED.with(|s| s.borrow_mut().remove(&id))
}

/// Greedy generation with the cache, then without it, one [`Reply::KvStep`] per step.
pub async fn kv_compare(
    l: &Loaded,
    id: u32,
    prompt: &str,
    max_tokens: usize,
) -> Result<DoneReason, String> {
    let prompt_ids = encode(l, prompt, "continue")?;
    let options = GenerateOptions::greedy(max_tokens.min(MAX_KV_TOKENS));
    let mut reason = DoneReason::Length;
    for cached in [true, false] {
        let stops = stop_tokens(&l.encoding, false);
        let run = Generation::new(&l.model, prompt_ids.clone(), &options, stops)
            .map_err(|e| e.to_string())?;
        let mut run = if cached { run } else { run.without_cache() };
        reason = loop {
            if stopped(id) {
                run.stop();
            }
            let started = now();
            let token = match run.step_async(&l.model).await.map_err(|e| e.to_string())? {
                Step::Token(token) => token,
                Step::Done(reason) => break reason,
            };
            post(&Reply::KvStep {
                id,
                cached,
                step: token.step,
                token: token.named(&*l.encoding),
                processed: token.read,
                cache_bytes: run.cache().map_or(0, |c| c.size_bytes() as u64),
                millis: now() - started,
            });
            yield_now().await;
        };
        if reason == DoneReason::Stopped {
            break;
        }
    }
    Ok(reason)
}

/// Times the forward pass at each length, one [`Reply::ForwardTime`] per length.
pub async fn forward_times(
    l: &Loaded,
    id: u32,
    lengths: &[usize],
    repeats: usize,
) -> Result<DoneReason, String> {
    let context = l.model.config.context_length;
    if let Some(&n) = lengths.iter().find(|&&n| n == 0 || n > context) {
        return Err(format!("a length of {n} tokens is outside 1…{context}"));
    }
    if lengths.len() > MAX_LENGTHS || !(1..=MAX_REPEATS).contains(&repeats) {
        return Err(format!(
            "ask for at most {MAX_LENGTHS} lengths and 1 to {MAX_REPEATS} repeats"
        ));
    }
    let vocab = l.encoding.vocab_size() as u32;
    // A fixed, arbitrary token stream: the time does not depend on which ids they are.
    let ids: Vec<u32> = (0..context as u32).map(|i| (i * 7919 + 13) % vocab).collect();
    for &n in lengths {
        last_logits(l, &ids[..n]).await?;
        let mut millis = Vec::with_capacity(repeats);
        for _ in 0..repeats {
            let started = now();
            last_logits(l, &ids[..n]).await?;
            millis.push(now() - started);
            yield_now().await;
            if stopped(id) {
                return Ok(DoneReason::Stopped);
            }
        }
        post(&Reply::ForwardTime { id, length: n, millis });
    }
    Ok(DoneReason::Length)
}

/// The last token's attention in `layer` of `attention` (nh, T, T), as (nh, T), with the keys
/// put back in the original order through `order` (identity when `None`).
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

/// Shuffles all tokens but the last and compares, with positions off and on.
pub async fn permutation(l: &Loaded, text: &str, seed: u64) -> Result<PermutationCheck, String> {
    let all = encode(l, text, "shuffle")?;
    let keep = all.len().min(MAX_PERMUTED_TOKENS).min(l.model.config.context_length);
    if keep < 3 {
        return Err(format!(
            "your text is {} token{}: type at least three to shuffle",
            all.len(),
            if all.len() == 1 { "" } else { "s" }
        ));
    }
    let ids = &all[..keep];
    let order = shuffle_order(keep, seed);
    let shuffled: Vec<u32> = order.iter().map(|&i| ids[i]).collect();
    let tokens: Vec<String> = ids.iter().map(|&id| l.encoding.text(id)).collect();
    let shuffled_tokens: Vec<String> = order.iter().map(|&i| tokens[i].clone()).collect();
    let mut runs = Vec::with_capacity(2);
    for positions in [false, true] {
        let options = TraceOptions { forward: ForwardOptions { positions }, qkv: false };
        let a =
            l.model.trace_async(ids, tokens.clone(), options).await.map_err(|e| e.to_string())?;
        let b = l
            .model
            .trace_async(&shuffled, shuffled_tokens.clone(), options)
            .await
            .map_err(|e| e.to_string())?;
        let original = last_row(&a.layers[0].attention, None);
        let back = last_row(&b.layers[0].attention, Some(&order));
        let last = a.layers.len() - 1;
        let last_layer_diff = max_diff(
            &last_row(&a.layers[last].attention, None).data,
            &last_row(&b.layers[last].attention, Some(&order)).data,
        );
        let pa = softmax_with_temperature(a.logits.slice(&[keep - 1]), 1.0);
        let pb = softmax_with_temperature(b.logits.slice(&[keep - 1]), 1.0);
        runs.push(PermutationRun {
            positions,
            attention_diff: max_diff(&original.data, &back.data),
            original,
            shuffled: back,
            next_original: top_tokens(&pa, 5, |id| l.encoding.text(id)),
            next_shuffled: top_tokens(&pb, 5, |id| l.encoding.text(id)),
            prob_diff: max_diff(&pa, &pb),
            last_layer_diff,
        });
        yield_now().await;
    }
    Ok(PermutationCheck { tokens, order, runs })
}

/// The gate values of one token of `text` in every layer.
pub async fn gates(l: &Loaded, text: &str, position: Option<usize>) -> Result<GateTrace, String> {
    let all = encode(l, text, "trace")?;
    let keep = all.len().min(MAX_TRACE_TOKENS).min(l.model.config.context_length);
    let ids = &all[..keep];
    let position = position.unwrap_or(keep - 1);
    if position >= keep {
        return Err(format!("token {position} is past the end of the {keep} traced tokens"));
    }
    let tokens: Vec<String> = ids.iter().map(|&id| l.encoding.text(id)).collect();
    let trace = l
        .model
        .trace_async(ids, tokens, TraceOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let d_ff = l.model.config.d_ff;
    let data: Vec<f32> =
        trace.layers.iter().flat_map(|layer| layer.gate.slice(&[position]).to_vec()).collect();
    Ok(GateTrace {
        tokens: trace.tokens,
        position,
        gates: Array::new(vec![trace.layers.len(), d_ff], data),
    })
}

/// All the numbers of one of block `layer`'s weight matrices.
pub async fn weights(l: &Loaded, layer: usize, matrix: &str) -> Result<WeightMatrix, String> {
    let layers = l.model.config.n_layers;
    if layer >= layers {
        return Err(format!("the model has layers 0 to {}, not {layer}", layers - 1));
    }
    if !WEIGHT_MATRICES.contains(&matrix) {
        return Err(format!("a block has no matrix {matrix:?}; it has {WEIGHT_MATRICES:?}"));
    }
    let name = format!("blocks.{layer}.{matrix}");
    let (_, flat, shape) = l
        .model
        .named_params()
        .into_iter()
        .find(|(n, ..)| *n == name)
        .ok_or_else(|| format!("the model has no parameter {name}"))?;
    let values = flat
        .into_data_async()
        .await
        .map_err(|e| format!("reading {name} failed: {e:?}"))?
        .try_to_vec::<f32>()
        .map_err(|e| format!("reading {name} failed: {e:?}"))?;
    Ok(WeightMatrix {
        name,
        values: Array::new(shape, values),
        model_params: l.model.config.param_count(),
    })
}
