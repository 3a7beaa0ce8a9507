//! The MoE Tumbler on burn: the Tumbler's embedding, attention and norms, with [`Experts`] in
//! place of each block's SwiGLU.

use burn::module::{Module, Param};
use burn::tensor::activation::{silu, softmax};
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::{MoeConfig, ParamCount, RouteTrace};
use crate::generate::Vocab;
use crate::gpt::attention::Attention;
use crate::gpt::embedding::TokenEmbedding;
use crate::gpt::model::read_f32_async;
use crate::gpt::rmsnorm::RmsNorm;
use crate::gpt::rope::Rope;
use crate::gpt::{ConfigError, ReadbackError, Tumbler, cross_entropy, ids_tensor};
use crate::sampling::Rng;

/// A score no chosen expert has: the unchosen ones' gates come out exactly 0.
const MASKED: f32 = -1e9;

/// E SwiGLU experts and their router.
#[derive(Module, Debug)]
pub struct Experts {
    /// Router, (C, E).
    pub router: Param<Tensor<2>>,
    /// Gate projections, (E, C, d).
    pub w_gate: Param<Tensor<3>>,
    /// Up projections, (E, C, d).
    pub w_up: Param<Tensor<3>>,
    /// Down projections, (E, d, C).
    pub w_down: Param<Tensor<3>>,
    /// Experts per token, k.
    pub top_k: usize,
}

/// What the router decided for a batch.
#[derive(Debug, Clone)]
pub struct Routing {
    /// Softmax over all E router scores, (B, T, E).
    pub probs: Tensor<3>,
    /// 1 where an expert is chosen, (B, T, E).
    pub chosen: Tensor<3>,
    /// Gate weights: softmax over the chosen scores, 0 elsewhere, (B, T, E).
    pub gates: Tensor<3>,
    /// Experts per token, k.
    pub top_k: usize,
}

impl Routing {
    /// The Switch Transformer's load-balancing loss `E · Σ_e f_e · P_e` (see the module docs).
    ///
    /// # Shapes
    /// - output: (1)
    pub fn balance_loss(&self) -> Tensor<1> {
        let [b, t, e] = self.probs.dims();
        let assignments = (b * t * self.top_k) as f32;
        let f = self.chosen.clone().reshape([b * t, e]).sum_dim(0) / assignments; // (1, E)
        let p = self.probs.clone().reshape([b * t, e]).mean_dim(0); // (1, E)
        (f * p).sum() * e as f32
    }
}

impl Experts {
    /// Number of experts E.
    pub fn n_experts(&self) -> usize {
        self.router.val().dims()[1]
    }

    /// The router's decision for every token.
    ///
    /// # Shapes
    /// - x: (B, T, C)
    pub fn route(&self, x: Tensor<3>) -> Routing {
        let scores = x.matmul(self.router.val().unsqueeze()); // (B, T, E)
        let probs = softmax(scores.clone(), 2);
        let kth = scores.clone().topk(self.top_k, 2).narrow(2, self.top_k - 1, 1); // (B, T, 1)
        let mask = scores.clone().greater_equal(kth.expand(scores.dims())); // (B, T, E)
        let chosen =
            Tensor::<3>::zeros(scores.dims(), &scores.device()).mask_fill(mask.clone(), 1.0);
        let gates = softmax(scores.mask_fill(mask.bool_not(), MASKED), 2); // (B, T, E)
        Routing { probs, chosen, gates, top_k: self.top_k }
    }

    /// `Σ_e g_e · SwiGLU_e(x)` over the chosen experts.
    ///
    /// # Shapes
    /// - x: (B, T, C)
    /// - output: (B, T, C)
    pub fn forward(&self, x: Tensor<3>) -> (Tensor<3>, Routing) {
        let [b, t, c] = x.dims();
        let [e, _, d] = self.w_gate.val().dims();
        let routing = self.route(x.clone());
        let all = |w: Tensor<3>| w.swap_dims(0, 1).reshape([c, e * d]).unsqueeze::<3>(); // (1, C, E·d)
        let gate = silu(x.clone().matmul(all(self.w_gate.val()))); // (B, T, E·d)
        let up = x.matmul(all(self.w_up.val())); // (B, T, E·d)
        let hidden = (gate * up).reshape([b, t, e, d]) * routing.gates.clone().unsqueeze_dim(3);
        let down = self.w_down.val().reshape([e * d, c]).unsqueeze::<3>(); // (1, E·d, C)
        (hidden.reshape([b, t, e * d]).matmul(down), routing) // (B, T, C)
    }
}

/// A pre-norm block with experts in place of the MLP.
#[derive(Module, Debug)]
pub struct MoeBlock {
    /// Norm before attention.
    pub attn_norm: RmsNorm,
    /// Causal self-attention, as in the Tumbler.
    pub attn: Attention,
    /// Norm before the experts.
    pub mlp_norm: RmsNorm,
    /// The routed experts.
    pub experts: Experts,
}

impl MoeBlock {
    /// # Shapes
    /// - x: (B, T, C)
    /// - output: (B, T, C)
    pub fn forward(&self, x: Tensor<3>, rope: &Rope) -> (Tensor<3>, Routing) {
        let (a, _) = self.attn.forward(self.attn_norm.forward(x.clone()), Some(rope), None);
        let x = x + a; // (B, T, C)
        let (m, routing) = self.experts.forward(self.mlp_norm.forward(x.clone()));
        (x + m, routing)
    }
}

/// The mixture-of-experts Tumbler.
#[derive(Module, Debug)]
pub struct MoeTumbler {
    /// Token embedding and tied output head, (V, C).
    pub embedding: TokenEmbedding,
    /// Bottom first.
    pub blocks: Vec<MoeBlock>,
    /// Norm before the head.
    pub norm: RmsNorm,
    /// Its shape.
    #[module(skip)]
    pub config: MoeConfig,
}

/// A forward pass's logits and every layer's routing.
#[derive(Debug, Clone)]
pub struct MoeOutput {
    /// (B, T, V).
    pub logits: Tensor<3>,
    /// One per layer, bottom first.
    pub routing: Vec<Routing>,
}

fn param<const D: usize>(values: Vec<f32>, shape: [usize; D], device: &Device) -> Param<Tensor<D>> {
    Param::from_tensor(Tensor::from_data(TensorData::new(values, shape), device))
}

fn host(t: Tensor<2>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().expect("f32 weights")
}

impl MoeTumbler {
    /// Sparse upcycling of `dense` into `config.n_experts` experts that split its FFN's hidden
    /// units in order (expert e holds units e·d … e·d + d − 1 of `w_gate`, `w_up`, `w_down`),
    /// the router's column e the mean of expert e's `w_gate` columns, plus N(0, `noise`²) on the
    /// router (seeded). With E = k = 1 and no noise it computes exactly what `dense` does.
    pub fn upcycle(
        dense: &Tumbler,
        config: &MoeConfig,
        seed: u64,
        noise: f32,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        let (c, e, d) = (dense.config.d_model, config.n_experts, config.d_expert);
        if e * d > dense.config.d_ff || config.base.d_model != c {
            return Err(ConfigError::Zero("d_ff − n_experts·d_expert + 1"));
        }
        let device = dense.embedding.weight.val().device();
        let mut rng = Rng::new(seed);
        let blocks = dense
            .blocks
            .iter()
            .map(|block| {
                let (g, u, w) = (
                    host(block.mlp.w_gate.val()),
                    host(block.mlp.w_up.val()),
                    host(block.mlp.w_down.val()),
                );
                let ff = dense.config.d_ff;
                // (C, d_ff) → (E, C, d): expert x's columns x·d .. x·d + d.
                let split_in = |m: &[f32]| -> Vec<f32> {
                    let mut out = Vec::with_capacity(e * c * d);
                    for x in 0..e {
                        for row in 0..c {
                            out.extend_from_slice(&m[row * ff + x * d..row * ff + x * d + d]);
                        }
                    }
                    out
                };
                // (d_ff, C) → (E, d, C): rows x·d .. x·d + d.
                let split_out: Vec<f32> = w[..e * d * c].to_vec();
                let mut router = vec![0.0f32; c * e];
                for row in 0..c {
                    for x in 0..e {
                        let cols = &g[row * ff + x * d..row * ff + x * d + d];
                        router[row * e + x] =
                            cols.iter().sum::<f32>() / d as f32 + noise * rng.next_normal() as f32;
                    }
                }
                MoeBlock {
                    attn_norm: block.attn_norm.clone(),
                    attn: block.attn.clone(),
                    mlp_norm: block.mlp_norm.clone(),
                    experts: Experts {
                        router: param(router, [c, e], &device),
                        w_gate: param(split_in(&g), [e, c, d], &device),
                        w_up: param(split_in(&u), [e, c, d], &device),
                        w_down: param(split_out, [e, d, c], &device),
                        top_k: config.top_k,
                    },
                }
            })
            .collect();
        Ok(Self {
            embedding: dense.embedding.clone(),
            blocks,
            norm: dense.norm.clone(),
            config: config.clone(),
        })
    }

    /// Seeded random weights (for tests): a random dense Tumbler, upcycled with router noise.
    pub fn init(config: &MoeConfig, seed: u64, device: &Device) -> Result<Self, ConfigError> {
        let base = crate::gpt::TumblerConfig {
            d_ff: config.n_experts * config.d_expert,
            ..config.base.clone()
        };
        let dense = Tumbler::init(&base, seed, device)?;
        let mut moe = Self::upcycle(
            &dense,
            &MoeConfig { base: config.base.clone(), ..config.clone() },
            seed ^ 0x5eed,
            0.02,
        )?;
        moe.config = config.clone();
        Ok(moe)
    }

    /// Logits and routing for a batch of sequences.
    ///
    /// # Shapes
    /// - ids: (B, T)
    /// - output logits: (B, T, V)
    pub fn forward(&self, ids: Tensor<2, Int>) -> MoeOutput {
        let [_, t] = ids.dims();
        let base = &self.config.base;
        let rope = Rope::new(base.head_size(), base.rope_theta, 0, t, &ids.device());
        let mut x = self.embedding.forward(ids); // (B, T, C)
        let mut routing = Vec::with_capacity(self.blocks.len());
        for block in &self.blocks {
            let (next, r) = block.forward(x, &rope);
            x = next;
            routing.push(r);
        }
        let logits = self.embedding.logits(self.norm.forward(x)); // (B, T, V)
        MoeOutput { logits, routing }
    }

    /// Cross-entropy (nats per token) and the mean over layers of the load-balancing loss; the
    /// training loss is `ce + α·aux`.
    ///
    /// # Shapes
    /// - ids, targets: (B, T)
    /// - outputs: (1), (1)
    pub fn losses(&self, ids: Tensor<2, Int>, targets: Tensor<2, Int>) -> (Tensor<1>, Tensor<1>) {
        let out = self.forward(ids);
        let layers = out.routing.len() as f32;
        let aux = out
            .routing
            .iter()
            .map(Routing::balance_loss)
            .reduce(|a, b| a + b)
            .expect("at least one layer")
            / layers;
        (cross_entropy(out.logits, targets), aux)
    }

    /// Total and active parameters, counted from the tensors' shapes.
    pub fn param_count(&self) -> ParamCount {
        let mut total = 0;
        let mut inactive = 0;
        let mut per_expert = 0;
        for (_, dims) in self.shapes() {
            total += dims.iter().product::<usize>();
        }
        for block in &self.blocks {
            let x = &block.experts;
            let e = x.n_experts();
            let one: usize = [x.w_gate.val().dims(), x.w_up.val().dims(), x.w_down.val().dims()]
                .iter()
                .map(|d| d.iter().product::<usize>() / e)
                .sum();
            per_expert = one;
            inactive += (e - x.top_k) * one;
        }
        ParamCount { total, active: total - inactive, per_expert }
    }

    /// Every tensor's name and shape, in the weights file's order.
    pub fn shapes(&self) -> Vec<(String, Vec<usize>)> {
        self.named_params().into_iter().map(|(n, _, s)| (n, s)).collect()
    }

    /// Every parameter with its name (what `moe.safetensors` holds), flattened.
    pub fn named_params(&self) -> Vec<(String, Tensor<1>, Vec<usize>)> {
        let mut out = Vec::new();
        fn push<const D: usize>(
            out: &mut Vec<(String, Tensor<1>, Vec<usize>)>,
            name: String,
            p: &Param<Tensor<D>>,
        ) {
            let t = p.val();
            let shape = t.dims().to_vec();
            let n: usize = shape.iter().product();
            out.push((name, t.reshape([n]), shape));
        }
        push(&mut out, "embedding.weight".into(), &self.embedding.weight);
        for (i, b) in self.blocks.iter().enumerate() {
            let name = |part: &str| format!("blocks.{i}.{part}");
            push(&mut out, name("attn_norm.weight"), &b.attn_norm.weight);
            for (part, p) in [
                ("attn.wq", &b.attn.wq),
                ("attn.wk", &b.attn.wk),
                ("attn.wv", &b.attn.wv),
                ("attn.wo", &b.attn.wo),
            ] {
                push(&mut out, name(part), p);
            }
            push(&mut out, name("mlp_norm.weight"), &b.mlp_norm.weight);
            push(&mut out, name("moe.router"), &b.experts.router);
            push(&mut out, name("moe.w_gate"), &b.experts.w_gate);
            push(&mut out, name("moe.w_up"), &b.experts.w_up);
            push(&mut out, name("moe.w_down"), &b.experts.w_down);
        }
        push(&mut out, "norm.weight".into(), &self.norm.weight);
        out
    }

    /// The router's probabilities in every layer for `ids`, read back: per layer (T, E).
    pub async fn router_probs(&self, ids: &[u32]) -> Result<Vec<Vec<f32>>, ReadbackError> {
        let device = self.embedding.weight.val().device();
        let out = self.forward(ids_tensor(ids, &device));
        let mut layers = Vec::with_capacity(out.routing.len());
        for r in out.routing {
            let [_, t, e] = r.probs.dims();
            layers.push(read_f32_async(r.probs.reshape([t * e])).await?);
        }
        Ok(layers)
    }

    /// The routing of `text`: its first [`MAX_ROUTE_TOKENS`](super::MAX_ROUTE_TOKENS) tokens
    /// (at most the context) through every layer's router. An empty text, or one longer than
    /// that, is an input error with a message for the reader.
    pub async fn route(
        &self,
        encoding: &crate::tokenizer::Encoding,
        text: &str,
    ) -> Result<RouteTrace, crate::inspect::InspectError> {
        use crate::inspect::InspectError;
        let ids = encoding.encode(text);
        let most = super::MAX_ROUTE_TOKENS.min(self.config.base.context_length);
        if ids.is_empty() {
            return Err(InspectError::Input("there is no text to route: type a few words".into()));
        }
        if ids.len() > most {
            return Err(InspectError::Input(format!(
                "the text is {} tokens; the router trace covers at most {most} (about {} \
                 characters of English): shorten it",
                ids.len(),
                most * 3
            )));
        }
        let probs = self.router_probs(&ids).await?;
        let tokens = ids.iter().map(|&id| encoding.text(id)).collect();
        let total = ids.len();
        Ok(RouteTrace::from_probs(ids, tokens, total, &self.config, &probs, self.param_count()))
    }
}
