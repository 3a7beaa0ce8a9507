// Every chapter is a finished page: prose, a heading, something to look at or use, no
// placeholder text; charts stay readable in both themes.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { serve, launch, openPage, chapters, chapterUrl, artifacts, ENGINE_FREE } from "./harness.mjs";

const CHAPTERS = chapters();
// Something to look at or use: a chart or diagram, a formula, a table, a control, token chips,
// or a panel (the side-by-side comparisons and worked examples).
const VISUALS =
  "svg, canvas, math, table, input, button, select, textarea, img, figure, .panel, [data-token-id]";
const PLACEHOLDER = /\b(TODO|TBD|FIXME|coming soon|placeholder|not yet written)\b/i;
let server, browser;

before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test("every chapter has prose, a visual or control, and no placeholder text", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPage(browser, server.origin);
  await page.goto(chapterUrl(server.origin, "arc"));
  for (const [slug] of CHAPTERS) {
    await page.evaluate((s) => (location.hash = `#/${s}`), slug);
    const body = page.locator(`section[data-chapter="${slug}"] .chapter-body`);
    await body.waitFor({ timeout: 20_000 });
    // Live pieces (token chips from a downloaded vocabulary) may take a moment to appear.
    await page
      .waitForFunction(
        ({ sel, visuals }) => document.querySelector(sel)?.querySelector(visuals),
        { sel: `section[data-chapter="${slug}"] .chapter-body`, visuals: VISUALS },
        { timeout: 10_000 },
      )
      .catch(() => {});
    const facts = await body.evaluate((el, VISUALS) => ({
      words: [...el.querySelectorAll("p, li")]
        .map((p) => p.textContent.trim().split(/\s+/).length)
        .reduce((a, b) => a + b, 0),
      visuals: el.querySelectorAll(VISUALS).length,
      text: el.innerText,
    }), VISUALS);
    assert.ok(facts.words >= 60, `${slug}: only ${facts.words} words of prose`);
    assert.ok(facts.visuals >= 1, `${slug}: no visual or control`);
    assert.doesNotMatch(facts.text, PLACEHOLDER, `${slug} has placeholder text`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("charts are readable in the light and the dark theme", { skip: ENGINE_FREE }, async () => {
  const dir = await artifacts();
  for (const scheme of ["light", "dark"]) {
    const context = await browser.newContext({ colorScheme: scheme, viewport: { width: 1280, height: 1400 } });
    const page = await context.newPage();
    for (const slug of ["context-window", "scaling-laws", "agents"]) {
      await page.goto(chapterUrl(server.origin, slug));
      const svg = page.locator(`section[data-chapter="${slug}"] .chart-svg svg`).first();
      await svg.waitFor({ timeout: 20_000 });
      const contrast = await page.evaluate(() => {
        const rgb = (c) => (c.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
        const lum = ([r, g, b]) => {
          const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
          return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        const bg = lum(rgb(getComputedStyle(document.body).backgroundColor));
        // Plotters charts draw their text straight on the page background.
        const texts = [...document.querySelectorAll(".chapter-body .chart-svg svg text")];
        const worst = texts.reduce((min, t) => {
          const fill = getComputedStyle(t).fill;
          if (!fill || fill === "none") return min;
          const l = lum(rgb(fill));
          const ratio = (Math.max(l, bg) + 0.05) / (Math.min(l, bg) + 0.05);
          return Math.min(min, ratio);
        }, Infinity);
        return { count: texts.length, worst };
      });
      assert.ok(contrast.count > 0, `${slug}: the chart has text labels`);
      assert.ok(
        contrast.worst >= 3,
        `${slug} (${scheme}): chart text contrast ${contrast.worst.toFixed(2)}`,
      );
      await page.screenshot({ path: join(dir, `${slug}-${scheme}.png`), fullPage: false });
    }
    await context.close();
  }
});

test("step-by-step diagrams step forward and back with their buttons", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPage(browser, server.origin);
  for (const slug of ["pretraining-data", "rag", "agents"]) {
    await page.goto(chapterUrl(server.origin, slug));
    const stepper = page.locator(`section[data-chapter="${slug}"] .stepper`).first();
    await stepper.waitFor({ timeout: 20_000 });
    const pos = stepper.locator(".stepper-pos");
    const next = stepper.getByRole("button", { name: "Next →", exact: true });
    const back = stepper.getByRole("button", { name: "← Back", exact: true });
    assert.match(await pos.textContent(), /^Step 1 of \d+$/, slug);
    assert.ok(await back.isDisabled(), `${slug}: Back is disabled on the first step`);
    await next.click();
    assert.match(await pos.textContent(), /^Step 2 of \d+$/, slug);
    await back.click();
    assert.match(await pos.textContent(), /^Step 1 of \d+$/, slug);
  }
  assert.deepEqual(problems, []);
  await context.close();
});
