// A light first load (issue 17): every chapter paints before, and without, the page's wasm, and
// what the browser fetched before that first paint weighs at most 500 KB brotli-compressed.
//
// "Before the first paint" is measured, not assumed (critical-path.mjs): every file whose fetch
// started before the browser's first-contentful-paint entry counts, weighed from the real file in
// dist/ (brotli at the test server's quality 9).

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DIST, READY_MS, chapters, useBrowser, openPage, chapterUrl, ENGINE_FREE } from "./harness.mjs";
import { LAYOUTS } from "./prerender.mjs";
import { FIVE, measure, total, weigh } from "./critical-path.mjs";

/** The most the first paint of a chapter may download, brotli-compressed. */
const BUDGET = 500_000;

const env = useBrowser();

test("every chapter has a first-paint snapshot per layout, and index.html with it weighs at most 500 KB brotli", () => {
  const index = weigh("index.html");
  const over = [];
  for (const { dir } of LAYOUTS) {
    for (const [slug] of chapters()) {
      const path = join("prerender", dir, `${slug}.html`);
      assert.ok(existsSync(join(DIST, path)), `${path} is missing: run tests/e2e/prerender.mjs after the build`);
      const br = index.br + weigh(path).br;
      if (br > BUDGET) over.push(`${path}: ${br} bytes`);
    }
  }
  assert.deepEqual(over, [], `first paints over ${BUDGET} bytes brotli`);
});

// Lighthouse's cumulative layout shift was 0.28–0.33 on every chapter when the header wrapped
// differently as the engine status changed and a phone was shown the desktop snapshot. The
// budget is Core Web Vitals' "good": 0.1 from the first paint until the engine is ready.
const SHIFT_BUDGET = 0.1;

test("the snapshot gives way to the live page, and the engine comes up, without moving the page", async (t) => {
  const phone = { viewport: { width: 412, height: 823 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
  const desktop = { viewport: { width: 1280, height: 900 } };
  for (const [name, device] of [["phone", phone], ["desktop", desktop]]) {
    for (const slug of FIVE) {
      const context = await env.browser.newContext({ ...device, serviceWorkers: "block" });
      const page = await context.newPage();
      await page.addInitScript(() => {
        window.__shifts = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            if (e.hadRecentInput) continue;
            const nodes = (e.sources ?? []).map((s) => s.node?.className || s.node?.nodeName || "?");
            window.__shifts.push({ value: e.value, at: e.startTime, nodes });
          }
        }).observe({ type: "layout-shift", buffered: true });
      });
      await page.goto(chapterUrl(env.server.origin, slug));
      await page.waitForFunction(() => document.querySelector("[data-engine-state]")?.dataset.engineState === "ready", null, {
        timeout: READY_MS,
      });
      // Whatever the ready state redraws, one frame later.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const shifts = await page.evaluate(() => window.__shifts);
      const cls = shifts.reduce((a, s) => a + s.value, 0);
      t.diagnostic(`${name} ${slug}: layout shift ${cls.toFixed(4)} in ${shifts.length} shifts`);
      assert.ok(
        cls <= SHIFT_BUDGET,
        `${name} ${slug}: layout shift ${cls.toFixed(3)} > ${SHIFT_BUDGET}: ` +
          shifts.map((s) => `${s.value.toFixed(3)} at ${s.at.toFixed(0)} ms (${s.nodes.join(", ")})`).join("; "),
      );
      await context.close();
    }
  }
});

test("without the page's wasm every chapter still paints, its title on screen", { skip: ENGINE_FREE }, async () => {
  const { page, context } = await openPage(env.browser, env.server.origin, undefined, { serviceWorkers: "block" });
  // The wasm never arrives: whatever paints comes from index.html and the snapshot.
  await context.route(/\.wasm$/, (route) => route.abort());
  for (const [slug, title] of chapters()) {
    // A new document each time (a fragment change alone would not load the page again).
    await page.goto("about:blank");
    await page.goto(chapterUrl(env.server.origin, slug));
    const heading = page.locator("#prerender h1#chapter-title");
    await heading.waitFor({ state: "visible", timeout: 30_000 });
    assert.equal((await heading.innerText()).trim(), title, `${slug}: the snapshot's heading`);
    // The paint entry follows the paint itself.
    await page.waitForFunction(
      () => performance.getEntriesByType("paint").some((e) => e.name === "first-contentful-paint"),
      null,
      { timeout: 10_000 },
    );
  }
  await context.close();
});

test("a link that carries a chapter's state gets no snapshot of the defaults", { skip: ENGINE_FREE }, async () => {
  const { page, context } = await openPage(env.browser, env.server.origin, undefined, { serviceWorkers: "block" });
  const snapshots = [];
  page.on("request", (r) => r.url().includes("/prerender/") && snapshots.push(r.url()));
  await page.goto(chapterUrl(env.server.origin, "thinking", { query: "outer=12&inner=9" }));
  await page.locator('section.chapter[data-chapter="thinking"]').waitFor({ timeout: 60_000 });
  assert.deepEqual(snapshots, [], "no snapshot was fetched");
  assert.equal(await page.locator(".think-rings circle.think-outer").count(), 12, "the link's state, drawn by the app");
  await context.close();
});

test("with the app: the first paint fetched the snapshot, no wasm, ≤ 500 KB brotli; then the app replaces it", { skip: ENGINE_FREE }, async (t) => {
  for (const slug of FIVE) {
    const { page, context, problems, fcp, mounted, paint } = await measure(env.browser, env.server.origin, slug);
    const files = paint.map(weigh);
    const { br } = total(files);
    t.diagnostic(
      `${slug}: first contentful paint ${fcp.toFixed(0)} ms, app mounted ${mounted.toFixed(0)} ms; fetched before the paint: ` +
        files.map((f) => `${f.path} ${f.raw}/${f.gzip}/${f.br}`).join(", ") + ` (raw/gzip/brotli bytes), ${br} brotli in all`,
    );
    assert.ok(paint.includes(`prerender/${slug}.html`), `${slug}: the first paint is the snapshot (fetched: ${paint.join(", ")})`);
    assert.ok(!paint.some((p) => p.endsWith(".wasm")), `${slug}: no wasm before the first paint (fetched: ${paint.join(", ")})`);
    assert.ok(br <= BUDGET, `${slug}: ${br} bytes brotli before the first paint, over ${BUDGET}`);
    assert.ok(mounted > fcp, `${slug}: the snapshot painted (${fcp} ms) before the app mounted (${mounted} ms)`);
    // The live page: no snapshot left, one heading, the chapter's own section.
    assert.equal(await page.locator("#prerender").count(), 0, `${slug}: the snapshot is gone`);
    assert.equal(await page.locator("h1#chapter-title").count(), 1, `${slug}: one heading`);
    assert.equal(await page.locator(`section.chapter[data-chapter="${slug}"]`).count(), 1);
    assert.deepEqual(problems, [], `${slug}: console errors or failed requests`);
    await context.close();
  }
});
