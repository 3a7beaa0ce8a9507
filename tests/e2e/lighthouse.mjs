// Lighthouse's audit of the guide (`cargo xtask bench lighthouse`): npm's `lighthouse` (pinned in
// package.json to 12.2.3, the last that installs from a lock on Node 20) in its default, mobile
// mode: a 412×823 phone, its network simulated as "Slow 4G" (150 ms round trips, 1.6 Mbit/s) and
// its CPU as 4× slower than this machine's. It drives Debian's Chromium ($CHROME_PATH, else
// /usr/bin/chromium) with this run's backend flags, and the build in dist/ is served
// brotli-compressed, as from a static host.
//
// For each chapter named on the command line (default: arc, tokens, attention, sampling,
// training) it prints, and writes to tests/e2e/artifacts/<backend>/lighthouse.json, the
// performance, accessibility and best-practices scores, the paint and blocking metrics, and every
// audit of those categories that did not pass. A report, not a test: the scores move from run to
// run with the machine's load.
//
//   node tests/e2e/lighthouse.mjs [slug …]     (after `cargo xtask build`)

import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import lighthouse from "lighthouse";
import * as chromeLauncher from "chrome-launcher";
import { ARTIFACTS, BACKEND, CHROMIUM_FLAGS, DIST, serve } from "./harness.mjs";

const SLUGS = process.argv.slice(2).length ? process.argv.slice(2) : ["arc", "tokens", "attention", "sampling", "training"];
const CATEGORIES = ["performance", "accessibility", "best-practices"];
const METRICS = {
  fcp_ms: "first-contentful-paint",
  lcp_ms: "largest-contentful-paint",
  tbt_ms: "total-blocking-time",
  speed_index_ms: "speed-index",
  cls: "cumulative-layout-shift",
  interactive_ms: "interactive",
};

const server = await serve(0, { compress: true });
// Every file compressed once before the audits, as a host stores them.
for (const entry of readdirSync(DIST, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())) {
  const path = relative(DIST, join(entry.parentPath, entry.name));
  await (await fetch(`${server.origin}/${path}`, { headers: { "accept-encoding": "br" } })).arrayBuffer();
}
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROME_PATH ?? "/usr/bin/chromium",
  chromeFlags: ["--headless=new", ...CHROMIUM_FLAGS],
});
const results = [];
let version = null;
try {
  for (const slug of SLUGS) {
    const { lhr } = await lighthouse(`${server.origin}/#/${slug}`, {
      port: chrome.port,
      output: "json",
      logLevel: "error",
      onlyCategories: CATEGORIES,
    });
    if (lhr.runtimeError) throw new Error(`${slug}: Lighthouse failed: ${lhr.runtimeError.message}`);
    version = lhr.lighthouseVersion;
    const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round(lhr.categories[c].score * 100)]));
    const metrics = Object.fromEntries(
      Object.entries(METRICS).map(([k, id]) => [k, Number(lhr.audits[id].numericValue.toFixed(k === "cls" ? 3 : 0))]),
    );
    // The audits that count towards a category's score and did not pass, worst first.
    const failing = CATEGORIES.flatMap((c) =>
      lhr.categories[c].auditRefs
        .filter((ref) => ref.weight > 0 && lhr.audits[ref.id].score !== null && lhr.audits[ref.id].score < 0.9)
        .map((ref) => ({ category: c, id: ref.id, score: lhr.audits[ref.id].score, value: lhr.audits[ref.id].displayValue ?? "" })),
    ).sort((a, b) => a.score - b.score);
    results.push({ slug, scores, metrics, failing });
    console.log(
      `lighthouse mobile (${BACKEND} flags) ${slug}: performance ${scores.performance}, accessibility ${scores.accessibility}, ` +
        `best practices ${scores["best-practices"]}; LCP ${metrics.lcp_ms} ms, FCP ${metrics.fcp_ms} ms, ` +
        `TBT ${metrics.tbt_ms} ms, CLS ${metrics.cls}, speed index ${metrics.speed_index_ms} ms`,
    );
    for (const f of failing) console.log(`  ${f.category}: ${f.id} (score ${f.score}) ${f.value}`);
    // Where the blocking time comes from: the longest main-thread tasks, as Lighthouse simulated them.
    const long = (lhr.audits["long-tasks"]?.details?.items ?? []).slice(0, 5);
    results.at(-1).long_tasks = long.map((t) => ({ url: t.url, start_ms: Math.round(t.startTime), ms: Math.round(t.duration) }));
    for (const t of long) console.log(`  long task ${Math.round(t.duration)} ms at ${Math.round(t.startTime)} ms: ${t.url}`);
    const shifts = lhr.audits["layout-shifts"]?.details?.items ?? [];
    for (const s of shifts.slice(0, 3)) console.log(`  layout shift ${s.score?.toFixed(3)}: ${s.node?.selector ?? ""}`);
  }
} finally {
  await chrome.kill();
  await server.close();
}
mkdirSync(ARTIFACTS, { recursive: true });
writeFileSync(
  join(ARTIFACTS, "lighthouse.json"),
  JSON.stringify({ lighthouse: version, mode: "mobile, simulated throttling (defaults)", results }, null, 1),
);
