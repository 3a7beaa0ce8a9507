// The app shell: every chapter renders, in normal and embed mode; deep links, keyboard, themes,
// embed codes; no console errors and no request to another host; screenshots and paint timing.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BACKEND, serve, launch, openPage, chapters, chapterUrl, artifacts, ENGINE_FREE } from "./harness.mjs";

const CHAPTERS = chapters();
let server, browser;

before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function waitForChapter(page, slug) {
  await page.waitForSelector(`section[data-chapter="${slug}"] h1`, { timeout: 20_000 });
}

test("the registry lists the guide's 46 chapters", () => {
  assert.equal(CHAPTERS.length, 46);
  assert.equal(CHAPTERS[0][0], "arc");
  assert.equal(CHAPTERS[45][0], "resources");
});

test("every chapter renders its section and title, following the contents", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPage(browser, server.origin);
  await page.goto(chapterUrl(server.origin, "arc"));
  await waitForChapter(page, "arc");
  for (const [slug, title] of CHAPTERS) {
    await page.click(`nav.contents a[href="#/${slug}"]`);
    await waitForChapter(page, slug);
    const heading = await page.textContent(`section[data-chapter="${slug}"] h1`);
    assert.equal(heading, title, `heading of ${slug}`);
    const current = await page.getAttribute('nav.contents a[aria-current="page"]', "href");
    assert.equal(current, `#/${slug}`);
    assert.equal(await page.locator("section[data-chapter]").count(), 1);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("the contents keep the current chapter in sight, on a laptop's screen", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPage(browser, server.origin, { width: 1366, height: 768 });
  await page.goto(chapterUrl(server.origin, "arc"));
  await waitForChapter(page, "arc");
  // Late chapters, reached by the pager or a link (not by the contents, which the click scrolls).
  for (const [slug] of [CHAPTERS[30], CHAPTERS[45], CHAPTERS[2]]) {
    await page.evaluate((s) => (location.hash = `#/${s}`), slug);
    await waitForChapter(page, slug);
    await page.waitForTimeout(100);
    const seen = await page.evaluate(() => {
      const nav = document.getElementById("contents").getBoundingClientRect();
      const item = document.querySelector('.contents [aria-current="page"]').getBoundingClientRect();
      return { nav: [nav.top, nav.bottom], item: [item.top, item.bottom] };
    });
    assert.ok(seen.item[0] >= seen.nav[0] && seen.item[1] <= seen.nav[1], `${slug}: ${JSON.stringify(seen)}`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("every chapter renders alone in embed mode, without navigation", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPage(browser, server.origin);
  for (const [slug, title] of CHAPTERS) {
    await page.goto(chapterUrl(server.origin, slug, { embed: true }));
    await waitForChapter(page, slug);
    assert.equal(await page.textContent("h1"), title);
    assert.equal(await page.locator("nav.contents, header.strip, .pager").count(), 0, slug);
    const back = await page.getAttribute(".embed-source a", "href");
    assert.ok(back.endsWith(`#/${slug}`), `link back to the guide from ${slug}: ${back}`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("the engine status element follows the contract and names this run's backend", async () => {
  const { page, context, problems } = await openPage(browser, server.origin);
  await page.goto(chapterUrl(server.origin, "attention"));
  const status = page.locator("[data-engine-state]");
  await status.waitFor();
  // Both attributes in one read: the engine may become ready between two reads.
  const [state, backend] = await status.evaluate((el) => [
    el.getAttribute("data-engine-state"),
    el.getAttribute("data-backend"),
  ]);
  assert.match(state, /^(loading|ready|error)$/);
  assert.equal(backend, BACKEND, `data-backend while ${state}`);
  if (BACKEND === "webgpu") {
    const adapter = await page.evaluate(async () => !!(await navigator.gpu?.requestAdapter()));
    assert.ok(adapter, "WebGPU on SwiftShader gives an adapter");
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("a deep link reopens its chapter and state; hostile values stay inert", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPage(browser, server.origin);
  const hostile = encodeURIComponent('<img src=x onerror="alert(1)">') + "&t=NaN&seed=%E2%82";
  await page.goto(chapterUrl(server.origin, "sampling", { query: `text=${hostile}` }));
  await waitForChapter(page, "sampling");
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  await page.reload();
  await waitForChapter(page, "sampling");
  assert.ok(page.url().includes("#/sampling"), page.url());

  await page.goto(chapterUrl(server.origin, "no-such-chapter"));
  await page.waitForSelector(".not-found h1");
  await page.goto(`${server.origin}/kv-cache${BACKEND === "cpu" ? "?backend=cpu" : ""}`);
  await waitForChapter(page, "kv-cache");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the keyboard reaches everything: skip link, contents, arrow keys between chapters", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPage(browser, server.origin);
  await page.goto(chapterUrl(server.origin, "softmax"));
  await waitForChapter(page, "softmax");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.className), "skip-link");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement.id), "chapter-title");

  await page.keyboard.press("ArrowRight");
  await waitForChapter(page, "sampling");
  assert.equal(await page.evaluate(() => document.activeElement.id), "chapter-title");
  await page.keyboard.press("ArrowLeft");
  await waitForChapter(page, "softmax");
  await page.keyboard.press("]");
  await waitForChapter(page, "sampling");

  // Tabbing from the top reaches a contents link, and Enter follows it. (A reload, so that the
  // keyboard starts at the top of the page, not inside the chapter that had focus.)
  await page.goto(chapterUrl(server.origin, "arc"));
  await page.reload();
  await waitForChapter(page, "arc");
  let reached = null;
  for (let i = 0; i < 16 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement.closest("nav.contents") &&
      document.activeElement.getAttribute("href"));
  }
  assert.ok(reached, "a contents link takes focus within 16 tabs");
  await page.keyboard.press("Enter");
  await waitForChapter(page, reached.slice(2));
  assert.deepEqual(problems, []);
  await context.close();
});

test("the embed code is a working iframe of the chapter with its state", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPage(browser, server.origin);
  await page.goto(chapterUrl(server.origin, "context-window"));
  await waitForChapter(page, "context-window");
  await page.click(".embed-code summary");
  const code = await page.inputValue("[data-embed-code]");
  const src = code.match(/<iframe src="([^"]+)"/)?.[1]?.replace(/&amp;/g, "&");
  assert.ok(src && src.includes("?embed#/context-window"), code);

  await page.setContent(code.replace(/loading="lazy"/, ""));
  const frame = await (await page.waitForSelector("iframe")).contentFrame();
  await frame.waitForSelector('section[data-chapter="context-window"]', { timeout: 20_000 });
  assert.equal(await frame.locator("nav.contents").count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test("light and dark themes follow the system, then the reader's choice", { skip: ENGINE_FREE }, async () => {
  const context = await browser.newContext({ colorScheme: "dark" });
  const page = await context.newPage();
  await page.goto(chapterUrl(server.origin, "arc"));
  await waitForChapter(page, "arc");
  const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
  assert.equal(await theme(), "dark");
  const darkBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.click(".theme-toggle");
  assert.equal(await theme(), "light");
  assert.notEqual(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), darkBg);
  await page.reload();
  await waitForChapter(page, "arc");
  assert.equal(await theme(), "light", "the choice survives a reload");
  await context.close();
});

test("phone and desktop screenshots, no sideways scrolling, and paint timing", { skip: ENGINE_FREE }, async () => {
  const dir = await artifacts();
  const metrics = {};
  for (const [name, viewport] of [
    ["phone", { width: 360, height: 740 }],
    ["desktop", { width: 1440, height: 900 }],
  ]) {
    const { page, context, problems } = await openPage(browser, server.origin, viewport);
    await page.goto(chapterUrl(server.origin, "attention"));
    await waitForChapter(page, "attention");
    const overflow = await page.evaluate(
      () => document.scrollingElement.scrollWidth - window.innerWidth,
    );
    assert.ok(overflow <= 0, `${name}: page is ${overflow}px wider than the screen`);
    await page.screenshot({ path: join(dir, `${name}.png`) });
    metrics[name] = await page.evaluate(() => {
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      return { firstContentfulPaintMs: fcp ? Math.round(fcp.startTime) : null };
    });
    assert.deepEqual(problems, []);
    await context.close();
  }
  if (metrics.phone.firstContentfulPaintMs !== null) {
    console.log(`first contentful paint (${BACKEND}): ${JSON.stringify(metrics)}`);
  }
  await writeFile(join(dir, "metrics.json"), JSON.stringify(metrics, null, 2));
});
