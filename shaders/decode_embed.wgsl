// Decoding, step 0: the token embedding. x[r, :] = embedding[ids[r], :] for the T rows read now.
//
// Reference: `Embedding::forward` (burn), the first loop of `CpuDecoder::forward`.
// Workgroups: (ceil(C / 64), T); one thread per element of a row.
//
// Shapes (row-major):
//   embedding: (V, C)
//   x:         (T, C)

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
@group(0) @binding(2) var<storage, read> embedding: array<f32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = gid.x;
    let r = gid.y;
    if j >= cfg.c || r >= state.t {
        return;
    }
    x[r * cfg.c + j] = embedding[state.ids[r] * cfg.c + j];
}
