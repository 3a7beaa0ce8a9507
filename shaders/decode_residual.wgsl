// Decoding, per block 3 and 5 of 5: a projection added to the residual stream, x += a · w. The
// output projection (a = attention output, w = W_o) and the MLP's down projection (a = hidden,
// w = W_down) both run it.
//
// Reference: `wo` and `w_down` with the residual adds (burn), `matmul` then `add` in
// `CpuDecoder::forward`.
// Workgroups: (ceil(C / 64), T); one thread per output column.
//
// Shapes (row-major):
//   a: (T, n_in)
//   w: (n_in, C)     n_in is read from its length
//   x: (T, C)
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
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> w: array<f32>;
@group(0) @binding(4) var<storage, read_write> x: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = gid.x;
    let r = gid.y;
    let c = cfg.c;
    if j >= c || r >= state.t {
        return;
    }
    let n_in = arrayLength(&w) / c;
    var acc = 0.0;
    for (var i = 0u; i < n_in; i = i + 1u) {
        acc = acc + a[r * n_in + i] * w[i * c + j];
    }
    x[r * c + j] = x[r * c + j] + acc;
}
