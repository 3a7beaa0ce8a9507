// The guide's own text, as the RAG chapter retrieves over it: every chapter's prose read from the
// built pages in Chromium (the chapters are leptos views, so the rendered page is where their text
// is), written to public/guide/text.json.
//
//   node tests/e2e/guide-text.mjs        (after `cargo xtask build`; then commit the file)
//
// Prose is what a reader reads outside the interactive parts: paragraphs, list items, headings
// (each joined to the block after it) and callouts of the chapter's body, not its panels, charts,
// tables, code or sources line.
// rag.test.mjs checks that the shipped file still matches the pages.

import { writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, chapters, serve, launch, openPage, chapterUrl } from "./harness.mjs";

export const TEXT_FILE = join(ROOT, "public", "guide", "text.json");

/** The prose of the chapter open in `page`, one string per paragraph, in reading order. */
export async function prose(page) {
  await page.waitForSelector(".chapter-body");
  return page.$$eval(".chapter-body", ([body]) => {
    const skip = ".panel, [data-live], figure, table, svg, pre, details, nav, .sources, [hidden]";
    const blocks = "p, li, h2, h3, blockquote, .callout";
    const out = [];
    // A heading leads the block after it ("Why it happens: A model that …"), so that a chunk
    // never ends on a bare heading.
    let heading = null;
    for (const el of body.querySelectorAll(blocks)) {
      if (el.closest(skip)) continue;
      // A block inside another (a paragraph in a callout, a list in a list item) is read with it.
      if (el.parentElement?.closest(blocks)) continue;
      const text = el.innerText.replace(/\s+/g, " ").trim();
      if (!text) continue;
      if (/^H[23]$/.test(el.tagName)) {
        heading = heading ? `${heading}: ${text}` : text;
        continue;
      }
      out.push(heading ? `${heading}${/[.?!:]$/.test(heading) ? "" : ":"} ${text}` : text);
      heading = null;
    }
    if (heading) out.push(heading);
    return out;
  });
}

/** Reads every chapter's title, key idea and prose from the pages `origin` serves. */
export async function readGuide(browser, origin) {
  const { page, context } = await openPage(browser, origin);
  const out = [];
  for (const [slug] of chapters()) {
    await page.goto(chapterUrl(origin, slug));
    await page.waitForSelector(`.chapter[data-chapter="${slug}"]`);
    const title = (await page.textContent("#chapter-title")).trim();
    const idea = (await page.textContent(".chapter-head .idea")).trim();
    out.push({ slug, title, idea, paragraphs: await prose(page) });
  }
  await context.close();
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await serve();
  const browser = await launch();
  try {
    const guide = await readGuide(browser, server.origin);
    const words = guide.reduce((n, c) => n + c.paragraphs.join(" ").split(/\s+/).length, 0);
    await mkdir(join(ROOT, "public", "guide"), { recursive: true });
    const file = {
      about: "The prose of every chapter of this guide, read from its built pages by tests/e2e/guide-text.mjs; the rag chapter retrieves over it.",
      chapters: guide,
    };
    await writeFile(TEXT_FILE, JSON.stringify(file, null, 1) + "\n");
    console.log(`wrote ${TEXT_FILE}: ${guide.length} chapters, ${words} words`);
  } finally {
    await browser.close();
    await server.close();
  }
}
