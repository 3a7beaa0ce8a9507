// The guide on an emulated mid-range phone (`cargo xtask bench phone`): Chromium's device
// emulation at 360×740 (3× pixels, touch), its CPU slowed 4× and its network held to Lighthouse's
// mobile profile ("Slow 4G": 150 ms round trips, 1.6 Mbit/s down, 750 kbit/s up), through the
// DevTools protocol. The backend is left to the page, as a reader's phone would meet it.
//
// For each chapter named on the command line (default: arc, tokens, attention, sampling,
// training), with an empty cache, it prints and writes to tests/e2e/artifacts/<backend>/phone.json:
// - first contentful paint (the browser's `paint` entry) and largest contentful paint (its last
//   `largest-contentful-paint` entry before the engine was ready);
// - when the page became interactive: the live app mounted (its `section.chapter[data-chapter]`
//   appeared; before that the reader sees the chapter's inert first-paint snapshot, if any);
// - time to the engine's `ready`, and the backend it chose and why;
// - decode ms/token (p50 of the single-token steps of a greedy generation after a 10-word
//   prompt, the worker's own per-step times) on that backend;
// - whether the page scrolls sideways at 360 px.
// Files go out brotli-compressed, as from a static host; the bytes transferred are printed too.
//
// The numbers are this machine's CPU slowed 4×, not a phone's: the ratios between chapters and
// backends carry over, the absolute times only roughly. Chromium slows the page's thread, not its
// workers: decode ms/token is this machine's unslowed worker.

import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { BACKEND, DIST, serve, launch, ARTIFACTS, keepWorkers, askWorker } from "./harness.mjs";

const SLUGS = process.argv.slice(2).length ? process.argv.slice(2) : ["arc", "tokens", "attention", "sampling", "training"];
const PHONE = {
  viewport: { width: 360, height: 740 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
  userAgent:
    "Mozilla/5.0 (Linux; Android 13; Pixel 6a) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
};
// Lighthouse's mobile throttling (its "Slow 4G" preset) and CPU slowdown.
const NETWORK = { offline: false, latency: 150, downloadThroughput: (1638.4 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 };
const CPU_SLOWDOWN = 4;
const PROMPT = "Once upon a time there was a little girl who lived";

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};

// Records the largest contentful paint and when the live app mounted.
function watchPaints() {
  window.__phonePaints = { lcp: null, mounted: null };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__phonePaints.lcp = e.startTime;
  }).observe({ type: "largest-contentful-paint", buffered: true });
  new MutationObserver((_, observer) => {
    if (document.querySelector("section.chapter[data-chapter]")) {
      window.__phonePaints.mounted = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
}

// Greedy generation of `tokens` tokens in the page's engine worker; the worker's ms per step.
async function decodeSteps(page, tokens) {
  const options = { max_tokens: tokens, temperature: 0, seed: 1 };
  const replies = await askWorker(page, { kind: "Generate", prompt: PROMPT, options });
  return replies.filter((r) => r.type === "Step").map((r) => r.millis);
}

// Compressed as a static host sends it (brotli), so the downloads weigh what a reader's would.
const server = await serve(0, { compress: true });
// Every file compressed once before the clock starts, as a host stores them.
for (const entry of readdirSync(DIST, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
  const path = relative(DIST, join(entry.parentPath, entry.name));
  await (await fetch(`${server.origin}/${path}`, { headers: { "accept-encoding": "br" } })).arrayBuffer();
}
const browser = await launch();
const results = [];
try {
  for (const slug of SLUGS) {
    const context = await browser.newContext(PHONE);
    const sentBefore = server.bytesSent();
    const page = await context.newPage();
    await page.addInitScript(keepWorkers);
    await page.addInitScript(watchPaints);
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", NETWORK);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: CPU_SLOWDOWN });
    await page.goto(`${server.origin}/#/${slug}`);
    const ready = await (
      await page.waitForFunction(
        () => {
          const s = document.querySelector("[data-engine-state]");
          if (s?.dataset.engineState === "error") return { error: s.innerText };
          if (s?.dataset.engineState !== "ready") return null;
          return { ms: performance.now(), backend: s.dataset.backend, why: s.dataset.backendWhy ?? "" };
        },
        null,
        { timeout: 600_000, polling: 50 },
      )
    ).jsonValue();
    if (ready.error) throw new Error(`${slug}: the engine failed: ${ready.error}`);
    const fcp = await page.evaluate(
      () => performance.getEntriesByType("paint").find((e) => e.name === "first-contentful-paint")?.startTime ?? null,
    );
    const { lcp, mounted } = await page.evaluate(() => window.__phonePaints);
    const steps = await decodeSteps(page, 9);
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    const mb = (server.bytesSent() - sentBefore) / 1e6;
    const row = {
      slug,
      fcp_ms: fcp && Math.round(fcp),
      lcp_ms: lcp && Math.round(lcp),
      interactive_ms: mounted && Math.round(mounted),
      ready_ms: Math.round(ready.ms),
      backend: ready.backend,
      why: ready.why,
      decode_ms_per_token_p50: median(steps.slice(1)),
      sideways_px: sideways,
      mb_sent: Number(mb.toFixed(2)),
    };
    results.push(row);
    console.log(
      `phone (${BACKEND} flags) ${slug}: first contentful paint ${row.fcp_ms} ms, largest ${row.lcp_ms} ms, ` +
        `app interactive ${row.interactive_ms} ms, engine ready ${row.ready_ms} ms on ${row.backend}, ` +
        `decode ${row.decode_ms_per_token_p50.toFixed(2)} ms/token (p50 of ${steps.length - 1}), ${row.mb_sent} MB sent, sideways scroll ${sideways} px`,
    );
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(`backend choice: ${results[0]?.why}`);
mkdirSync(ARTIFACTS, { recursive: true });
writeFileSync(
  join(ARTIFACTS, "phone.json"),
  JSON.stringify({ profile: { ...PHONE, network: NETWORK, cpu_slowdown: CPU_SLOWDOWN }, results }, null, 1),
);
