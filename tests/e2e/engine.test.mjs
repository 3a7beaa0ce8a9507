// The engine worker: it loads after the first paint, reaches `ready` on this run's backend, and
// the attention chapter draws the model's real attention (rows sum to 1, causal) without a long
// task on the main thread; a missing or corrupt model shows a clear message and a retry.
//
// The model is the one in dist/public/model/base (TUMBLER_E2E_MODEL names another folder of
// dist/, passed to the page as `?model=`). Without one, the checks that need weights are skipped
// with a message saying so; the failure paths are tested either way.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BACKEND, DIST, serve, launch, openPage, chapterUrl, artifacts, keepWorkers, askEngine } from "./harness.mjs";

const MODEL = process.env.TUMBLER_E2E_MODEL ?? "";
const MODEL_DIR = join(DIST, MODEL || "public/model/base");
const HAS_MODEL = ["config.json", "model.safetensors"].every((f) => existsSync(join(MODEL_DIR, f)));
const NO_MODEL = `no model in ${MODEL_DIR} (config.json + model.safetensors): train one or set TUMBLER_E2E_MODEL`;
// WebGPU on SwiftShader compiles every shader on the CPU: the first pass takes seconds.
const READY_MS = 180_000;

let server;
let browser;
before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

function url(slug, extra = "") {
  const u = chapterUrl(server.origin, slug);
  const model = MODEL && !extra.includes("model=") ? `model=${encodeURIComponent(MODEL)}` : "";
  const params = [model, extra].filter(Boolean).join("&");
  if (!params) return u;
  return u.includes("/?") ? u.replace("/?", `/?${params}&`) : u.replace("/#", `/?${params}#`);
}

async function engineState(page, wanted, timeout = READY_MS) {
  await page.waitForFunction(
    (states) => states.includes(document.querySelector("[data-engine-state]")?.dataset.engineState),
    wanted,
    { timeout },
  );
  return page.locator("[data-engine-state]");
}

test("left to itself, the page measures which backend is faster, says why, remembers it, and loads the WebGPU worker only if it won", {
  skip: !HAS_MODEL && NO_MODEL,
}, async (t) => {
  const { page, context, problems } = await openPage(browser, server.origin);
  const workers = [];
  page.on("request", (r) => /tumbler-(engine|pipeline)[^/]*_bg\.wasm$/.test(r.url()) && workers.push(r.url()));
  const model = MODEL ? `?model=${encodeURIComponent(MODEL)}` : "";
  await page.goto(`${server.origin}/${model}#/inference`);
  const status = await engineState(page, ["ready", "error"]);
  assert.equal(await status.getAttribute("data-engine-state"), "ready", await status.innerText());
  // The corpus pipeline's worker waits for its chapter.
  assert.ok(!workers.some((u) => u.includes("tumbler-pipeline")), workers.join(", "));
  if (BACKEND === "cpu") {
    // The CPU run's Chromium has WebGPU switched off by flag: \`navigator.gpu\` may still be there,
    // with no adapter. Either way the CPU runs, and the WebGPU worker is never downloaded.
    await page.waitForFunction(
      () => !/^measuring|^$/.test(document.querySelector("[data-backend-why]")?.dataset.backendWhy ?? ""),
      null,
      { timeout: READY_MS },
    );
    const why = await status.getAttribute("data-backend-why");
    t.diagnostic(why);
    assert.match(why, /^this browser has no WebGPU$|WebGPU could not be measured \(WebGPU has no adapter/);
    assert.equal(await status.getAttribute("data-backend"), "cpu");
    assert.ok(!workers.some((u) => u.includes("tumbler-engine-webgpu")), workers.join(", "));
  } else {
    // Final once the CPU won the first measurement, or the WebGPU engine it moved to was timed.
    const settled = /alone takes|WebGPU then decoded|WebGPU decoded a token in|could not be measured/;
    await page.waitForFunction(
      (settled) => new RegExp(settled).test(document.querySelector("[data-backend-why]")?.dataset.backendWhy ?? ""),
      settled.source,
      { timeout: READY_MS },
    );
    const why = await status.getAttribute("data-backend-why");
    t.diagnostic(why);
    const remembered = JSON.parse(await page.evaluate(() => localStorage.getItem("tumbler-backend")));
    assert.equal(remembered.why, why);
    await page.waitForFunction((b) => document.querySelector("[data-engine-state]")?.dataset.backend === b && document.querySelector("[data-engine-state]")?.dataset.engineState === "ready", remembered.backend, { timeout: READY_MS });
    // The WebGPU worker is downloaded only when a round trip said WebGPU might win.
    const gpuWorker = workers.some((u) => u.includes("tumbler-engine-webgpu"));
    assert.equal(gpuWorker, !/alone takes|could not be measured/.test(why), `worker downloads: ${workers.join(", ")}`);
    // The next visit starts the remembered backend at once, without measuring again.
    workers.length = 0;
    await page.reload();
    await engineState(page, ["ready", "error"]);
    assert.equal(await status.getAttribute("data-backend"), remembered.backend);
    assert.equal(await status.getAttribute("data-backend-why"), why);
    assert.equal(workers.some((u) => u.includes("tumbler-engine-webgpu")), remembered.backend === "webgpu");
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("a missing model: the status says why, offers a retry, and the page keeps working", async () => {
  const { page, context, problems } = await openPage(browser, server.origin);
  let asked = 0;
  page.on("request", (r) => (asked += r.url().endsWith("/no-such-model/config.json")));
  await page.goto(url("attention", "model=no-such-model/"));
  await page.waitForSelector('[data-chapter="attention"] h1');
  const status = await engineState(page, ["error"], 60_000);
  assert.equal(await status.getAttribute("data-backend"), BACKEND);
  const message = await status.locator(".engine-message").getAttribute("title");
  assert.match(message, /^Model not loaded: config\.json .*no-such-model.*not on the server/);
  const panel = page.locator(".live-attention .engine-error");
  assert.match(await panel.innerText(), /Model not loaded/);
  const before = asked;
  await status.locator("button.engine-retry").click();
  await page.waitForFunction(() => document.querySelector("[data-engine-state]").dataset.engineState === "error");
  await engineState(page, ["error"], 60_000);
  assert.ok(asked > before, "Retry asks the server again");
  // The rest of the chapter still works: the step-through advances.
  await page.click('[data-chapter="attention"] button:has-text("Next")');
  assert.deepEqual(problems, []);
  await context.close();
});

test("a corrupt weights file is reported as such, not as a crash", { skip: !HAS_MODEL && NO_MODEL }, async () => {
  const { page, context, problems } = await openPage(browser, server.origin, undefined, { serviceWorkers: "block" });
  await context.route("**/model.safetensors", async (route) => {
    const real = await route.fetch();
    const body = (await real.body()).subarray(0, 5000);
    await route.fulfill({ status: 200, body, headers: { "content-type": "application/octet-stream" } });
  });
  await page.goto(url("attention"));
  const status = await engineState(page, ["error"]);
  const message = await status.locator(".engine-message").getAttribute("title");
  assert.match(message, /^Model not loaded: model\.safetensors: /);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the engine reaches ready on this run's backend and traces real attention", { skip: !HAS_MODEL && NO_MODEL }, async (t) => {
  const { page, context, problems } = await openPage(browser, server.origin);
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: true });
  });
  await page.goto(url("attention"));
  const status = await engineState(page, ["ready", "error"]);
  const state = await status.getAttribute("data-engine-state");
  assert.equal(state, "ready", await status.innerText());
  await expectBackend(t, page);

  const grid = page.locator(".attention-grid");
  await grid.waitFor({ timeout: READY_MS });
  const layers = await page.locator('select[data-control="layer"] option').count();
  const heads = await page.locator('select[data-control="head"] option').count();
  assert.ok(layers > 0 && heads > 0, "layer and head pickers");

  const readMap = () => readAttention(page);
  for (let l = 0; l < layers; l++) {
    for (let h = 0; h < heads; h++) {
      await page.selectOption('select[data-control="layer"]', String(l));
      await page.selectOption('select[data-control="head"]', String(h));
      await page.waitForSelector(`.attention-grid[data-layer="${l}"][data-head="${h}"]`);
      const map = await readMap();
      checkMap(map);
    }
  }
  await page.screenshot({ path: join(await artifacts(), "engine-attention.png"), fullPage: false });

  // A new text is traced without blocking the main thread for more than 200 ms.
  const tokensBefore = await page.locator(".attention-grid .row-label").count();
  const since = await page.evaluate(() => performance.now());
  await page.fill(".live-attention textarea", "Once upon a time there was a little robot who loved to read books about the sea.");
  await page.waitForFunction((n) => document.querySelectorAll(".attention-grid .row-label").length !== n, tokensBefore, {
    timeout: READY_MS,
  });
  checkMap(await readMap());
  await page.waitForTimeout(300);
  // Entries arrive asynchronously: count only the tasks that started after the request.
  const longTasks = await page.evaluate((t0) => window.__longTasks.filter(([s]) => s >= t0).map(([, d]) => d), since);
  assert.ok(Math.max(0, ...longTasks) <= 200, `main-thread long tasks during a trace: ${longTasks.join(", ")} ms`);

  // Hovering a row follows that token.
  await page.hover('.attention-grid .cell[data-row="3"][data-col="0"]');
  assert.match(await page.locator(".attention-caption").innerText(), /token 3\) looks most at/);
  assert.deepEqual(problems, []);
  await context.close();
});

/** The attention map the chapter shows: its layer, head and [row, col, p] cells. */
function readAttention(page) {
  return page.evaluate(() => {
    const g = document.querySelector(".attention-grid");
    const cells = [...g.querySelectorAll(".cell")].map((c) => [+c.dataset.row, +c.dataset.col, Number(c.dataset.p)]);
    return { layer: +g.dataset.layer, head: +g.dataset.head, cells };
  });
}

/** Chapter `slug` with its workers kept (to ask the engine directly) and the engine ready. */
async function readyEngine(slug) {
  const { page, context, problems } = await openPage(browser, server.origin);
  await page.addInitScript(keepWorkers);
  await page.goto(url(slug));
  const status = await engineState(page, ["ready", "error"]);
  assert.equal(await status.getAttribute("data-engine-state"), "ready", await status.innerText());
  if (slug === "inference") await firstGeneration(page);
  return { page, context, problems, status };
}

/** The inference panel writes a first few tokens once the engine is ready: wait for that run to
 * end, so that it neither shares the worker with a check nor is stopped by a click on Generate. */
async function firstGeneration(page) {
  await page.waitForSelector('.live-generate [data-live-state="result"]', { timeout: READY_MS });
}

test("the fused WGSL decoder on WebGPU gives the CPU path's logits and tokens, at one submit and one map per token", {
  skip: (BACKEND !== "webgpu" && "the WebGPU run only") || (!HAS_MODEL && NO_MODEL),
}, async (t) => {
  const { page, context, problems, status } = await readyEngine("inference");
  assert.equal(await status.getAttribute("data-backend"), "webgpu", await status.innerText());
  const check = await askEngine(page, { kind: "GpuCheck", text: "Once upon a time, a little fox", tokens: 8 });
  t.diagnostic(JSON.stringify(check));
  // f32 sums in another order over ~15-sized logits; the native tests (lavapipe) use 1e-3 too.
  assert.ok(check.max_logit_diff <= 1e-3, `logits differ by ${check.max_logit_diff}`);
  assert.equal(check.gpu_ids.length, 8);
  assert.deepEqual(check.gpu_ids, check.cpu_ids, "greedy tokens, GPU vs CPU path");
  const p = check.per_token;
  assert.ok(p.submits <= 1 && p.maps <= 1, `per token: ${p.submits} submits, ${p.maps} maps`);
  assert.ok(p.dispatches / check.layers <= 8, `${p.dispatches} dispatches for ${check.layers} blocks`);
  assert.ok(p.bytes_read <= 1024, `${p.bytes_read} bytes read back per token`);
  assert.deepEqual(problems, []);
  await context.close();
});

/** A square map of probabilities whose rows sum to 1 and whose future cells are 0; its size. */
function checkMap(map) {
  const t = Math.round(Math.sqrt(map.cells.length));
  assert.ok(t >= 2 && t * t === map.cells.length, `a square map, got ${map.cells.length} cells`);
  const sums = new Array(t).fill(0);
  for (const [i, j, p] of map.cells) {
    assert.ok(Number.isFinite(p) && p >= 0 && p <= 1, `p in [0, 1]: ${p}`);
    if (j > i) assert.ok(p < 1e-6, `causal: layer ${map.layer} head ${map.head} [${i}, ${j}] = ${p}`);
    sums[i] += p;
  }
  for (const [i, s] of sums.entries()) {
    assert.ok(Math.abs(s - 1) < 1e-3, `layer ${map.layer} head ${map.head} row ${i} sums to ${s}`);
  }
  return t;
}

/** The engine runs on this run's backend: WebGPU (SwiftShader) in the WebGPU run. */
async function expectBackend(t, page) {
  const status = page.locator("[data-engine-state]");
  const backend = await status.getAttribute("data-backend");
  const note = (await status.locator("span[title]").first().getAttribute("title")) ?? "";
  t.diagnostic(`engine on ${backend}: ${note}`);
  assert.equal(backend, BACKEND, `the engine runs on this run's backend (${note})`);
}

/** Greedy generation on the inference chapter: the token ids of each step and the long tasks. */
async function generateGreedy(extra = "") {
  const { page, context, problems } = await openPage(browser, server.origin);
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: true });
  });
  await page.goto(url("inference", ["t=0", extra].filter(Boolean).join("&")));
  const status = await engineState(page, ["ready", "error"]);
  assert.equal(await status.getAttribute("data-engine-state"), "ready", await status.innerText());
  const backend = await status.getAttribute("data-backend");
  const note = (await status.locator("span[title]").first().getAttribute("title")) ?? "";
  await firstGeneration(page);
  const since = await page.evaluate(() => performance.now());
  await page.click(".live-generate button.generate");
  await page.waitForFunction(() => document.querySelector(".live-generate .small")?.textContent.startsWith("The model"), null, {
    timeout: READY_MS,
  });
  const ids = await page.$$eval(".live-generate [data-step]", (chips) => chips.map((c) => +c.dataset.tokenId));
  const generated = await page.getAttribute(".live-generate [data-generated]", "data-generated");
  const bars = await page.locator(".live-generate .bars li").count();
  // Entries arrive asynchronously: count only the tasks that started after the request.
  const longTasks = await page.evaluate((t0) => window.__longTasks.filter(([s]) => s >= t0).map(([, d]) => d), since);
  assert.deepEqual(problems, []);
  await context.close();
  return { backend, note, ids, generated, bars, longTasks };
}

test("the fused CPU path, as this browser runs its wasm (SIMD128), gives burn's logits at every position up to 200+", {
  skip: !HAS_MODEL && NO_MODEL,
}, async (t) => {
  const { page, context, problems } = await readyEngine("inference");
  // ~210 tokens of held-out text (its first 740 characters are 207 tokens): the last 6 read one at a time with the
  // KV cache, each compared with burn's full forward pass in the same worker.
  const text = readFileSync(join(DIST, "public/model/heldout.txt"), "utf8").slice(0, 740);
  const check = await askEngine(page, { kind: "FusedCheck", text, steps: 6 });
  t.diagnostic(JSON.stringify(check));
  assert.equal(check.positions.length, 7, "the prompt, then 6 cached steps");
  assert.ok(check.positions.at(-1) >= 200, `reaches position ${check.positions.at(-1)}`);
  // As natively (decode::tests): logits reach ±15; f32 sums in another order differ by ~1e-5 of that.
  for (const [i, d] of check.max_logit_diff.entries()) {
    assert.ok(d <= 1e-3, `position ${check.positions[i]}: max |Δlogit| ${d}`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("greedy generation streams tokens with their distributions, without long tasks", { skip: !HAS_MODEL && NO_MODEL }, async (t) => {
  const run = await generateGreedy();
  assert.equal(run.backend, BACKEND, run.note);
  assert.ok(run.ids.length > 0, "at least one token");
  assert.ok(run.generated.length > 0, "data-generated holds the text");
  assert.ok(run.bars > 0, "the step's distribution is drawn");
  const longest = Math.max(0, ...run.longTasks);
  t.diagnostic(`main-thread long tasks while generating: [${run.longTasks.join(", ")}] ms`);
  // The tasks this hit (83 ms idle, 150-370 ms under load or on a fresh machine) were layouts
  // waiting on Chromium's synchronous font lookup for a face × size the page had not used yet
  // (WebSandboxSupportLinux::GetWebFontRenderStyleForStrike, 60-120 ms each): the heading, then
  // the generated chips (now the prompt chip's size) and the bars' values (now resolved when the
  // bar list appears). `node tests/e2e/trace-long-tasks.mjs` traces one generation and names
  // what is inside any task over 50 ms.
  assert.ok(longest <= 200, `a main-thread task of ${longest} ms while generating (limit 200 ms)`);
  if (BACKEND === "webgpu") {
    // The same prompt forced onto the CPU: the first greedy tokens must agree. Ties closer than
    // the backends' rounding (~1e-6) could differ, so only the first 8 steps are compared.
    const cpu = await generateGreedy("backend=cpu");
    assert.equal(cpu.backend, "cpu");
    const n = Math.min(8, run.ids.length, cpu.ids.length);
    assert.deepEqual(run.ids.slice(0, n), cpu.ids.slice(0, n), `webgpu ${run.generated} vs cpu ${cpu.generated}`);
  }
});

test("a lost GPU device: the engine moves to the CPU, says why, and keeps tracing", {
  skip: (BACKEND !== "webgpu" && "the WebGPU run only") || (!HAS_MODEL && NO_MODEL),
}, async () => {
  const { page, context, problems } = await openPage(browser, server.origin);
  await page.goto(url("attention"));
  const status = await engineState(page, ["ready", "error"]);
  assert.equal(await status.getAttribute("data-backend"), "webgpu", await status.innerText());
  await page.locator(".attention-grid").waitFor({ timeout: READY_MS });
  // The worker destroys its own GPUDevice (GPUDevice.destroy()), as a driver reset would lose it.
  // The request goes straight to the worker's message handler, as the page's would.
  const worker = page.workers().find((w) => w.url().includes("tumbler-engine-webgpu"));
  assert.ok(worker, `the WebGPU worker runs (workers: ${page.workers().map((w) => w.url())})`);
  await worker.evaluate(() =>
    self.dispatchEvent(new MessageEvent("message", { data: JSON.stringify({ type: "DestroyGpu" }) })),
  );
  await page.waitForFunction(() => document.querySelector("[data-engine-state]")?.dataset.backend === "cpu", null, {
    timeout: 60_000,
  });
  assert.equal(await status.getAttribute("data-engine-state"), "ready");
  assert.match(await status.innerText(), /CPU \(not WebGPU\)/);
  const note = await status.locator("span[title]").first().getAttribute("title");
  assert.match(note, /^the GPU device was lost \(destroyed.*\); running on the CPU$/);

  // The page keeps working: a new text is traced, now on the CPU.
  const tokensBefore = await page.locator(".attention-grid .row-label").count();
  await page.fill(".live-attention textarea", "The lighthouse keeper counted the ships that passed in the night.");
  await page.waitForFunction((n) => document.querySelectorAll(".attention-grid .row-label").length !== n, tokensBefore, {
    timeout: READY_MS,
  });
  checkMap(await readAttention(page));
  assert.equal(await status.getAttribute("data-backend"), "cpu");
  await page.screenshot({ path: join(await artifacts(), "engine-gpu-lost.png"), fullPage: false });
  assert.deepEqual(problems, []);
  await context.close();
});

// Every question the engine answers, as the protocol's Query (engine/src/protocol.rs), kept small:
// SwiftShader is slow.
const EVERY_QUERY = [
  { kind: "Trace", text: "The cat sat on the mat." },
  { kind: "Next", text: "The cat sat on the" },
  { kind: "Loss", text: "The cat sat on the mat." },
  { kind: "Permutation", text: "The cat sat on the mat.", seed: 1 },
  { kind: "Gates", text: "The cat sat", position: null },
  { kind: "Weights", layer: 0, matrix: "mlp.w_gate" },
  { kind: "Embeddings", text: "king queen" },
  { kind: "Generate", prompt: "Once upon a time", options: { max_tokens: 3, temperature: 0, seed: 1 } },
  {
    kind: "Chat",
    model: "chat",
    messages: [{ role: "user", text: "What is Python?" }],
    options: { max_tokens: 3, temperature: 0, seed: 1 },
  },
  { kind: "KvCompare", prompt: "Once upon a time", max_tokens: 2 },
  { kind: "ForwardTimes", lengths: [4], repeats: 1 },
  {
    kind: "Learn",
    text: "Emma Woodhouse, handsome, clever, and rich, with a comfortable home. ".repeat(30),
    prompt: "Emma",
    steps: 1,
    sample_every: 1,
    seed: 1,
  },
];

test("a lost GPU device: every question asked right after it is answered, on the CPU", {
  skip: (BACKEND !== "webgpu" && "the WebGPU run only") || (!HAS_MODEL && NO_MODEL),
}, async () => {
  const { page, context, problems } = await openPage(browser, server.origin);
  // Keep the page's workers reachable, to talk to the engine as the page does.
  await page.addInitScript(keepWorkers);
  await page.goto(url("attention"));
  const status = await engineState(page, ["ready", "error"]);
  assert.equal(await status.getAttribute("data-backend"), "webgpu", await status.innerText());
  // Destroy the device, then ask every question at once: the first passes fail on the dead
  // device (before the browser even reports the loss), and the engine must answer them on the CPU.
  const replies = await page.evaluate(async (queries) => {
    const worker = window.__workers.at(-1);
    worker.postMessage(JSON.stringify({ type: "DestroyGpu" }));
    return Promise.all(
      queries.map(
        (query, i) =>
          new Promise((resolve) => {
            const id = 2_000_000 + i;
            const listen = (event) => {
              const reply = JSON.parse(event.data);
              if (reply.id !== id || !["Answer", "Done", "Failed"].includes(reply.type)) return;
              worker.removeEventListener("message", listen);
              resolve({ kind: query.kind, type: reply.type, message: reply.message ?? null });
            };
            worker.addEventListener("message", listen);
            worker.postMessage(JSON.stringify({ type: "Ask", id, query }));
          }),
      ),
    );
  }, EVERY_QUERY);
  for (const reply of replies) {
    const want = ["Trace", "Next", "Loss", "Permutation", "Gates", "Weights", "Embeddings"].includes(reply.kind)
      ? "Answer"
      : "Done";
    assert.equal(reply.type, want, `${reply.kind}: ${reply.message}`);
  }
  await page.waitForFunction(() => document.querySelector("[data-engine-state]")?.dataset.backend === "cpu", null, {
    timeout: 60_000,
  });
  assert.equal(await status.getAttribute("data-engine-state"), "ready");
  assert.deepEqual(problems, []);
  await context.close();
});
