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
// - first-token latency: the page's time from posting a short Generate to the first token.
//
// The page's own engine worker is used (the script wraps `Worker` before the app runs), so the
// backend is the one the page chose. Requests use ids far above the page's own.

import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { BACKEND, DIST, ROOT, serve, launch, openPage, chapterUrl, artifacts } from "./harness.mjs";

const REPEATS = Number(process.env.TUMBLER_BENCH_REPEATS ?? 5);

function sizes() {
  return readdirSync(DIST)
    .filter((f) => f.endsWith(".wasm"))
    .map((file) => {
      const bytes = readFileSync(join(DIST, file));
      const br = brotliCompressSync(bytes, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
      });
      return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, brotli: br.length };
    });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

// Runs before the app: keeps every Worker the page starts, and a log of their replies.
function wrapWorkers() {
  const Original = window.Worker;
  window.__benchWorkers = [];
  window.Worker = class extends Original {
    constructor(...args) {
      super(...args);
      window.__benchWorkers.push(this);
    }
  };
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

// Asks the page's live engine worker one question (`query`, the protocol's Query) and collects
// its replies until the last: an Answer, Done or Failed. Steps come back flattened
// ({ ...reply.step.Token, at }), answers as { ...reply.answer, at }.
async function request(page, query) {
  const message = { type: "Ask", id: nextId++, query };
  return page.evaluate(
    (message) =>
      new Promise((resolve, reject) => {
        const worker = window.__benchWorkers.at(-1);
        const replies = [];
        const sent = performance.now();
        const listen = (event) => {
          const reply = JSON.parse(event.data);
          if (reply.id !== message.id) return;
          const at = performance.now() - sent;
          if (reply.type === "Step") replies.push({ ...Object.values(reply.step)[0], type: "Step", at });
          else if (reply.type === "Answer") replies.push({ ...reply.answer, type: "Answer", at });
          if (["Done", "Failed", "Answer"].includes(reply.type)) {
            worker.removeEventListener("message", listen);
            if (reply.type === "Failed") reject(new Error(reply.message));
            else resolve(replies);
          }
        };
        worker.addEventListener("message", listen);
        worker.postMessage(JSON.stringify(message));
      }),
    message,
  );
}

let nextId = 1_000_000;

async function tokenCount(page, text) {
  const [reply] = await request(page, { kind: "Trace", text });
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
  const replies = await request(page, {
    kind: "Generate",
    prompt,
    options: { max_tokens: maxTokens, temperature: 0, seed: 1 },
  });
  return replies.filter((r) => r.type === "Step");
}

const server = await serve();
const browser = await launch();
try {
  const { page, context, problems } = await openPage(browser, server.origin);
  await page.addInitScript(wrapWorkers);
  const url = chapterUrl(server.origin, "inference");
  const cold = await timeToReady(page, url);
  const warm = [];
  for (let i = 0; i < 3; i++) warm.push(await timeToReady(page, null));

  const words = readFileSync(join(ROOT, "public", "model", "heldout.txt"), "utf8").split(/\s+/).filter(Boolean);
  const short = await promptOf(page, words, 10);
  const mid = await promptOf(page, words, 200);
  const long = await promptOf(page, words, 255);

  // Warm-up: the first pass compiles shaders (WebGPU) or fills allocators.
  await generate(page, short.text, 2);

  const firstToken = [];
  const prefill = [];
  const decode10 = [];
  const decode200 = [];
  for (let i = 0; i < REPEATS; i++) {
    const s = await generate(page, short.text, 6);
    if (s[0]) firstToken.push(s[0].at);
    // Step k ≥ 1 runs one token at position prompt + k − 1.
    decode10.push(...s.slice(1).map((t) => t.millis));
    const m = await generate(page, mid.text, 6);
    decode200.push(...m.slice(1).map((t) => t.millis));
    const l = await generate(page, long.text, 1);
    if (l[0]) prefill.push(l[0].millis);
  }
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
    problems,
  };
  await context.close();

  const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : "–");
  console.log(`\nengine benchmark in Chromium — asked ${BACKEND}, ran on ${result.backend}`);
  for (const w of result.wasm) {
    console.log(`  ${w.file.padEnd(44)} raw ${w.raw} B, gzip ${w.gzip} B, brotli ${w.brotli} B`);
  }
  console.log(`  time to ready: ${f(cold.ms)} ms with an empty cache, ${f(result.ready_ms.warm_p50)} ms warm (p50 of 3)`);
  console.log(`  prefill ${long.tokens} tokens: ${f(result.prefill.ms_p50)} ms (p50 of ${prefill.length})`);
  console.log(`  decode at position ${short.tokens}: ${f(median(decode10))} ms/token; at ${mid.tokens}: ${f(median(decode200))} ms/token (p50)`);
  console.log(`  first token after a ${short.tokens}-token prompt: ${f(result.first_token_ms_p50.ms)} ms (p50, page to page)`);
  if (problems.length) console.log(`  page problems: ${problems.join("; ")}`);
  const out = join(await artifacts(), "bench.json");
  writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`  written to ${out}`);
} finally {
  await browser.close();
  await server.close();
}
