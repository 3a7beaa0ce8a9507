// The browser benchmark (`cargo xtask bench browser`): the engine as a reader meets it, in
// Debian's Chromium, on this run's backend (TUMBLER_E2E_BACKEND=webgpu|cpu, as the tests).
//
// It measures, and prints as a table and JSON (tests/e2e/artifacts/<backend>/bench.json):
// - the size of every wasm in the build: raw, gzip -9 and brotli -11 (what a server would send);
// - time to `ready`, from navigation to the status saying so: once with an empty cache (download)
//   and once warm (the weights come from the Cache API);
// - prefill: the worker's time for the first forward pass over a long prompt (the context holds
//   256 tokens, so the longest prompt that still leaves room for one new token is 255);
// - decode ms/token p50 at positions 10 and 200: single-token forward passes with the KV cache;
// - first-token latency: the page's time from posting a short Generate to the first token;
// - hardware-independent WebGPU counts (gpu-counters.js, loaded in the engine's worker before its
//   wasm): compute dispatches, queue submits, buffer maps, writeBuffer calls and bytes, bytes read
//   back, per decoded token and for one Trace question.
//
// The page's own engine worker is used (the script wraps `Worker` before the app runs), so the
// backend is the one the page chose. Requests use ids far above the page's own.
//
// Then, in the same Chromium, the peer: npm's onnxruntime-web running the same weights
// (scripts/tumbler_onnx.py's ONNX graph with a KV cache, $TUMBLER_ONNX) on its wasm provider with
// one thread and on its webgpu provider (WebGPU runs only), on the same prompts' token ids, with
// the same measurements and whether its greedy ids equal our engine's.

import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { BACKEND, DIST, ROOT, ARTIFACTS, serve, launch, openPage, chapterUrl, artifacts, askWorker } from "./harness.mjs";

const REPEATS = Number(process.env.TUMBLER_BENCH_REPEATS ?? 5);
const E2E = join(ROOT, "tests", "e2e");
const ORT_DIST = join(E2E, "node_modules", "onnxruntime-web", "dist");
const ONNX =
  process.env.TUMBLER_ONNX ?? join(process.env.CARGO_TARGET_DIR ?? join(ROOT, "target"), "onnx", "model.onnx");
// Tokens decoded for the per-token GPU counts: SwiftShader takes ~1.5 s per token of ours.
const COUNTED_TOKENS = Number(process.env.TUMBLER_BENCH_COUNTED_TOKENS ?? 4);
// ONNX Runtime Web as its package exports it for each provider: `onnxruntime-web/wasm` and
// `onnxruntime-web/webgpu` (the C++ WebGPU provider; the default bundle's JS one, "JSEP", was
// slower on SwiftShader: ~400 against ~270 ms/token when tried).
const PEERS = [
  {
    name: "ORT wasm (1 thread)",
    provider: "wasm",
    script: "ort.wasm.min.js",
    files: ["ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"],
  },
  {
    name: "ORT webgpu",
    provider: "webgpu",
    script: "ort.webgpu.min.js",
    files: ["ort.webgpu.min.js", "ort-wasm-simd-threaded.asyncify.mjs", "ort-wasm-simd-threaded.asyncify.wasm"],
  },
];

for (const [what, path, how] of [
  ["onnxruntime-web", ORT_DIST, "run `npm ci` in tests/e2e (or `cargo xtask setup`)"],
  ["the ONNX model", ONNX, "run `python3 scripts/tumbler_onnx.py export --out " + ONNX + "` (needs `pip install onnx numpy`; `cargo xtask bench browser` does it in a venv), or set TUMBLER_ONNX"],
]) {
  if (!existsSync(path)) throw new Error(`${what} is missing (${path}): ${how}`);
}
const ONNX_META = JSON.parse(readFileSync(ONNX.replace(/\.onnx$/, ".json"), "utf8"));

// Brotli at quality 11 takes a minute for a 30 MB wasm on this machine: sizes are kept in
// artifacts/ by file, size and modification time, and computed only for files not seen before.
const SIZE_CACHE = join(ARTIFACTS, "..", "sizes-cache.json");
function sizeOf(path) {
  const cache = existsSync(SIZE_CACHE) ? JSON.parse(readFileSync(SIZE_CACHE, "utf8")) : {};
  const info = statSync(path);
  const key = `${path}:${info.size}:${info.mtimeMs}`;
  if (!cache[key]) {
    const bytes = readFileSync(path);
    const br = brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    });
    cache[key] = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli: br.length };
    mkdirSync(dirname(SIZE_CACHE), { recursive: true });
    writeFileSync(SIZE_CACHE, JSON.stringify(cache, null, 1));
  }
  return { file: basename(path), ...cache[key] };
}

function sizes() {
  return readdirSync(DIST)
    .filter((f) => f.endsWith(".wasm"))
    .map((file) => sizeOf(join(DIST, file)));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

// Runs before the app: keeps every Worker the page starts, each started on gpu-counters.js
// (served beside the worker's script), which wraps the GPU prototypes in the worker and then
// loads the worker's own script. Trunk's loaders are classic scripts (importScripts); a module
// worker would start as it is, uncounted.
function wrapWorkers() {
  const Original = window.Worker;
  window.__workers = [];
  window.Worker = class extends Original {
    constructor(script, options) {
      const url = new URL(script, location.href);
      const classic = (options?.type ?? "classic") === "classic";
      super(classic ? new URL(`__gpu-counters.js?src=${encodeURIComponent(url)}`, url) : script, options);
      this.countsGpu = classic;
      window.__workers.push(this);
    }
  };
}

// The GPU counts of the page's live engine worker so far, or null when it is not counted.
async function workerCounters(page) {
  return page.evaluate(
    () =>
      new Promise((resolve) => {
        const worker = window.__workers.at(-1);
        if (!worker.countsGpu) return resolve(null);
        const channel = new MessageChannel();
        channel.port1.onmessage = (event) => resolve(event.data.available ? event.data : null);
        worker.postMessage({ gpuCounters: true }, [channel.port2]);
      }),
  );
}

// (after − before) / n for every count; null when either is.
function perUnit(before, after, n = 1) {
  if (!before || !after) return null;
  return Object.fromEntries(
    Object.keys(after)
      .filter((k) => typeof after[k] === "number")
      .map((k) => [k, (after[k] - before[k]) / n]),
  );
}

// Per decoded token: a generation of 1 + n tokens less one of 1 token (the prompt's pass and the
// request's own work cancel), over n. `count()` reads the counts, `gen(k)` generates k tokens.
async function countPerToken(count, gen, n) {
  const c0 = await count();
  await gen(1);
  const c1 = await count();
  await gen(1 + n);
  const c2 = await count();
  const one = perUnit(c0, c1);
  const more = perUnit(c1, c2);
  if (!one || !more) return null;
  return Object.fromEntries(Object.keys(more).map((k) => [k, (more[k] - one[k]) / n]));
}

// Loads the page (or reloads it, when `url` is null) and waits for the engine.
async function timeToReady(page, url) {
  if (url) await page.goto(url);
  else await page.reload();
  const handle = await page.waitForFunction(
    () => {
      const s = document.querySelector("[data-engine-state]");
      if (s?.dataset.engineState === "error") return { error: s.innerText };
      return s?.dataset.engineState === "ready" ? { ms: performance.now(), backend: s.dataset.backend } : null;
    },
    null,
    { timeout: 300_000, polling: 20 },
  );
  const result = await handle.jsonValue();
  if (result.error) throw new Error(`the engine failed to load: ${result.error}`);
  return result;
}


async function tokenCount(page, text) {
  const [reply] = await askWorker(page, { kind: "Trace", text });
  return reply.Trace.total_tokens;
}

// The longest prefix (in words) of `words` whose text has at most `n` tokens, and its count.
async function promptOf(page, words, n) {
  let lo = 1;
  let hi = Math.min(words.length, n);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if ((await tokenCount(page, words.slice(0, mid).join(" "))) <= n) lo = mid;
    else hi = mid - 1;
  }
  const text = words.slice(0, lo).join(" ");
  return { text, tokens: await tokenCount(page, text) };
}

async function generate(page, prompt, maxTokens) {
  const replies = await askWorker(page, {
    kind: "Generate",
    prompt,
    options: { max_tokens: maxTokens, temperature: 0, seed: 1 },
  });
  return replies.filter((r) => r.type === "Step");
}

// The token ids of `text`, as the engine reads them (the whole text: it must fit the context).
async function idsOf(page, text) {
  const [reply] = await askWorker(page, { kind: "Next", text });
  const { ids, total_tokens } = reply.Next;
  if (ids.length !== total_tokens) throw new Error(`the engine read ${ids.length} of ${total_tokens} tokens`);
  return ids;
}

// In the peer's page: loads ONNX Runtime Web (`script`) and creates a session for the model on
// `provider`; with `measure`, times and counts it as the engine is timed. Runs in the browser.
async function peerInPage({ script, provider, meta, measure, prompts, repeats, counted }) {
  await new Promise((ok, fail) => {
    const tag = document.createElement("script");
    tag.src = `/peer/ort/${script}`;
    tag.onload = ok;
    tag.onerror = () => fail(new Error(`/peer/ort/${script} did not load`));
    document.head.append(tag);
  });
  const ort = globalThis.ort;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.wasmPaths = "/peer/ort/";
  // Its warnings (shape ops placed on the CPU) would read as page problems.
  ort.env.logLevel = "error";
  const { n_layers, n_kv_heads, head_size } = meta;
  const cacheNames = [];
  for (let l = 0; l < n_layers; l++) for (const kind of ["key", "value"]) cacheNames.push(`${kind}.${l}`);
  // On WebGPU the KV cache stays on the GPU between steps (ONNX Runtime's own way to decode);
  // only the logits come back.
  const preferredOutputLocation =
    provider === "webgpu" ? Object.fromEntries(cacheNames.map((n) => [`present_${n}`, "gpu-buffer"])) : undefined;
  const session = await ort.InferenceSession.create("/peer/model.onnx", {
    executionProviders: [provider],
    preferredOutputLocation,
    logSeverityLevel: 3,
  });
  const ready = performance.now();
  if (!measure) return { ready };

  const empty = () =>
    Object.fromEntries(
      cacheNames.map((n) => [`past_${n}`, new ort.Tensor("float32", new Float32Array(0), [1, n_kv_heads, 0, head_size])]),
    );
  const release = (past) => Object.values(past).forEach((t) => t.location === "gpu-buffer" && t.dispose());
  // One pass over `ids` after the cache `past`: the greedy next id, the time from the call to
  // that id, and the grown cache.
  const run = async (ids, past) => {
    const input = new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]);
    const started = performance.now();
    const out = await session.run({ input_ids: input, ...past });
    const logits = out.logits.data; // (1, T, V)
    const v = out.logits.dims[2];
    const last = (ids.length - 1) * v;
    let id = 0;
    for (let i = 1; i < v; i++) if (logits[last + i] > logits[last + id]) id = i;
    const ms = performance.now() - started;
    release(past);
    const next = Object.fromEntries(cacheNames.map((n) => [`past_${n}`, out[`present_${n}`]]));
    return { id, ms, past: next };
  };
  // n greedy tokens after `prompt`; ms[0] is the prompt's pass, ms[k ≥ 1] one token each.
  const greedy = async (prompt, n) => {
    let step = await run(prompt, empty());
    const ids = [step.id];
    const ms = [step.ms];
    while (ids.length < n) {
      step = await run([step.id], step.past);
      ids.push(step.id);
      ms.push(step.ms);
    }
    release(step.past);
    return { ids, ms };
  };

  await greedy(prompts.short, 2); // warm-up: shader compilation, allocators
  const result = { ready, first: [], prefill: [], decode10: [], decode200: [], ids: {} };
  for (let i = 0; i < repeats; i++) {
    const s = await greedy(prompts.short, 6);
    result.first.push(s.ms[0]);
    result.decode10.push(...s.ms.slice(1));
    const m = await greedy(prompts.mid, 6);
    result.decode200.push(...m.ms.slice(1));
    const l = await greedy(prompts.long, 1);
    result.prefill.push(l.ms[0]);
    if (i === 0) result.ids = { short: s.ids, mid: m.ids, long: l.ids };
  }
  const counts = () => (globalThis.GPUComputePassEncoder ? { ...globalThis.__gpuCounters } : null);
  result.counters = { c0: counts() };
  await greedy(prompts.short, 1);
  result.counters.c1 = counts();
  await greedy(prompts.short, 1 + counted);
  result.counters.c2 = counts();
  await greedy(prompts.mid, 1);
  result.counters.c3 = counts();
  return result;
}

// One peer in its own browser context (an empty cache): time to ready cold, then warm (reloads:
// the browser's HTTP cache), then the measurements.
async function runPeer(browser, origin, peer, prompts) {
  const { page, context, problems } = await openPage(browser, origin);
  await page.addInitScript({ path: join(E2E, "gpu-counters.js") });
  const args = { script: peer.script, provider: peer.provider, meta: ONNX_META, prompts, repeats: REPEATS, counted: COUNTED_TOKENS };
  try {
    await page.goto(`${origin}/peer/index.html`);
    const { ready: cold } = await page.evaluate(peerInPage, { ...args, measure: false });
    const warm = [];
    for (let i = 0; i < 2; i++) {
      await page.reload();
      warm.push((await page.evaluate(peerInPage, { ...args, measure: false })).ready);
    }
    await page.reload();
    const r = await page.evaluate(peerInPage, { ...args, measure: true });
    const { c0, c1, c2, c3 } = r.counters;
    const one = perUnit(c0, c1);
    const more = perUnit(c1, c2);
    return {
      name: peer.name,
      provider: peer.provider,
      files: [...peer.files.map((f) => sizeOf(join(ORT_DIST, f))), sizeOf(ONNX)],
      ready_ms: { cold, warm_p50: median(warm) },
      prefill: { tokens: prompts.long.length, ms_p50: median(r.prefill), runs: r.prefill.length },
      decode_ms_per_token_p50: {
        [`pos_${prompts.short.length}`]: median(r.decode10),
        [`pos_${prompts.mid.length}`]: median(r.decode200),
        samples: [r.decode10.length, r.decode200.length],
      },
      first_token_ms_p50: { prompt_tokens: prompts.short.length, ms: median(r.first), note: "from token ids (no tokenizer)" },
      greedy_ids: r.ids,
      gpu_per_token:
        one && more
          ? Object.fromEntries(Object.keys(more).map((k) => [k, (more[k] - one[k]) / COUNTED_TOKENS]))
          : null,
      gpu_per_prompt: c3 ? { tokens: prompts.mid.length, what: "prefill", ...perUnit(c2, c3) } : null,
      problems,
    };
  } finally {
    await context.close();
  }
}

// What the run is doing, on stderr: a WebGPU run on SwiftShader takes minutes.
const progress = (what) => console.error(`bench (${BACKEND}): ${what}`);

const sameIds = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

const server = await serve(0, {
  mounts: {
    "/__gpu-counters.js": join(E2E, "gpu-counters.js"),
    "/peer/": dirname(ONNX),
    "/peer/index.html": join(E2E, "peer.html"),
    "/peer/model.onnx": ONNX,
    "/peer/ort/": ORT_DIST,
  },
});
const browser = await launch();
try {
  const { page, context, problems } = await openPage(browser, server.origin);
  await page.addInitScript(wrapWorkers);
  const url = chapterUrl(server.origin, "inference");
  progress("our engine: time to ready");
  const cold = await timeToReady(page, url);
  const warm = [];
  for (let i = 0; i < 3; i++) warm.push(await timeToReady(page, null));
  // The panel writes a first few tokens once the engine is ready: that run ends before any timing.
  await page.waitForSelector('.live-generate [data-live-state="result"]', { timeout: 300_000 });

  const words = readFileSync(join(ROOT, "public", "model", "heldout.txt"), "utf8").split(/\s+/).filter(Boolean);
  const short = await promptOf(page, words, 10);
  const mid = await promptOf(page, words, 200);
  const long = await promptOf(page, words, 255);

  // Warm-up: the first pass compiles shaders (WebGPU) or fills allocators.
  progress(`our engine: prompts of ${short.tokens}, ${mid.tokens} and ${long.tokens} tokens; timing`);
  await generate(page, short.text, 2);

  const firstToken = [];
  const prefill = [];
  const decode10 = [];
  const decode200 = [];
  const greedyIds = {};
  for (let i = 0; i < REPEATS; i++) {
    const s = await generate(page, short.text, 6);
    if (s[0]) firstToken.push(s[0].at);
    // Step k ≥ 1 runs one token at position prompt + k − 1.
    decode10.push(...s.slice(1).map((t) => t.millis));
    const m = await generate(page, mid.text, 6);
    decode200.push(...m.slice(1).map((t) => t.millis));
    const l = await generate(page, long.text, 1);
    if (l[0]) prefill.push(l[0].millis);
    if (i === 0) Object.assign(greedyIds, { short: s, mid: m, long: l });
  }
  for (const k of Object.keys(greedyIds)) greedyIds[k] = greedyIds[k].map((t) => t.token.id);

  // The GPU work of our engine: per decoded token, and for one Trace question.
  progress("our engine: GPU counts");
  const count = () => workerCounters(page);
  const gpuPerToken = await countPerToken(count, (n) => generate(page, short.text, n), COUNTED_TOKENS);
  const beforeTrace = await count();
  const [traced] = await askWorker(page, { kind: "Trace", text: mid.text });
  const gpuPerTrace = perUnit(beforeTrace, await count());

  const prompts = { short: await idsOf(page, short.text), mid: await idsOf(page, mid.text), long: await idsOf(page, long.text) };
  const result = {
    backend: cold.backend,
    asked: BACKEND,
    wasm: sizes(),
    ready_ms: { cold: cold.ms, warm_p50: median(warm.map((w) => w.ms)) },
    prefill: { tokens: long.tokens, ms_p50: median(prefill), runs: prefill.length },
    decode_ms_per_token_p50: {
      [`pos_${short.tokens}`]: median(decode10),
      [`pos_${mid.tokens}`]: median(decode200),
      samples: [decode10.length, decode200.length],
    },
    first_token_ms_p50: { prompt_tokens: short.tokens, ms: median(firstToken) },
    greedy_ids: greedyIds,
    gpu_per_token: gpuPerToken,
    gpu_per_trace: gpuPerTrace && { tokens: traced.Trace.ids.length, ...gpuPerTrace },
    problems,
  };
  await context.close();

  // The peer, after our engine, in the same browser.
  result.peers = [];
  for (const peer of PEERS) {
    if (peer.provider === "webgpu" && BACKEND !== "webgpu") {
      result.peers.push({ name: peer.name, provider: peer.provider, skipped: "WebGPU is off in the CPU run" });
      continue;
    }
    progress(peer.name);
    const r = await runPeer(browser, server.origin, peer, prompts);
    r.same_greedy_ids = Object.fromEntries(Object.keys(greedyIds).map((k) => [k, sameIds(r.greedy_ids[k], greedyIds[k])]));
    result.peers.push(r);
  }
  result.measured_at = new Date().toISOString();

  report(result);
  const out = join(await artifacts(), "bench.json");
  writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`  written to ${out}`);
  summary();
} finally {
  await browser.close();
  await server.close();
}

function report(result) {
  const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : "–");
  const { short, mid } = Object.fromEntries(
    Object.entries(result.greedy_ids).map(([k, v]) => [k, v.length]),
  );
  console.log(`\nengine benchmark in Chromium — asked ${BACKEND}, ran on ${result.backend}`);
  for (const w of result.wasm) {
    console.log(`  ${w.file.padEnd(44)} raw ${w.raw} B, gzip ${w.gzip} B, brotli ${w.brotli} B`);
  }
  const [p10, p200] = Object.keys(result.decode_ms_per_token_p50).filter((k) => k.startsWith("pos_"));
  console.log(`  time to ready: ${f(result.ready_ms.cold)} ms with an empty cache, ${f(result.ready_ms.warm_p50)} ms warm (p50 of 3)`);
  console.log(`  prefill ${result.prefill.tokens} tokens: ${f(result.prefill.ms_p50)} ms (p50 of ${result.prefill.runs})`);
  console.log(`  decode at position ${p10.slice(4)}: ${f(result.decode_ms_per_token_p50[p10])} ms/token; at ${p200.slice(4)}: ${f(result.decode_ms_per_token_p50[p200])} ms/token (p50)`);
  console.log(`  first token after a ${result.first_token_ms_p50.prompt_tokens}-token prompt: ${f(result.first_token_ms_p50.ms)} ms (p50, page to page)`);
  if (result.problems.length) console.log(`  page problems: ${result.problems.join("; ")}`);
  for (const peer of result.peers) {
    if (peer.skipped) {
      console.log(`  ${peer.name}: skipped (${peer.skipped})`);
      continue;
    }
    const agree = Object.entries(peer.same_greedy_ids).map(([k, same]) => `${k} ${same ? "same" : "DIFFERENT"}`);
    console.log(`  ${peer.name}: greedy ids against ours (${short}, ${mid} and 1 tokens): ${agree.join(", ")}`);
    if (peer.problems.length) console.log(`    page problems: ${peer.problems.join("; ")}`);
  }
  console.log("");
  table([row(`ours (${result.backend})`, result, result.wasm.find((w) => w.file.startsWith(result.backend === "webgpu" ? "tumbler-engine-webgpu" : "tumbler-engine_bg"))), ...result.peers.filter((p) => !p.skipped).map((p) => row(p.name, p, p.files.find((w) => w.file.endsWith(".wasm"))))]);
}

// One line of the table: an engine's sizes, times and GPU counts.
function row(name, r, wasm) {
  const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "–");
  const decode = Object.entries(r.decode_ms_per_token_p50).filter(([k]) => k.startsWith("pos_"));
  const g = r.gpu_per_token;
  const t = r.gpu_per_trace ?? r.gpu_per_prompt;
  const counts = (c) =>
    c ? `${f(c.dispatches)} / ${f(c.submits)} / ${f(c.maps)} / ${f(c.writes)} (${f(c.write_bytes, 0)} B) / ${f(c.read_bytes, 0)} B` : "–";
  return {
    engine: name,
    "wasm raw / gz / br (MB)": wasm ? `${f(wasm.raw / 1e6, 2)} / ${f(wasm.gzip / 1e6, 2)} / ${f(wasm.brotli / 1e6, 2)}` : "–",
    "ready cold / warm (ms)": `${f(r.ready_ms.cold, 0)} / ${f(r.ready_ms.warm_p50, 0)}`,
    [`prefill ${r.prefill.tokens} (ms)`]: f(r.prefill.ms_p50),
    [`decode @${decode[0][0].slice(4)} / @${decode[1][0].slice(4)} (ms/tok)`]: `${f(decode[0][1], 2)} / ${f(decode[1][1], 2)}`,
    "first token (ms)": f(r.first_token_ms_p50.ms),
    "per token: dispatch / submit / map / write (B) / read": counts(g),
    "per prompt (ours: a Trace; ORT: its prefill)": t ? `${t.tokens} tok: ${counts(t)}` : "–",
  };
}

function table(rows) {
  const keys = Object.keys(rows[0]);
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(Object.values(r)[keys.indexOf(k)]).length)));
  const line = (cells) => "| " + cells.map((c, i) => String(c).padEnd(widths[i])).join(" | ") + " |";
  console.log(line(keys));
  console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
  for (const r of rows) console.log(line(Object.values(r)));
}

// Every backend's latest bench.json side by side (each run measures one backend of ours).
function summary() {
  const rows = [];
  for (const backend of ["webgpu", "cpu"]) {
    const file = join(ARTIFACTS, "..", backend, "bench.json");
    if (!existsSync(file)) continue;
    const r = JSON.parse(readFileSync(file, "utf8"));
    if (!r.peers) continue;
    const wasm = r.wasm.find((w) => w.file.startsWith(r.backend === "webgpu" ? "tumbler-engine-webgpu" : "tumbler-engine_bg"));
    rows.push(row(`ours (${r.backend}) [${backend} run ${r.measured_at}]`, r, wasm));
    for (const p of r.peers.filter((p) => !p.skipped)) rows.push(row(`${p.name} [${backend} run]`, p, p.files.find((w) => w.file.endsWith(".wasm"))));
  }
  if (rows.length < 2) return;
  console.log("\nall runs so far (tests/e2e/artifacts/*/bench.json):");
  table(rows);
}
