// Decoding, per block 2 of 5: causal attention of the rows read now over the cached keys and
// values, writing each head's probabilities too when a trace asks for them.
//
// Reference: `causal_attention_reference` (burn) and shaders/attention.wgsl; the second loop of
// a block in `CpuDecoder::forward`.
// Workgroups: (nh, T): one per query head and row. Row r sits at position pos0 + r and sees keys
// 0..=pos0 + r; head h reads key/value head h / (nh / nkv) (grouped-query attention).
//
// Shapes (row-major):
//   q:     (T, nh·hs)
//   kv:    (2, context, nkv·hs)    keys, then values
//   att:   (T, nh·hs)
//   probs: (nh, context, context)  row r of head h at [h, r, :], written when state.trace is 1
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

// The lowest finite f32, exactly (Tint rejects a literal that rounds past it).
const LOWEST: f32 = -3.40282346638528859811704183484516925440e38;

const WG: u32 = 64u;
// The longest context and the widest head the workgroup memory holds.
const MAX_CTX: u32 = 1024u;
const MAX_HS: u32 = 256u;

@group(0) @binding(0) var<storage, read> cfg: Cfg;
@group(0) @binding(1) var<storage, read> state: State;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read> kv: array<f32>;
@group(0) @binding(4) var<storage, read_write> att: array<f32>;
@group(0) @binding(5) var<storage, read_write> probs: array<f32>;

var<workgroup> scores: array<f32, MAX_CTX>;
var<workgroup> query: array<f32, MAX_HS>;
var<workgroup> partial: array<f32, WG>;

// Reduces `partial` to partial[0] with `max` (is_max) or `+`.
fn reduce(lid: u32, is_max: bool) {
    for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
        workgroupBarrier();
        if lid < stride {
            if is_max {
                partial[lid] = max(partial[lid], partial[lid + stride]);
            } else {
                partial[lid] = partial[lid] + partial[lid + stride];
            }
        }
    }
    workgroupBarrier();
}

@compute @workgroup_size(64, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let h = wid.x;
    let r = wid.y;
    if r >= state.t {
        return;
    }
    let hs = cfg.hs;
    let q_dim = cfg.nh * hs;
    let kv_dim = cfg.nkv * hs;
    let head = (h / (cfg.nh / cfg.nkv)) * hs;
    let seen = state.pos0 + r + 1u;
    let scale = 1.0 / sqrt(f32(hs));
    for (var d = lid; d < hs; d = d + WG) {
        query[d] = q[r * q_dim + h * hs + d];
    }
    workgroupBarrier();

    var local_max = LOWEST;
    for (var j = lid; j < seen; j = j + WG) {
        let key = j * kv_dim + head;
        var s = 0.0;
        for (var d = 0u; d < hs; d = d + 1u) {
            s = s + query[d] * kv[key + d];
        }
        s = s * scale;
        scores[j] = s;
        local_max = max(local_max, s);
    }
    partial[lid] = local_max;
    reduce(lid, true);
    let row_max = partial[0];
    workgroupBarrier();

    var local_sum = 0.0;
    for (var j = lid; j < seen; j = j + WG) {
        let e = exp(scores[j] - row_max);
        scores[j] = e;
        local_sum = local_sum + e;
    }
    partial[lid] = local_sum;
    reduce(lid, false);
    let inv_sum = 1.0 / partial[0];
    let traced = state.trace == 1u;
    for (var j = lid; j < seen; j = j + WG) {
        let p = scores[j] * inv_sum;
        scores[j] = p;
        if traced {
            probs[(h * cfg.ctx + r) * cfg.ctx + j] = p;
        }
    }
    workgroupBarrier();

    let values = cfg.ctx * kv_dim + head;
    for (var d = lid; d < hs; d = d + WG) {
        var acc = 0.0;
        for (var j = 0u; j < seen; j = j + 1u) {
            acc = acc + scores[j] * kv[values + j * kv_dim + d];
        }
        att[r * q_dim + h * hs + d] = acc;
    }
}
