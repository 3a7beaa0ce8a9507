// Causal scaled dot-product attention for one query row of one head, writing both the output
// and the attention probabilities (which the trace shows).
//
// One workgroup per (query i, head h, batch b): workgroup_id = (i, h, b). Head h reads key/value
// head h / (nh / nkv), so one launch covers every head group of grouped-query attention.
// The T queries are the last T of the T_total positions: query i may see keys 0..=offset + i.
//
// Shapes (row-major, contiguous):
//   q:     (B, nh, T, hs)
//   k, v:  (B, nkv, T_total, hs)
//   y:     (B, nh, T, hs)
//   probs: (B, nh, T, T_total)
//   info:  [B, nh, nkv, T, T_total, hs]

const WG: u32 = 64u;
// The lowest finite f32, exactly (Tint rejects a literal that rounds past it).
const LOWEST: f32 = -3.40282346638528859811704183484516925440e38;

@group(0) @binding(0) var<storage, read_write> q: array<f32>;
@group(0) @binding(1) var<storage, read_write> k: array<f32>;
@group(0) @binding(2) var<storage, read_write> v: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> probs: array<f32>;
@group(0) @binding(5) var<storage, read_write> info: array<u32>;

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
    let nh = info[1];
    let nkv = info[2];
    let t = info[3];
    let t_total = info[4];
    let hs = info[5];
    let i = wid.x;
    let h = wid.y;
    let b = wid.z;
    let kv_head = h / (nh / nkv);
    let offset = t_total - t;
    let visible = offset + i + 1u; // keys 0..visible
    let scale = 1.0 / sqrt(f32(hs));

    let q_row = ((b * nh + h) * t + i) * hs; // start of q[b, h, i, :]
    let kv_base = (b * nkv + kv_head) * t_total * hs; // start of k[b, kv_head, 0, :]
    let p_row = ((b * nh + h) * t + i) * t_total; // start of probs[b, h, i, :]

    // Scores q·k / sqrt(hs) for the visible keys, and their maximum.
    var local_max = LOWEST;
    for (var j = lid; j < visible; j = j + WG) {
        var s = 0.0;
        for (var d = 0u; d < hs; d = d + 1u) {
            s = s + q[q_row + d] * k[kv_base + j * hs + d];
        }
        s = s * scale;
        probs[p_row + j] = s;
        local_max = max(local_max, s);
    }
    partial[lid] = local_max;
    reduce(lid, true);
    let row_max = partial[0];
    workgroupBarrier();

    // exp(s - max) and its sum; masked (future) keys get probability 0.
    var local_sum = 0.0;
    for (var j = lid; j < t_total; j = j + WG) {
        var e = 0.0;
        if j < visible {
            e = exp(probs[p_row + j] - row_max);
        }
        probs[p_row + j] = e;
        local_sum = local_sum + e;
    }
    partial[lid] = local_sum;
    reduce(lid, false);
    let inv_sum = 1.0 / partial[0];

    for (var j = lid; j < visible; j = j + WG) {
        probs[p_row + j] = probs[p_row + j] * inv_sum;
    }
    // Every thread reads every probability below: make this workgroup's writes visible.
    storageBarrier();
    workgroupBarrier();

    // y[d] = Σ_j p_j v_j[d].
    let y_row = q_row;
    for (var d = lid; d < hs; d = d + WG) {
        var acc = 0.0;
        for (var j = 0u; j < visible; j = j + 1u) {
            acc = acc + probs[p_row + j] * v[kv_base + j * hs + d];
        }
        y[y_row + d] = acc;
    }
}
