// Decoding, per block 4 of 5: RMSNorm, then the gate and up projections in one, and
// SiLU(gate) · up.
//
// Reference: `mlp_norm`, `w_gate`, `w_up` and the SwiGLU product (burn), the MLP loop of a block
// in `CpuDecoder::forward`.
// Workgroups: (ceil(d_ff / 64), T); each workgroup normalises its row once, each thread computes
// one gate column and its up column.
//
// Shapes (row-major):
//   x:      (T, C)
//   gain:   (C)
//   w:      (C, 2·d_ff)    row i is [gate_i | up_i]
//   hidden: (T, d_ff)
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
@group(0) @binding(5) var<storage, read_write> hidden: array<f32>;

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
    let ff = cfg.ff;
    let j = wid.x * WG + lid;
    if j >= ff {
        return;
    }
    var gate = 0.0;
    var up = 0.0;
    for (var i = 0u; i < cfg.c; i = i + 1u) {
        let xi = xn[i];
        gate = gate + xi * w[i * 2u * ff + j];
        up = up + xi * w[i * 2u * ff + ff + j];
    }
    hidden[r * ff + j] = gate / (1.0 + exp(-gate)) * up;
}
