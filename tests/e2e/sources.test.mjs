// The sources line under every chapter (app/src/chapters/sources.rs): present in the guide and in
// embed mode, each cited source a real-looking https link that opens apart from the page, and it
// reads well at desktop and phone widths in both themes (screenshots in artifacts/<backend>/sources).

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { serve, launch, openPage, chapters, chapterUrl, artifacts, ENGINE_FREE } from "./harness.mjs";

const CHAPTERS = chapters();
const KINDS = ["computed", "measured", "examples", "no-figures", "reading-list"];
let server, browser;

before(async () => {
  server = await serve();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** Reads the chapter's sources element: its kind or count, its text, and its links. */
async function readSources(page, slug) {
  const aside = page.locator(`section[data-chapter="${slug}"] aside.sources`);
  await aside.waitFor({ timeout: 20_000 });
  assert.equal(await aside.count(), 1, `${slug}: one sources element`);
  return aside.evaluate((el) => ({
    kind: el.getAttribute("data-sources"),
    text: el.textContent.trim(),
    links: [...el.querySelectorAll("li a")].map((a) => ({
      href: a.getAttribute("href"),
      rel: a.getAttribute("rel"),
      target: a.getAttribute("target"),
      text: a.textContent.trim(),
    })),
    afterBody: el.previousElementSibling?.classList.contains("chapter-body") ?? false,
  }));
}

function checkSources(slug, s) {
  assert.ok(s.afterBody, `${slug}: the sources line follows the chapter body`);
  assert.ok(s.text.startsWith("Sources"), `${slug}: the line is headed “Sources”: ${s.text}`);
  if (KINDS.includes(s.kind)) {
    assert.equal(s.links.length, 0, `${slug}: a ${s.kind} line lists no links`);
    assert.ok(s.text.length > 20, `${slug}: the ${s.kind} line says what it means`);
    return;
  }
  const count = Number(s.kind);
  assert.ok(Number.isInteger(count) && count > 0, `${slug}: data-sources is ${s.kind}`);
  assert.equal(s.links.length, count, `${slug}: data-sources counts the links`);
  for (const a of s.links) {
    assert.match(a.href, /^https:\/\/[a-z0-9.-]+\.[a-z]{2,}(\/\S*)?$/i, `${slug}: ${a.href}`);
    assert.equal(a.rel, "noopener", `${slug}: ${a.href} has rel=noopener`);
    assert.equal(a.target, "_blank", `${slug}: ${a.href} opens apart from the guide`);
    assert.ok(a.text.length > 3, `${slug}: ${a.href} is named`);
  }
}

// Each chapter's sources line as the full page shows it, read by the first test and compared with
// the embed's by the second (which reads it itself when run alone).
const FULL = new Map();

test("every chapter ends with its sources line, and no chapter keeps an old inline one", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPage(browser, server.origin);
  const kinds = {};
  for (const [slug] of CHAPTERS) {
    await page.goto(chapterUrl(server.origin, slug));
    const s = await readSources(page, slug);
    checkSources(slug, s);
    FULL.set(slug, s);
    kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
    const inline = await page.locator(`section[data-chapter="${slug}"] .chapter-body .sources`);
    assert.equal(await inline.count(), 0, `${slug}: an inline sources line is left in the body`);
  }
  assert.ok(Object.keys(kinds).some((k) => !KINDS.includes(k)), "some chapters cite sources");
  console.log(`sources lines by kind or count: ${JSON.stringify(kinds)}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test("embed mode shows the same sources line above the link back to the guide", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPage(browser, server.origin);
  for (const [slug] of CHAPTERS) {
    let full = FULL.get(slug);
    if (!full) {
      await page.goto(chapterUrl(server.origin, slug));
      full = await readSources(page, slug);
    }
    await page.goto(chapterUrl(server.origin, slug, { embed: true }));
    const embedded = await readSources(page, slug);
    checkSources(slug, embedded);
    assert.deepEqual(embedded.links, full.links, `${slug}: embed shows the same sources`);
    const below = await page
      .locator(`section[data-chapter="${slug}"] aside.sources + .embed-source`)
      .count();
    assert.equal(below, 1, `${slug}: the link back to the guide follows the sources`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("sources lines fit a phone and read in both themes (screenshots)", { skip: ENGINE_FREE }, async () => {
  const dir = join(await artifacts(), "sources");
  await mkdir(dir, { recursive: true });
  for (const scheme of ["light", "dark"]) {
    for (const [name, viewport] of [
      ["desktop", { width: 1280, height: 900 }],
      ["phone", { width: 390, height: 844 }],
    ]) {
      const context = await browser.newContext({ viewport, colorScheme: scheme });
      const page = await context.newPage();
      for (const slug of ["cost", "scaling-laws", "embeddings", "training"]) {
        await page.goto(chapterUrl(server.origin, slug));
        const aside = page.locator(`section[data-chapter="${slug}"] aside.sources`);
        await aside.waitFor({ timeout: 20_000 });
        const fit = await aside.evaluate((el) => ({
          over: el.scrollWidth - el.clientWidth,
          right: el.getBoundingClientRect().right,
          width: window.innerWidth,
          link: el.querySelector("a") ? getComputedStyle(el.querySelector("a")).color : null,
          text: getComputedStyle(el).color,
          bg: getComputedStyle(document.body).backgroundColor,
        }));
        assert.ok(fit.over <= 0, `${slug} ${name} ${scheme}: sources overflow by ${fit.over}px`);
        assert.ok(fit.right <= fit.width, `${slug} ${name} ${scheme}: sources run off screen`);
        assert.notEqual(fit.text, fit.bg, `${slug} ${scheme}: text and background differ`);
        await aside.scrollIntoViewIfNeeded();
        await aside.screenshot({ path: join(dir, `${slug}-${name}-${scheme}.png`) });
      }
      await context.close();
    }
  }
});
