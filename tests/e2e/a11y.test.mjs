// Accessibility: axe-core (npm `axe-core`, pinned in package.json) on every chapter in both
// themes, after the engine is ready so that the live panels are checked as a reader meets them.
// The test fails on any violation axe rates serious or critical (WCAG 2.x A and AA rules, and
// axe's best practices), listing each rule, its impact, and the elements it found.
//
// One page walks the contents by hash navigation (the engine loads once); each chapter is
// checked in the light theme, then in the dark one (the theme is the `data-theme` attribute the
// theme toggle sets). The CPU run checks every chapter; the WebGPU run renders the same page
// with another backend, so it checks a sample of chapters (the live ones on its engine).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { BACKEND, serve, launch, openPage, chapters, chapterUrl, READY_MS } from "./harness.mjs";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const ALL = chapters();
const SAMPLE = ["arc", "tokens", "attention", "sampling", "inference", "training"];
const CHECKED = BACKEND === "cpu" ? ALL : ALL.filter(([slug]) => SAMPLE.includes(slug));
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

let server, browser;
before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** axe's serious and critical violations on the page as it is, one line per rule. */
async function violations(page) {
  const result = await page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => `${n.target.join(" ")}${n.failureSummary ? ` (${n.failureSummary.split("\n").slice(1, 2).join("").trim()})` : ""}`),
    }));
  }, TAGS);
  return result
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} [${v.impact}] ${v.help}: ${v.nodes.length} × ${v.nodes.slice(0, 4).join("; ")}`);
}

test(`axe finds no serious or critical violation on ${CHECKED.length} chapters in both themes`, async (t) => {
  const { page, context, problems } = await openPage(browser, server.origin);
  await page.goto(chapterUrl(server.origin, "arc"));
  await page.waitForFunction(
    () => ["ready", "error"].includes(document.querySelector("[data-engine-state]")?.dataset.engineState),
    null,
    { timeout: READY_MS },
  );
  await page.addScriptTag({ content: AXE });
  const found = [];
  for (const [slug] of CHECKED) {
    await page.evaluate((s) => (location.hash = `#/${s}`), slug);
    await page.waitForSelector(`section[data-chapter="${slug}"] h1`, { timeout: 20_000 });
    // Live panels draw their first result on the ready engine; give them a moment.
    await page.waitForTimeout(400);
    for (const theme of ["light", "dark"]) {
      await page.evaluate((th) => (document.documentElement.dataset.theme = th), theme);
      // Colours change with a transition (0.3 s at most): check what they settle to.
      await page.waitForTimeout(350);
      for (const v of await violations(page)) found.push(`${slug} (${theme}): ${v}`);
    }
  }
  t.diagnostic(`${CHECKED.length} chapters × 2 themes checked; ${found.length} serious or critical`);
  assert.deepEqual(found, [], `axe violations:\n${found.join("\n")}`);
  assert.deepEqual(problems, []);
  await context.close();
});
