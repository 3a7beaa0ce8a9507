// The end-to-end harness: a static server for dist/, Debian's Chromium driven by playwright-core,
// and the list of chapters read from the one registry (app/src/chapters.rs).
//
// TUMBLER_E2E_BACKEND=webgpu (default) runs Chromium with WebGPU on SwiftShader;
// TUMBLER_E2E_BACKEND=cpu runs it with WebGPU off, so the page must use the CPU fallback.

import { before, after } from "node:test";
import { createServer } from "node:http";
import { readFile, stat, mkdir } from "node:fs/promises";
import { readFileSync, existsSync, statSync } from "node:fs";
import { extname, join, normalize, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants as zlib } from "node:zlib";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// TUMBLER_DIST serves another build folder (`trunk build --dist DIR`), so that two builds can be
// tested side by side; dist/ otherwise.
export const DIST = process.env.TUMBLER_DIST
  ? resolve(process.env.TUMBLER_DIST)
  : join(ROOT, "dist");
export const BACKEND = process.env.TUMBLER_E2E_BACKEND === "cpu" ? "cpu" : "webgpu";
export const ARTIFACTS = join(ROOT, "tests", "e2e", "artifacts", BACKEND);

/**
 * The skip reason of a test whose result the engine's backend cannot change (the page's text,
 * layout, tokenizers, presenter, offline store): the CPU run checks it, the WebGPU run names it
 * skipped. Each backend's whole suite ran ~10 minutes of CI on 2 cores before this split.
 */
export const ENGINE_FREE =
  BACKEND === "webgpu" && "the engine's backend changes nothing here: the CPU run checks it";

/** Every chapter as [slug, title], in order, parsed from the registry the app is built from. */
export function chapters() {
  const src = readFileSync(join(ROOT, "app", "src", "chapters.rs"), "utf8");
  const re = /slug: "([^"]+)",\s*title: "((?:[^"\\]|\\.)*)"/g;
  // A title's Rust escapes as the characters they stand for ("Token\u{2011}Compute": a hyphen
  // that does not break).
  const unescape = (t) => t.replace(/\\"/g, '"').replace(/\\u\{([0-9a-fA-F]+)\}/g, (_, h) => String.fromCodePoint(parseInt(h, 16)));
  return [...src.matchAll(re)].map((m) => [m[1], unescape(m[2])]);
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".png": "image/png",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
};

/**
 * Serves DIST on `port` (a free one by default) of the loopback address; unknown paths get
 * index.html (path routes). `cargo xtask serve` uses it too (serve.mjs).
 *
 * `mounts` serves other files beside DIST (the benchmark's ONNX Runtime Web and its model): a key
 * ending in "/" maps a URL prefix to a folder, any other key one URL path to one file.
 *
 * `compress` sends brotli (quality 9, made once per file) to a browser that accepts it, as a
 * static host would: the phone benchmark's downloads then weigh what a reader's would.
 */
export async function serve(port = 0, { mounts = {}, compress = false } = {}) {
  const compressed = new Map();
  let sent = 0;
  await stat(join(DIST, "index.html")).catch(() => {
    throw new Error(`${DIST}/index.html is missing: run \`trunk build --release\` first`);
  });
  // Longest prefix first, so that "/peer/ort/" wins over "/peer/".
  const mounted = Object.entries(mounts).sort(([a], [b]) => b.length - a.length);
  const locate = (path) => {
    for (const [at, target] of mounted) {
      if (at.endsWith("/") ? path.startsWith(at) : path === at) {
        return at.endsWith("/") ? join(target, path.slice(at.length)) : target;
      }
    }
    return join(DIST, path);
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    let path = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, "");
    let file = locate(path);
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
    } catch {
      file = join(DIST, "index.html");
    }
    try {
      let [body, info] = await Promise.all([readFile(file), stat(file)]);
      const encoding = {};
      if (compress && /\bbr\b/.test(req.headers["accept-encoding"] ?? "") && extname(file) !== ".png") {
        const key = `${file}:${info.mtimeMs}`;
        if (!compressed.has(key)) {
          compressed.set(key, brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9 } }));
        }
        body = compressed.get(key);
        encoding["content-encoding"] = "br";
      }
      // The validators a static host sends: the page's Cache API keys large files by them.
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "content-length": body.length,
        "last-modified": info.mtime.toUTCString(),
        ...encoding,
      });
      if (req.method !== "HEAD") sent += body.length;
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", ok);
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  // `bytesSent()`: the response bodies sent so far (compressed where they were).
  // Closing also drops idle keep-alive connections, which would otherwise hold it open; closing
  // twice is harmless.
  const close = () =>
    new Promise((ok) => {
      server.close(() => ok());
      server.closeAllConnections();
    });
  return { origin, close, bytesSent: () => sent };
}

/**
 * Why a test that runs many forward passes is skipped in the WebGPU run (false in the CPU run):
 * SwiftShader emulates the GPU on the CPU, about 3 s per decoding step on this machine, so dozens
 * of steps take minutes and time nothing a reader's GPU would. The CPU run tests these chapters;
 * the WebGPU run checks the WebGPU engine's numbers against the CPU's (engine.test.mjs), and
 * `cargo xtask bench` times it.
 */
export const SLOW_ON_SWIFTSHADER =
  BACKEND === "webgpu" && "dozens of forward passes: minutes on SwiftShader's emulated GPU; the CPU run tests this";

const COMMON_FLAGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--no-first-run",
  "--disable-quic",
];
const WEBGPU_FLAGS = [
  "--enable-unsafe-webgpu",
  "--use-webgpu-adapter=swiftshader",
  "--enable-features=Vulkan",
];
const CPU_FLAGS = ["--disable-gpu", "--disable-features=WebGPU,Vulkan"];

/**
 * Serves DIST and launches Chromium before the calling file's tests, and closes both after them.
 * Returns `env`, whose `server` and `browser` are set once the tests run.
 */
export function useBrowser() {
  const env = { server: null, browser: null };
  before(async () => {
    env.server = await serve();
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/** Chromium's flags for this run's backend (also for a Chromium that Lighthouse starts). */
export const CHROMIUM_FLAGS = [...COMMON_FLAGS, ...(BACKEND === "webgpu" ? WEBGPU_FLAGS : CPU_FLAGS)];

/** Debian's Chromium, headless, configured for this run's backend. */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: CHROMIUM_FLAGS,
  });
}

/**
 * A page that records console errors, page errors and requests to other hosts. `options` go to
 * the new context: a test that intercepts requests (`route`) passes `{ serviceWorkers: "block" }`,
 * since requests the offline service worker answers never reach a route.
 */
export async function openPage(browser, origin, viewport = { width: 1280, height: 900 }, options = {}) {
  const context = await browser.newContext({ viewport, ...options });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (!["data:", "blob:"].includes(u.protocol) && u.origin !== origin) {
      problems.push(`request to another host: ${r.url()}`);
    }
  });
  page.on("dialog", (d) => {
    problems.push(`unexpected dialog: ${d.message()}`);
    d.dismiss();
  });
  return { page, context, problems };
}

/**
 * The URL of a chapter, forcing this run's backend as a reader could with `?backend=` (left to
 * itself, the page measures which is faster and remembers it: engine.test.mjs tests that).
 */
export function chapterUrl(origin, slug, { query = "", embed = false } = {}) {
  const search = [embed ? "embed" : "", `backend=${BACKEND}`]
    .filter(Boolean)
    .join("&");
  const frag = query ? `#/${slug}?${query}` : `#/${slug}`;
  return `${origin}/${search ? "?" + search : ""}${frag}`;
}

export async function artifacts() {
  await mkdir(ARTIFACTS, { recursive: true });
  return ARTIFACTS;
}

/** How long a test waits for the engine and its answers (WebGPU on SwiftShader is slow). */
export const READY_MS = 180_000;

/**
 * Opens chapter `slug` (with `query` in its fragment) in `env`'s browser with a long-task recorder
 * and waits for the engine to be ready. `longTasks()` gives the durations of the main-thread long
 * tasks that started after that.
 */
export async function openLive(env, slug, query = "") {
  const { page, context, problems } = await openPage(env.browser, env.server.origin);
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: true });
  });
  await page.goto(chapterUrl(env.server.origin, slug, { query }));
  await page.waitForFunction(
    () => ["ready", "error"].includes(document.querySelector("[data-engine-state]")?.dataset.engineState),
    null,
    { timeout: READY_MS },
  );
  const status = page.locator("[data-engine-state]");
  assert.equal(await status.getAttribute("data-engine-state"), "ready", await status.innerText());
  const since = await page.evaluate(() => performance.now());
  const longTasks = () =>
    page.evaluate((t0) => window.__longTasks.filter(([s]) => s >= t0).map(([, d]) => d), since);
  return { page, context, problems, longTasks };
}

/**
 * Runs before the app (`page.addInitScript(keepWorkers)`): keeps every Worker the page starts in
 * `window.__workers`, so that a test can ask the engine directly, as the page does.
 */
export function keepWorkers() {
  const Original = window.Worker;
  window.__workers = [];
  window.Worker = class extends Original {
    constructor(...args) {
      super(...args);
      window.__workers.push(this);
    }
  };
}

let nextAsk = 1_000_000;

/**
 * Asks the page's newest worker (the engine in use: the CPU one, or the WebGPU one if chosen) one
 * question, `query` (the protocol's Query), and resolves with its replies up to the last: an
 * Answer, Done or Failed (which rejects). Steps come back flattened as `{ ...step, type: "Step",
 * at }`, answers as `{ ...answer, type: "Answer", at }`; `at` is ms since the question was sent.
 * Needs `keepWorkers` (or a wrapper that fills `window.__workers`).
 */
export function askWorker(page, query) {
  const message = { type: "Ask", id: nextAsk++, query };
  return page.evaluate(
    (message) =>
      new Promise((resolve, reject) => {
        const worker = window.__workers.at(-1);
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

/** Asks a question answered in one reply and resolves with the answer's content. */
export async function askEngine(page, query) {
  const { type, at, ...answer } = (await askWorker(page, query)).at(-1);
  assert.equal(type, "Answer", `${query.kind} was answered`);
  return Object.values(answer)[0];
}

/** No main-thread task over 200 ms among `tasks` (ms); `what` says when they were recorded. */
export function assertNoLongTask(tasks, what) {
  assert.ok(Math.max(0, ...tasks) <= 200, `main-thread tasks over 200 ms ${what}: ${tasks.join(", ")} ms`);
}

/**
 * The native `tumbler` binary to compare against: $TUMBLER_BIN (which must exist: `cargo xtask
 * test` sets it to the binary its `cargo test --workspace` step just built), else the newest one
 * built.
 */
function tumblerBin() {
  const named = process.env.TUMBLER_BIN;
  if (named) {
    if (!existsSync(named)) throw new Error(`TUMBLER_BIN=${named} does not exist`);
    return named;
  }
  const targets = [process.env.CARGO_TARGET_DIR, join(ROOT, "target")].filter(Boolean);
  const found = targets
    .flatMap((t) => ["release", "debug"].map((p) => join(t, p, "tumbler")))
    .filter((f) => existsSync(f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return found[0] ?? null;
}
export const TUMBLER_BIN = tumblerBin();
export const NO_TUMBLER_BIN =
  "no native tumbler binary: set TUMBLER_BIN or run `cargo build -p tumbler-model --bin tumbler`";

/**
 * Runs `compare` (the page's numbers against the native CLI's) as the subtest "native: `what`",
 * skipped by that name when there is no native binary. The page-side assertions stay in the
 * test itself, so they run either way.
 */
export function nativeCheck(t, what, compare) {
  return t.test(`native: ${what}`, { skip: !TUMBLER_BIN && NO_TUMBLER_BIN }, compare);
}
