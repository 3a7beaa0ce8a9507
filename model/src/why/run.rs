//! The passes behind [`Why`]: the fused CPU forward with a probe that records (lens,
//! attribution) or edits (ablation, patching) what flows through it.

use std::sync::Arc;

use super::{
    ABLATION_TOP, Ablation, AblationMode, Attribution, Component, LENS_TOP, LensCell,
    MAX_WHY_TOKENS, PatchRow, PatchSetup, WhyError, WhyReport,
};
use crate::decode::cpu::{dot, rms_scale, unembed};
use crate::decode::{CpuDecoder, DecodeError, DecodeWeights, Probe, Site};
use crate::generate::{TopToken, Vocab, top_tokens};
use crate::sampling::{argmax, softmax_with_temperature};

/// The tools over one model's weights.
#[derive(Debug, Clone)]
pub struct Why {
    decoder: CpuDecoder,
}

/// A patching run under way: the prompt, and the source prompt's residual stream at every depth.
#[derive(Debug, Clone)]
pub struct Patching {
    ids: Vec<u32>,
    position: usize,
    target: u32,
    /// The target's logit and probability in the prompt's own run.
    clean: (f32, f32),
    /// The source's residual stream up to the position read, (L + 1, position + 1, C).
    source: Vec<Vec<f32>>,
}

impl Patching {
    /// How many rows the grid has: the embedding and every block.
    pub fn depths(&self) -> usize {
        self.source.len()
    }
}

impl Why {
    /// The tools over `weights`.
    pub fn new(weights: Arc<DecodeWeights>) -> Self {
        Self { decoder: CpuDecoder::new(weights) }
    }

    fn weights(&self) -> Arc<DecodeWeights> {
        Arc::clone(self.decoder.weights())
    }

    /// Refuses a prompt the tools cannot read.
    pub fn check(&self, ids: &[u32]) -> Result<(), WhyError> {
        let vocab = self.decoder.weights().config.vocab_size;
        let max = MAX_WHY_TOKENS.min(self.decoder.weights().config.context_length);
        if ids.is_empty() {
            return Err(WhyError::Empty);
        }
        if ids.len() > max {
            return Err(WhyError::TooLong { tokens: ids.len(), max });
        }
        match ids.iter().find(|&&id| id as usize >= vocab) {
            Some(&id) => Err(WhyError::Id { id, vocab }),
            None => Ok(()),
        }
    }

    /// The position read (`None`: the last) and the target token (`None`: the one the model
    /// ranks first there), checked against `ids` and the model.
    fn aim(
        &mut self,
        ids: &[u32],
        target: Option<u32>,
        position: Option<usize>,
    ) -> Result<(usize, u32), WhyError> {
        self.check(ids)?;
        let position = position.unwrap_or(ids.len() - 1);
        if position >= ids.len() {
            return Err(WhyError::Position { position, tokens: ids.len() });
        }
        let vocab = self.decoder.weights().config.vocab_size;
        let target = match target {
            Some(id) if id as usize >= vocab => return Err(WhyError::Id { id, vocab }),
            Some(id) => id,
            None => argmax(&self.run(&ids[..=position], &mut Record::default())) as u32,
        };
        Ok((position, target))
    }

    /// One pass over `ids` from position 0 with `probe`; the logits after the last token, (V).
    fn run<P: Probe>(&mut self, ids: &[u32], probe: &mut P) -> Vec<f32> {
        self.decoder.truncate(0);
        self.decoder.forward_probed(ids, probe).map(<[f32]>::to_vec).unwrap_or_else(unchecked)
    }

    /// The logit lens and the attribution of `target` at `position` (defaults as
    /// [`Why::attribution`]), each timed by `clock` (milliseconds; any constant natively).
    pub fn report(
        &mut self,
        ids: &[u32],
        vocab: &impl Vocab,
        target: Option<u32>,
        position: Option<usize>,
        clock: impl Fn() -> f64,
    ) -> Result<WhyReport, WhyError> {
        let started = clock();
        let lens = self.lens(ids, vocab)?;
        let lensed = clock();
        let attribution = self.attribution(ids, vocab, target, position)?;
        Ok(WhyReport {
            tokens: ids.iter().map(|&id| vocab.text(id)).collect(),
            ids: ids.to_vec(),
            lens,
            attribution,
            lens_millis: lensed - started,
            attribution_millis: clock() - lensed,
        })
    }

    /// The logit lens, (L + 1, T): the stream after the embedding and after every block, each
    /// row read through the final norm and the tied head.
    pub fn lens(
        &mut self,
        ids: &[u32],
        vocab: &impl Vocab,
    ) -> Result<Vec<Vec<LensCell>>, WhyError> {
        self.check(ids)?;
        let mut record = Record::default();
        self.run(ids, &mut record);
        let w = self.weights();
        let (c, v) = (w.config.d_model, w.config.vocab_size);
        let (mut xn, mut logits) = (vec![0.0; c], vec![0.0; v]);
        let mut read = |x: &[f32]| {
            unembed(&w, x, &mut xn, &mut logits);
            softmax_with_temperature(&logits, 1.0)
        };
        let depths = record.residuals();
        // The whole model's favourite at each position: the last depth's top token.
        let last = depths.last().expect("at least the embedding");
        let finals: Vec<usize> = last.chunks_exact(c).map(|x| argmax(&read(x))).collect();
        Ok(depths
            .iter()
            .map(|stream| {
                stream
                    .chunks_exact(c)
                    .zip(&finals)
                    .map(|(x, &best)| {
                        let probs = read(x);
                        LensCell {
                            top: top_tokens(&probs, LENS_TOP, |id| vocab.text(id)),
                            final_p: probs[best],
                        }
                    })
                    .collect()
            })
            .collect())
    }

    /// The logit of `target` (`None`: the token the model ranks first there) at `position`
    /// (`None`: the last) split into the embedding's, each head's and each MLP's share, through
    /// the final norm with its scale frozen at its value on the real residual.
    pub fn attribution(
        &mut self,
        ids: &[u32],
        vocab: &impl Vocab,
        target: Option<u32>,
        position: Option<usize>,
    ) -> Result<Attribution, WhyError> {
        let (p, target) = self.aim(ids, target, position)?;
        let mut record = Record::default();
        self.run(ids, &mut record);
        let w = self.weights();
        let cfg = &w.config;
        let (c, hs) = (cfg.d_model, cfg.head_size());
        let row = |m: &[f32], width: usize| m[p * width..(p + 1) * width].to_vec();
        let x = row(record.blocks.last().expect("a block"), c);
        let (mut xn, mut logits) = (vec![0.0; c], vec![0.0; cfg.vocab_size]);
        unembed(&w, &x, &mut xn, &mut logits);
        let probs = softmax_with_temperature(&logits, 1.0);
        // The direction a part of the stream is read along: scale · gain ⊙ u_target, (C).
        let scale = rms_scale(&x, cfg.norm_eps as f32);
        let u = &w.embedding[target as usize * c..(target as usize + 1) * c];
        let d: Vec<f32> = w.norm.iter().zip(u).map(|(g, u)| scale * g * u).collect();
        let embedding = dot(&row(&record.embedded, c), &d);
        let heads: Vec<Vec<f32>> = (w.layers.iter().zip(&record.heads))
            .map(|(lw, att)| {
                let att = row(att, cfg.n_heads * hs); // (nh·hs)
                // W_o's row j times d: what a unit of attention output j adds to the logit.
                let wo_d: Vec<f32> = lw.wo.chunks_exact(c).map(|r| dot(r, &d)).collect();
                att.chunks_exact(hs).zip(wo_d.chunks_exact(hs)).map(|(a, r)| dot(a, r)).collect()
            })
            .collect();
        let mlps: Vec<f32> = record.mlps.iter().map(|m| dot(&row(m, c), &d)).collect();
        let logit = logits[target as usize];
        let shares = f64::from(embedding)
            + heads.iter().flatten().chain(&mlps).map(|&s| f64::from(s)).sum::<f64>();
        Ok(Attribution {
            position: p,
            target: TopToken { id: target, text: vocab.text(target), p: probs[target as usize] },
            logit,
            norm_scale: scale,
            embedding,
            heads,
            mlps,
            rest: (f64::from(logit) - shares) as f32,
        })
    }

    /// The distribution at `position` (`None`: the last) with `components` replaced by zero or
    /// their mean, against the model's own; `target` as [`Why::attribution`].
    pub fn ablate(
        &mut self,
        ids: &[u32],
        vocab: &impl Vocab,
        components: &[Component],
        mode: AblationMode,
        target: Option<u32>,
        position: Option<usize>,
    ) -> Result<Ablation, WhyError> {
        let (p, target) = self.aim(ids, target, position)?;
        let cfg = self.weights().config.clone();
        for &component in components {
            let inside = match component {
                Component::Head { layer, head } => layer < cfg.n_layers && head < cfg.n_heads,
                Component::Mlp { layer } => layer < cfg.n_layers,
            };
            if !inside {
                return Err(WhyError::Component(component.label()));
            }
        }
        let ids = &ids[..=p];
        let before = self.run(ids, &mut Record::default());
        let mut ablate = Ablate { components, mode, tokens: ids.len(), hs: cfg.head_size() };
        let after = self.run(ids, &mut ablate);
        let (pb, pa) =
            (softmax_with_temperature(&before, 1.0), softmax_with_temperature(&after, 1.0));
        let name = |id| vocab.text(id);
        Ok(Ablation {
            components: components.to_vec(),
            mode,
            position: p,
            target,
            logit: [before[target as usize], after[target as usize]],
            p: [pb[target as usize], pa[target as usize]],
            before: top_tokens(&pb, ABLATION_TOP, name),
            after: top_tokens(&pa, ABLATION_TOP, name),
            kl: kl(&before, &after),
            millis: 0.0,
        })
    }

    /// Starts patching `source`'s residual stream into `ids`' run: both prompts run as they
    /// are; `target` and `position` as [`Why::attribution`] on `ids`.
    pub fn patch_start(
        &mut self,
        ids: &[u32],
        source: &[u32],
        vocab: &impl Vocab,
        target: Option<u32>,
        position: Option<usize>,
    ) -> Result<(PatchSetup, Patching), WhyError> {
        self.check(source)?;
        let (position, target) = self.aim(ids, target, position)?;
        if ids.len() != source.len() {
            return Err(WhyError::Lengths { clean: ids.len(), from: source.len() });
        }
        // Positions after the one read cannot reach it: neither run needs them.
        let mut record = Record::default();
        let corrupt = read(&self.run(&source[..=position], &mut record), target);
        let clean = read(&self.run(&ids[..=position], &mut Record::default()), target);
        let setup = PatchSetup {
            tokens: ids.iter().map(|&id| vocab.text(id)).collect(),
            source_tokens: source.iter().map(|&id| vocab.text(id)).collect(),
            position,
            target: TopToken { id: target, text: vocab.text(target), p: clean.1 },
            logit: [clean.0, corrupt.0],
            p: [clean.1, corrupt.1],
        };
        let patching =
            Patching { ids: ids.to_vec(), position, target, clean, source: record.residuals() };
        Ok((setup, patching))
    }

    /// One row of the patching grid: for each position up to the one read, the prompt's run
    /// with its stream at `depth` (0: after the embedding; l + 1: after block l) and that
    /// position replaced by the source's, against the run as it is.
    pub fn patch_row(&mut self, patching: &Patching, depth: usize) -> PatchRow {
        let Patching { ids, position, target, clean, source } = patching;
        let c = self.decoder.weights().config.d_model;
        let t = ids.len();
        let (mut delta_logit, mut delta_p) = (vec![0.0; t], vec![0.0; t]);
        // The clean run fills the cache; each patch at position i re-reads only i..=position,
        // latest position first, so the cached keys and values before i are always the clean
        // run's.
        self.run(&ids[..=*position], &mut Record::default());
        for i in (0..=*position).rev() {
            let mut patch =
                Patch { depth, position: i, values: &source[depth][i * c..(i + 1) * c] };
            self.decoder.truncate(i);
            let logits = self
                .decoder
                .forward_probed(&ids[i..=*position], &mut patch)
                .map(<[f32]>::to_vec)
                .unwrap_or_else(unchecked);
            let (logit, p) = read(&logits, *target);
            delta_logit[i] = logit - clean.0;
            delta_p[i] = p - clean.1;
        }
        PatchRow { layer: depth, delta_logit, delta_p }
    }

    /// Patching, every row at once (the CLI, the tests).
    pub fn patch(
        &mut self,
        ids: &[u32],
        source: &[u32],
        vocab: &impl Vocab,
        target: Option<u32>,
        position: Option<usize>,
    ) -> Result<(PatchSetup, Vec<PatchRow>), WhyError> {
        let (setup, patching) = self.patch_start(ids, source, vocab, target, position)?;
        let rows = (0..patching.depths()).map(|d| self.patch_row(&patching, d)).collect();
        Ok((setup, rows))
    }
}

/// A pass over ids [`Why::check`] accepted cannot fail.
fn unchecked(e: DecodeError) -> Vec<f32> {
    panic!("a checked prompt failed the forward pass: {e}")
}

/// `target`'s logit and probability in `logits`.
fn read(logits: &[f32], target: u32) -> (f32, f32) {
    let p = softmax_with_temperature(logits, 1.0)[target as usize];
    (logits[target as usize], p)
}

/// KL(softmax(a) ‖ softmax(b)) in nats, in f64.
fn kl(a: &[f32], b: &[f32]) -> f32 {
    let log_softmax = |x: &[f32]| {
        let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let lse = f64::from(max)
            + x.iter().map(|&v| (f64::from(v) - f64::from(max)).exp()).sum::<f64>().ln();
        x.iter().map(|&v| f64::from(v) - lse).collect::<Vec<f64>>()
    };
    let (la, lb) = (log_softmax(a), log_softmax(b));
    la.iter().zip(&lb).map(|(&a, &b)| a.exp() * (a - b)).sum::<f64>().max(0.0) as f32
}

/// Records a pass from position 0: the stream after the embedding and every block, each
/// block's per-head attention output and MLP output.
#[derive(Debug, Default)]
struct Record {
    /// (T, C).
    embedded: Vec<f32>,
    /// Per block, (T, nh·hs).
    heads: Vec<Vec<f32>>,
    /// Per block, (T, C).
    mlps: Vec<Vec<f32>>,
    /// Per block, (T, C).
    blocks: Vec<Vec<f32>>,
}

impl Record {
    /// The residual stream at every depth, (L + 1, T, C).
    fn residuals(self) -> Vec<Vec<f32>> {
        std::iter::once(self.embedded).chain(self.blocks).collect()
    }
}

impl Probe for Record {
    fn visit(&mut self, site: Site, _start: usize, values: &mut [f32]) {
        let (list, layer) = match site {
            Site::Embedded => {
                self.embedded = values.to_vec();
                return;
            }
            Site::Heads(layer) => (&mut self.heads, layer),
            Site::Mlp(layer) => (&mut self.mlps, layer),
            Site::Block(layer) => (&mut self.blocks, layer),
        };
        assert_eq!(list.len(), layer, "blocks are visited in order");
        list.push(values.to_vec());
    }
}

/// Replaces components' outputs in a pass over `tokens` tokens from position 0.
struct Ablate<'a> {
    components: &'a [Component],
    mode: AblationMode,
    tokens: usize,
    hs: usize,
}

impl Probe for Ablate<'_> {
    fn visit(&mut self, site: Site, _start: usize, values: &mut [f32]) {
        let width = values.len() / self.tokens;
        for &component in self.components {
            let columns = match (site, component) {
                (Site::Heads(l), Component::Head { layer, head }) if l == layer => {
                    head * self.hs..(head + 1) * self.hs
                }
                (Site::Mlp(l), Component::Mlp { layer }) if l == layer => 0..width,
                _ => continue,
            };
            replace(values, width, columns, self.mode);
        }
    }
}

/// Replaces `columns` of every row (rows of `width`) by zero or by their mean over the rows.
fn replace(values: &mut [f32], width: usize, columns: std::ops::Range<usize>, mode: AblationMode) {
    let rows = values.len() / width;
    for j in columns {
        let fill = match mode {
            AblationMode::Zero => 0.0,
            AblationMode::Mean => {
                ((0..rows).map(|r| f64::from(values[r * width + j])).sum::<f64>() / rows as f64)
                    as f32
            }
        };
        for r in 0..rows {
            values[r * width + j] = fill;
        }
    }
}

/// Copies one source row into the stream at one depth and position.
struct Patch<'a> {
    depth: usize,
    position: usize,
    values: &'a [f32],
}

impl Probe for Patch<'_> {
    fn visit(&mut self, site: Site, start: usize, values: &mut [f32]) {
        let depth = match site {
            Site::Embedded => 0,
            Site::Block(layer) => layer + 1,
            Site::Heads(_) | Site::Mlp(_) => return,
        };
        let c = self.values.len();
        if depth == self.depth && self.position >= start {
            let row = self.position - start;
            if let Some(dest) = values.get_mut(row * c..(row + 1) * c) {
                dest.copy_from_slice(self.values);
            }
        }
    }
}
