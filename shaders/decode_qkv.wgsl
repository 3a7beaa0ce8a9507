// Decoding, per block 1 of 5: RMSNorm, then Q, K and V in one projection, RoPE on Q and K, and
// K and V written into the block's cache at their positions.
//
// Reference: `attn_norm`, `wq`/`wk`/`wv` and `Rope::apply` (burn, with `KvCache::append`), the
// first loop of a block in `CpuDecoder::forward`.
// Workgroups: (ceil((nh·hs + 2·nkv·hs) / 2 / 64), T). Each workgroup normalises its row once;
// each thread computes the two columns a rotation pairs (d and d + hs/2 of one head of Q or K),
// or two neighbouring columns of V.
//
// Shapes (row-major):
//   x:    (T, C)                       the residual stream
//   gain: (C)
//   w:    (C, nh·hs + 2·nkv·hs)         row i is [q_i | k_i | v_i]
//   rope: (2, context, hs/2)            cos, then sin
//   q:    (T, nh·hs)                    after RoPE
//   kv:   (2, context, nkv·hs)          keys after RoPE, then values
// The model's sizes, written once (the same struct in every decode_*.wgsl). A read-only storage
// buffer, not a uniform: lavapipe recompiles a kernel whose loop bounds come from a uniform
// buffer on every dispatch ("inlined uniforms"), which made a token 100× slower there.
struct Cfg {
    c: u32, nh: u32, nkv: u32, hs: u32,
    ff: u32, v: u32, ctx: u32, v_pad: u32,
    eps: f32, n_layers: u32, pad0: u32, pad1: u32,
}

// Where decoding stands, written once per submit; the sampler advances it between the steps of a
// batch (the same struct in every decode_*.wgsl).
struct State {
    // Position of row 0; rows read now.
    pos0: u32, t: u32,
    // Step of the batch; 1 to write attention probabilities.
    step: u32, trace: u32,
    temperature: f32, shown_temperature: f32,
    // 0 keeps every token.
    top_k: u32, top_p: f32,
    // One uniform draw in [0, 1) per step, from the host's seeded generator.
    u: array<f32, 64>,
    // The ids of the rows read now; the sampler writes its choice to ids[0].
    ids: array<u32>,
}

@group(0) @binding(0) var<storage, read> cfg: Cfg;
@group(0) @binding(1) var<storage, read> state: State;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> gain: array<f32>;
@group(0) @binding(4) var<storage, read> w: array<f32>;
@group(0) @binding(5) var<storage, read> rope: array<f32>;
@group(0) @binding(6) var<storage, read_write> q: array<f32>;
@group(0) @binding(7) var<storage, read_write> kv: array<f32>;

const WG: u32 = 64u;
// The widest model C the normalised row in workgroup memory holds.
const MAX_C: u32 = 1024u;

var<workgroup> xn: array<f32, MAX_C>;
var<workgroup> partial: array<f32, WG>;

// xn = x[r, :] / sqrt(mean(x[r, :]²) + eps) * gain: RMSNorm of row r, into workgroup memory.
fn norm_row(r: u32, lid: u32) {
    let c = cfg.c;
    var squares = 0.0;
    for (var i = lid; i < c; i = i + WG) {
        let v = x[r * c + i];
        squares = squares + v * v;
    }
    partial[lid] = squares;
    for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
        workgroupBarrier();
        if lid < stride {
            partial[lid] = partial[lid] + partial[lid + stride];
        }
    }
    workgroupBarrier();
    let inv = 1.0 / sqrt(partial[0] / f32(c) + cfg.eps);
    for (var i = lid; i < c; i = i + WG) {
        xn[i] = x[r * c + i] * inv * gain[i];
    }
    workgroupBarrier();
}

@compute @workgroup_size(64, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let r = wid.y;
    if r >= state.t {
        return;
    }
    norm_row(r, lid);

    let half = cfg.hs / 2u;
    let q_dim = cfg.nh * cfg.hs;
    let kv_dim = cfg.nkv * cfg.hs;
    let n = q_dim + 2u * kv_dim;
    let rotated = (cfg.nh + cfg.nkv) * half;
    let unit = wid.x * WG + lid;
    if unit >= n / 2u {
        return;
    }
    // Q and K heads lie side by side, so head `unit / half` of nh + nkv covers both.
    var a = (unit / half) * cfg.hs + unit % half;
    var b = a + half;
    if unit >= rotated {
        a = q_dim + kv_dim + 2u * (unit - rotated);
        b = a + 1u;
    }
    var ya = 0.0;
    var yb = 0.0;
    for (var i = 0u; i < cfg.c; i = i + 1u) {
        let xi = xn[i];
        ya = ya + xi * w[i * n + a];
        yb = yb + xi * w[i * n + b];
    }

    let pos = state.pos0 + r;
    if unit < rotated {
        let d = unit % half;
        let c = rope[pos * half + d];
        let s = rope[(cfg.ctx + pos) * half + d];
        let ra = ya * c - yb * s;
        let rb = yb * c + ya * s;
        if a < q_dim {
            q[r * q_dim + a] = ra;
            q[r * q_dim + b] = rb;
        } else {
            kv[pos * kv_dim + a - q_dim] = ra;
            kv[pos * kv_dim + b - q_dim] = rb;
        }
    } else {
        let values = cfg.ctx * kv_dim + pos * kv_dim - q_dim - kv_dim;
        kv[values + a] = ya;
        kv[values + b] = yb;
    }
}
