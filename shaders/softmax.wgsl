// Temperature softmax over the last axis: probs[r, :] = softmax(logits[r, :] / temperature).
//
// One workgroup per row r: workgroup_id.x = r. Max-subtracted for stability.
//
// Shapes (row-major, contiguous):
//   logits: (R, V)
//   probs:  (R, V)
//   info:   [R, V, bitcast<u32>(temperature)]

const WG: u32 = 256u;
// The lowest finite f32, exactly (Tint rejects a literal that rounds past it).
const LOWEST: f32 = -3.40282346638528859811704183484516925440e38;

@group(0) @binding(0) var<storage, read_write> logits: array<f32>;
@group(0) @binding(1) var<storage, read_write> probs: array<f32>;
@group(0) @binding(2) var<storage, read_write> info: array<u32>;

var<workgroup> partial: array<f32, WG>;

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

@compute @workgroup_size(256, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let n = info[1];
    let inv_t = 1.0 / bitcast<f32>(info[2]);
    let row = wid.x * n;

    var local_max = LOWEST;
    for (var j = lid; j < n; j = j + WG) {
        local_max = max(local_max, logits[row + j] * inv_t);
    }
    partial[lid] = local_max;
    reduce(lid, true);
    let row_max = partial[0];
    workgroupBarrier();

    var local_sum = 0.0;
    for (var j = lid; j < n; j = j + WG) {
        let e = exp(logits[row + j] * inv_t - row_max);
        probs[row + j] = e;
        local_sum = local_sum + e;
    }
    partial[lid] = local_sum;
    reduce(lid, false);
    let inv_sum = 1.0 / partial[0];

    for (var j = lid; j < n; j = j + WG) {
        probs[row + j] = probs[row + j] * inv_sum;
    }
}
