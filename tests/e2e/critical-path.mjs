// What a chapter's first paint and its interactivity cost to download, measured in Chromium:
// every file of the build whose fetch started before the first contentful paint, and before the
// live app mounted (its `section.chapter[data-chapter]` appeared), weighed from the real files
// (raw, gzip level 9, brotli quality 9 as the test server sends them).
//
//   node tests/e2e/critical-path.mjs [slug …]          (default: the five Lighthouse chapters)
//   TUMBLER_DIST=/some/other/dist node tests/e2e/critical-path.mjs   (another build, e.g. a before)
//
// first-paint.test.mjs uses the same measurement to hold the first paint to its budget.

import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { brotliCompressSync, gzipSync, constants as zlib } from "node:zlib";
import { DIST, serve, launch, openPage, chapterUrl } from "./harness.mjs";

export const FIVE = ["arc", "tokens", "attention", "sampling", "training"];

/** The bytes of a build file: raw, gzip and brotli (quality 9, as the test server sends them). */
export function weigh(path) {
  const bytes = readFileSync(join(DIST, path));
  return {
    path,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    br: brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9 } }).length,
  };
}

/** Sums of `files`' raw, gzip and brotli bytes. */
export const total = (files) =>
  files.reduce((s, f) => ({ raw: s.raw + f.raw, gzip: s.gzip + f.gzip, br: s.br + f.br }), { raw: 0, gzip: 0, br: 0 });

/** An init script: records the first contentful paint and when the live app mounted. */
export function watchPaints() {
  window.__firstPaint = { fcp: null, mounted: null };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === "first-contentful-paint") window.__firstPaint.fcp = e.startTime;
  }).observe({ type: "paint", buffered: true });
  new MutationObserver((_, observer) => {
    if (document.querySelector("section.chapter[data-chapter]")) {
      window.__firstPaint.mounted = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
}

/**
 * Opens chapter `slug` in a fresh context (empty cache, no service worker), waits for the app to
 * mount, and returns the first paint's and the mount's times (ms) and the build files whose fetch
 * started before each.
 */
export async function measure(browser, origin, slug) {
  const { page, context, problems } = await openPage(browser, origin, undefined, { serviceWorkers: "block" });
  await page.addInitScript(watchPaints);
  await page.goto(chapterUrl(origin, slug));
  await page.waitForFunction(() => window.__firstPaint?.mounted != null && window.__firstPaint.fcp != null, null, {
    timeout: 60_000,
  });
  const { fcp, mounted, entries } = await page.evaluate(() => ({
    ...window.__firstPaint,
    entries: [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")].map((e) => [
      e.name,
      e.startTime,
    ]),
  }));
  const before = (t) => [
    ...new Set(
      entries
        .filter(([, start]) => start < t)
        .map(([url]) => new URL(url).pathname.replace(/^\//, "") || "index.html")
        .filter((p) => existsSync(join(DIST, p))),
    ),
  ];
  return { page, context, problems, fcp, mounted, paint: before(fcp), interactive: before(mounted) };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const slugs = process.argv.slice(2).length ? process.argv.slice(2) : FIVE;
  const server = await serve();
  const browser = await launch();
  const kb = (n) => (n / 1000).toFixed(1).padStart(8);
  try {
    console.log(`build: ${DIST}`);
    for (const slug of slugs) {
      const m = await measure(browser, server.origin, slug);
      await m.context.close();
      for (const [what, paths] of [
        [`first paint (${m.fcp.toFixed(0)} ms here)`, m.paint],
        [`interactive (app mounted, ${m.mounted.toFixed(0)} ms here)`, m.interactive],
      ]) {
        const files = paths.map(weigh);
        const sum = total(files);
        console.log(`${slug}, ${what}: ${kb(sum.raw)} KB raw ${kb(sum.gzip)} KB gzip ${kb(sum.br)} KB brotli`);
        for (const f of files) console.log(`    ${f.path.padEnd(44)} ${kb(f.raw)} ${kb(f.gzip)} ${kb(f.br)}`);
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
}
