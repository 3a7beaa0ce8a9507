// Decoding, last: the next token chosen on the GPU from the logits, as `Sampler::sample` chooses
// it on the CPU: temperature, softmax, top-k, top-p, then an inverse-CDF draw with the host's
// uniform number for this step. Writes the chosen id, its probability at the shown temperature
// and the CANDIDATES most likely tokens with theirs (one record of 18 words per step), and
// advances `state` so the next step of the batch reads the chosen token at the next position.
//
// Reference: `filtered_distribution`, `Distribution::sample` and `Generation::choose`
// (sampling.rs, generate/stepper.rs).
// Workgroups: (1, 1, 1). The logits are sorted once (bitonic, in storage: V floats do not fit
// in workgroup memory), higher logit first and the smaller id on ties, which is the CPU's order
// of probabilities; sums run in f32 where the CPU uses f64, so a draw within ~1e-6 of a boundary
// between two tokens may go the other way.
//
// Shapes:
//   logits: (V)
//   keys:   (V_pad)    logits, sorted; V_pad = V rounded up to a power of two, at least 256
//   order:  (V_pad)    the token id of each sorted logit
//   out:    (steps, 2 + 2·CANDIDATES)   [id, bitcast(p), (id, bitcast(p)) × CANDIDATES]
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
const WG: u32 = 256u;
const CANDIDATES: u32 = 8u;
const RECORD: u32 = 18u;
const NONE: u32 = 0xffffffffu;

@group(0) @binding(0) var<storage, read> cfg: Cfg;
@group(0) @binding(1) var<storage, read_write> state: State;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read_write> keys: array<f32>;
@group(0) @binding(4) var<storage, read_write> order: array<u32>;
@group(0) @binding(5) var<storage, read_write> out: array<u32>;

var<workgroup> partial: array<f32, WG>;
var<workgroup> keep_at: atomic<u32>;
var<workgroup> chosen_at: atomic<u32>;
var<workgroup> kept: f32;

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

// Whether sorted slot a's entry goes before slot b's: the higher logit, then the smaller id.
fn precedes(a: u32, b: u32) -> bool {
    let ka = keys[a];
    let kb = keys[b];
    return ka > kb || (ka == kb && order[a] < order[b]);
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(local_invocation_index) lid: u32) {
    let v = cfg.v;
    let n = cfg.v_pad;
    let at = state.step;
    let greedy = state.temperature == 0.0;
    let temperature = select(state.temperature, 1.0, greedy);
    let shown = state.shown_temperature;
    let top_k = select(v, min(state.top_k, v), state.top_k > 0u);
    let top_p = state.top_p;
    let u = state.u[at];

    var local_max = LOWEST;
    for (var i = lid; i < n; i = i + WG) {
        if i < v {
            let l = logits[i];
            keys[i] = l;
            order[i] = i;
            local_max = max(local_max, l);
        } else {
            keys[i] = LOWEST;
            order[i] = NONE;
        }
    }
    partial[lid] = local_max;
    reduce(lid, true);
    let m = partial[0];
    workgroupBarrier();
    // The softmax denominators at the run's temperature and at the shown one.
    var local_sum = 0.0;
    for (var i = lid; i < v; i = i + WG) {
        local_sum = local_sum + exp((logits[i] - m) / temperature);
    }
    partial[lid] = local_sum;
    reduce(lid, false);
    let sum = partial[0];
    workgroupBarrier();
    local_sum = 0.0;
    for (var i = lid; i < v; i = i + WG) {
        local_sum = local_sum + exp((logits[i] - m) / shown);
    }
    partial[lid] = local_sum;
    reduce(lid, false);
    let shown_sum = partial[0];
    storageBarrier();

    // Each thread owns `per` consecutive slots. Bitonic sort of the n slots: within blocks of k,
    // pairs j apart compared and swapped. Pairs closer than `per` lie in one thread's slots, so
    // those passes need no barrier until the next pass reaches across threads.
    let per = n / WG;
    let first = lid * per;
    for (var k = 2u; k <= n; k = k * 2u) {
        for (var j = k / 2u; j > 0u; j = j / 2u) {
            for (var s = 0u; s < per; s = s + 1u) {
                var i = first + s;
                if j >= per {
                    i = lid + s * WG;
                }
                let l = i ^ j;
                if l > i && precedes(l, i) == ((i & k) == 0u) {
                    let key = keys[i];
                    keys[i] = keys[l];
                    keys[l] = key;
                    let id = order[i];
                    order[i] = order[l];
                    order[l] = id;
                }
            }
            if j >= per || j == 1u {
                storageBarrier();
            }
        }
    }

    // A scan of each thread's kept mass gives every slot its cumulative probability.
    var mine = 0.0;
    for (var i = first; i < first + per; i = i + 1u) {
        if i < top_k {
            mine = mine + exp((keys[i] - m) / temperature) / sum;
        }
    }
    partial[lid] = mine;
    if lid == 0u {
        atomicStore(&keep_at, top_k);
        atomicStore(&chosen_at, NONE);
    }
    for (var offset = 1u; offset < WG; offset = offset * 2u) {
        workgroupBarrier();
        var add = 0.0;
        if lid >= offset {
            add = partial[lid - offset];
        }
        workgroupBarrier();
        partial[lid] = partial[lid] + add;
    }
    workgroupBarrier();
    let kept_mass = partial[WG - 1u];
    var before = 0.0;
    if lid > 0u {
        before = partial[lid - 1u];
    }

    // top-p: the smallest prefix whose mass reaches top_p of what top-k kept.
    if top_p < 1.0 {
        let wanted = top_p * kept_mass;
        var cumulative = before;
        for (var i = first; i < min(first + per, top_k); i = i + 1u) {
            cumulative = cumulative + exp((keys[i] - m) / temperature) / sum;
            if cumulative >= wanted {
                atomicMin(&keep_at, i + 1u);
                break;
            }
        }
    }
    workgroupBarrier();
    let keep = atomicLoad(&keep_at);
    // The kept mass: the cumulative probability of the last kept slot.
    var cumulative = before;
    for (var i = first; i < min(first + per, keep); i = i + 1u) {
        cumulative = cumulative + exp((keys[i] - m) / temperature) / sum;
        if i + 1u == keep {
            kept = cumulative;
        }
    }
    workgroupBarrier();
    // The draw: the first kept slot whose cumulative probability passes u of the kept mass.
    let threshold = u * kept;
    cumulative = before;
    for (var i = first; i < min(first + per, keep); i = i + 1u) {
        cumulative = cumulative + exp((keys[i] - m) / temperature) / sum;
        if threshold < cumulative {
            atomicMin(&chosen_at, i);
            break;
        }
    }
    workgroupBarrier();

    if lid == 0u {
        var slot = min(atomicLoad(&chosen_at), keep - 1u);
        if greedy {
            slot = 0u;
        }
        let id = order[slot];
        let base = at * RECORD;
        out[base] = id;
        out[base + 1u] = bitcast<u32>(exp((keys[slot] - m) / shown) / shown_sum);
        for (var c = 0u; c < CANDIDATES; c = c + 1u) {
            out[base + 2u + 2u * c] = order[c];
            out[base + 3u + 2u * c] = bitcast<u32>(exp((keys[c] - m) / shown) / shown_sum);
        }
        state.ids[0] = id;
        state.pos0 = state.pos0 + state.t;
        state.t = 1u;
        state.step = at + 1u;
    }
}
