// Presenter mode (`?present`) and embeds (`?embed`, `only=`, the height messages, the keys).
//
// Presenter: a chapter becomes a sequence of stops (its title, then each part: panel,
// walkthrough, stepper, live panel, figure, table), moved through with the keys a presentation
// clicker sends; the URL's `stop=` follows and is honoured on load; B or `.` blanks the screen;
// Escape leaves. Embeds: a plain slide page (served by this test from another origin) holds a
// chapter in an iframe, sizes it from its `tumbler:height` messages with the snippet the page
// hands out, and keeps its own arrow keys. Screenshots land in artifacts/<backend>/present-*.png.
//
// None of it needs the model: the engine may still be loading while these tests run.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { createServer } from "node:http";
import { useBrowser, openPage, chapterUrl, artifacts, ENGINE_FREE } from "./harness.mjs";

const env = useBrowser();

async function openPresenter(slug, { query = "present", viewport } = {}) {
  const opened = await openPage(env.browser, env.server.origin, viewport);
  await opened.page.goto(chapterUrl(env.server.origin, slug, { query }));
  await opened.page.waitForSelector(`section[data-chapter="${slug}"][data-present-view]`);
  return opened;
}

/** The presenter's state as the page shows it. */
function state(page) {
  return page.evaluate(() => {
    const bar = document.querySelector("[data-present]");
    const section = document.querySelector("section[data-chapter]");
    const part = section?.querySelector("[data-present-part]");
    const stepper = part && (part.matches(".stepper") ? part : part.querySelector(".stepper"));
    const visible = (el) => !!el && el.getClientRects().length > 0;
    return {
      slug: section?.dataset.chapter,
      stop: Number(bar?.dataset.stop),
      stops: Number(bar?.dataset.stops),
      blank: bar?.dataset.blank,
      view: section?.dataset.presentView,
      step: stepper ? Number(stepper.dataset.step) : null,
      steps: stepper ? Number(stepper.dataset.steps) : null,
      pos: bar?.querySelector(".present-pos")?.textContent,
      hash: location.hash,
      partsVisible: [...section.querySelectorAll(".chapter-body [data-present-part]")].filter(visible).length,
      // Everything else in the body that takes up room on screen besides the part shown.
      othersVisible: [...section.querySelectorAll(".chapter-body > *")]
        .filter((el) => !el.hasAttribute("data-present-path") && !el.hasAttribute("data-present-part"))
        .filter(visible).length,
      titleVisible: visible(section?.querySelector("h1")),
      ideaVisible: visible(section?.querySelector(".idea")),
      chrome: ["header.strip", "nav.contents", ".pager", ".embed-code"].filter((s) => visible(document.querySelector(s))),
      present: document.documentElement.classList.contains("present"),
    };
  });
}

/** Waits until the stop, the step in it or the chapter differs from `s`'s. */
function moved(page, s) {
  return page.waitForFunction(
    ([slug, stop, step]) => {
      const bar = document.querySelector("[data-present]");
      const part = document.querySelector("[data-present-part]");
      const st = part && (part.matches(".stepper") ? part : part.querySelector(".stepper"));
      return document.querySelector("section[data-chapter]")?.dataset.chapter !== slug ||
        Number(bar?.dataset.stop) !== stop || (st ? Number(st.dataset.step) : null) !== step;
    },
    [s.slug, s.stop, s.step],
  );
}

test("presenter: the stops are stepped through with clicker keys, builds first, and the URL follows", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPresenter("attention");
  let s = await state(page);
  assert.ok(s.present, "html.present is set");
  assert.deepEqual(s.chrome, [], "no navigation chrome in presenter mode");
  assert.equal(s.stop, 1);
  assert.equal(s.view, "title");
  assert.ok(s.titleVisible && s.ideaVisible, "stop 1 is the title and the key idea");
  assert.equal(s.partsVisible + s.othersVisible, 0, "nothing of the body on the title stop");
  assert.ok(s.stops >= 4, `attention has a stepper, a table and a live panel: ${s.stops} stops`);
  assert.equal(s.pos, `1 / ${s.stops}`);
  const stops = s.stops;

  // Walk the chapter with PageDown: every stop once, and the stepper's five steps inside its stop.
  const seen = [];
  const keys = ["PageDown", "ArrowRight", "ArrowDown", " "];
  for (let i = 0; i < 40 && s.slug === "attention"; i++) {
    await page.keyboard.press(keys[i % keys.length]);
    await moved(page, s);
    s = await state(page);
    if (s.slug !== "attention") break;
    seen.push([s.stop, s.step]);
    assert.equal(s.view, "parts");
    assert.equal(s.partsVisible, 1, `exactly one part on screen at stop ${s.stop}`);
    assert.equal(s.othersVisible, 0, `no prose beside the part at stop ${s.stop}`);
    assert.ok(s.hash.includes(`stop=${s.stop}`), `the URL follows: ${s.hash}`);
    assert.equal(s.pos, `${s.stop} / ${stops}`);
  }
  const stopsSeen = [...new Set(seen.map(([stop]) => stop))];
  assert.deepEqual(stopsSeen, Array.from({ length: stops - 1 }, (_, i) => i + 2), "each stop once, in order");
  const built = seen.filter(([, step]) => step !== null);
  assert.ok(built.length >= 5, `the head's stepper is played through its steps: ${JSON.stringify(seen)}`);
  const steps = built.map(([, step]) => step);
  assert.deepEqual(steps.slice(0, 5), [1, 2, 3, 4, 5], `steps 1…5 before the next stop: ${JSON.stringify(seen)}`);

  // Past the last stop: the next chapter's first stop.
  assert.equal(s.slug, "positions", "next from the last stop opens the next chapter");
  assert.equal(s.stop, 1);
  assert.match(s.hash, /^#\/positions\?present&stop=1$/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("presenter: a link opens its stop, survives a reload, and back crosses to the previous chapter's last stop", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPresenter("attention", { query: "present&stop=3" });
  let s = await state(page);
  assert.equal(s.stop, 3);
  assert.equal(s.partsVisible, 1);
  await page.reload();
  await page.waitForSelector('section[data-chapter="attention"][data-present-view="parts"]');
  assert.equal((await state(page)).stop, 3, "stop=3 honoured after a reload");

  await page.keyboard.press("PageUp");
  await page.waitForFunction(() => document.querySelector("[data-present]")?.dataset.stop === "2");
  await page.keyboard.press("Home");
  await page.waitForFunction(() => document.querySelector("[data-present]")?.dataset.stop === "1");
  await page.keyboard.press("PageUp");
  await page.waitForSelector('section[data-chapter="neural-net"][data-present-view]');
  await page.waitForFunction(() => {
    const bar = document.querySelector("[data-present]");
    return bar && bar.dataset.stops !== "1" && bar.dataset.stop === bar.dataset.stops;
  });
  s = await state(page);
  assert.equal(s.stop, s.stops, `back from stop 1 lands on neural-net's last stop: ${s.stop} / ${s.stops}`);

  // Past the end of a chapter's stops, a link shows its last one.
  await page.goto(chapterUrl(env.server.origin, "arc", { query: "present&stop=999" }));
  await page.waitForSelector('section[data-chapter="arc"][data-present-view]');
  s = await state(page);
  assert.equal(s.stop, s.stops);
  assert.deepEqual(problems, []);
  await context.close();
});

test("presenter: B and . blank the screen, any key brings it back; Escape leaves with the state kept", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPresenter("sampling", { query: "t=0.7&present&stop=2" });
  await page.keyboard.press("b");
  await page.waitForSelector("[data-present-blank]:not([hidden])");
  assert.equal((await state(page)).blank, "true");
  const cover = await page.locator("[data-present-blank]").boundingBox();
  assert.ok(cover.width >= 1280 && cover.height >= 900, `the blank covers the screen: ${JSON.stringify(cover)}`);
  await page.keyboard.press("PageDown");
  await page.waitForSelector("[data-present-blank]", { state: "hidden" });
  let s = await state(page);
  assert.equal(s.stop, 2, "the key that ends the blank does not move");
  await page.keyboard.press(".");
  await page.waitForSelector("[data-present-blank]:not([hidden])");
  await page.keyboard.press("Escape");
  await page.waitForSelector("[data-present-blank]", { state: "hidden" });
  assert.ok((await state(page)).present, "Escape on a blank screen ends the blank only");

  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.documentElement.classList.contains("present"));
  await page.waitForSelector("header.strip", { state: "visible" });
  s = await state(page);
  assert.equal(s.view, undefined, "the whole chapter is back");
  assert.ok(s.othersVisible > 2, "its prose is back");
  assert.equal(new URL(page.url()).hash, "#/sampling?t=0.7", "present and stop gone, the state kept");
  await page.waitForFunction(() => document.activeElement?.id === "chapter-title");

  // The header's control starts it again, at the first stop.
  await page.click("button.present-toggle");
  await page.waitForSelector('section[data-chapter="sampling"][data-present-view="title"]');
  const hash = new URL(page.url()).hash;
  assert.ok(["t=0.7", "present", "stop=1"].every((p) => hash.split(/[?&]/).includes(p)), hash);
  // Typing in a text box is not a clicker: the box keeps its keys.
  await page.keyboard.press("End");
  await page.waitForFunction(() => document.querySelector("[data-present-view='parts']"));
  for (let i = 0; i < 30 && !(await page.locator("[data-present-part] textarea").count()); i++) {
    const at = await state(page);
    await page.keyboard.press("PageUp");
    await moved(page, at);
  }
  const box = page.locator("[data-present-part] textarea").first();
  const before = await state(page);
  await box.focus();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press(" ");
  assert.equal((await state(page)).stop, before.stop, "arrows and space in a text box stay there");
  assert.deepEqual(problems, []);
  await context.close();
});

test("presenter: a 360-px phone shows one stop without sideways scrolling", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPresenter("attention", {
    query: "present&stop=2",
    viewport: { width: 360, height: 740 },
  });
  const overflow = await page.evaluate(() => document.scrollingElement.scrollWidth - innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  const bar = await page.locator(".present-bar .present-pos").boundingBox();
  assert.ok(bar && bar.x + bar.width <= 360, "the progress stays on screen");
  await page.screenshot({ path: join(await artifacts(), "present-phone-360-attention.png") });
  // The bar's buttons do what the keys do, for a touch screen.
  const before = await state(page);
  await page.click(".present-bar .present-next");
  await moved(page, before);
  assert.deepEqual(problems, []);
  await context.close();
});

test("presenter: screenshots on a 1920×1080 projector (arc, attention, sampling)", { skip: ENGINE_FREE }, async () => {
  const dir = await artifacts();
  for (const [slug, stops] of [["arc", [1, 2]], ["attention", [1, 2, 4]], ["sampling", [2, 3]]]) {
    const { page, context, problems } = await openPresenter(slug, { viewport: { width: 1920, height: 1080 } });
    for (const stop of stops) {
      await page.goto(chapterUrl(env.server.origin, slug, { query: `present&stop=${stop}` }));
      await page.waitForFunction((n) => document.querySelector("[data-present]")?.dataset.stop === String(n), stop);
      await page.screenshot({ path: join(dir, `present-1920-${slug}-${stop}.png`) });
    }
    assert.deepEqual(problems, []);
    await context.close();
  }
});

/** A slide page on another origin with the guide's embed in it and the guide's own snippet. */
async function slidePage(embedSrc) {
  const { page, context, problems } = await openPage(env.browser, env.server.origin);
  // The page's embed code box hands out the host snippet; use exactly that.
  await page.goto(chapterUrl(env.server.origin, "softmax"));
  await page.click(".embed-code summary");
  const snippet = await page.inputValue("[data-embed-resize]");
  assert.match(snippet, new RegExp(`e\\.origin !== "${env.server.origin}"`));
  const html = `<!doctype html><html><head><title>Slide 4</title>
    <style>body{font:24px sans-serif;margin:2rem} iframe{width:900px;border:1px solid #888}</style></head>
    <body><h1>Slide 4: softmax</h1><iframe src="${embedSrc}" title="embed" height="200"></iframe>
    <script>
      window.__keys = []; window.__messages = [];
      addEventListener("keydown", (e) => __keys.push(e.key));
      addEventListener("message", (e) => __messages.push(e.data));
    </script>${snippet}</body></html>`;
  // Its own server: another origin (another port), on the loopback address like the guide's, as
  // Chromium lets only a local page frame a local one.
  const host = createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end(html));
  await new Promise((ok) => host.listen(0, "127.0.0.1", ok));
  const deck = `http://127.0.0.1:${host.address().port}/__slides/deck.html`;
  await page.goto(deck);
  const frame = await (await page.waitForSelector("iframe")).contentFrame();
  // The test's own slide host is not the guide's: its requests are not the guide's problems.
  const own = (p) => !p.includes("/__slides/");
  const close = async () => {
    await context.close();
    await new Promise((ok) => host.close(ok));
  };
  return { page, close, frame, problems: () => problems.filter(own) };
}

test("embed: the slide page gets tumbler:height messages and fits the iframe to its content", { skip: ENGINE_FREE }, async () => {
  const src = chapterUrl(env.server.origin, "softmax", { embed: true });
  const { page, close, frame, problems } = await slidePage(src);
  await frame.waitForSelector('section[data-chapter="softmax"]');
  const fits = () =>
    page.waitForFunction(async () => {
      const f = document.querySelector("iframe");
      const last = __messages.filter((m) => m?.type === "tumbler:height").at(-1);
      return last && Math.abs(f.getBoundingClientRect().height - 2 - last.height) <= 1 && last.height > 400;
    });
  await fits();
  const inner = await frame.evaluate(() => [document.scrollingElement.scrollHeight, innerHeight]);
  assert.ok(inner[0] <= inner[1] + 1, `no scrollbar inside the embed: ${inner}`);
  const tall = await page.evaluate(() => document.querySelector("iframe").getBoundingClientRect().height);
  // The slide as the room sees it: its own heading, then the chapter fitted into it.
  await page.evaluate(() => scrollTo(0, 0));
  await page.screenshot({ path: join(await artifacts(), "present-embed-slide-top.png") });

  // A narrower frame reflows taller: a new message, a taller iframe.
  await page.evaluate(() => { document.querySelector("iframe").style.width = "360px"; });
  await page.waitForFunction((h) => document.querySelector("iframe").getBoundingClientRect().height > h + 50, tall);
  await fits();
  assert.deepEqual(problems(), []);
  await close();
});

test("embed: the slide deck keeps its arrow keys; the embed hands clicker keys back", { skip: ENGINE_FREE }, async () => {
  const src = chapterUrl(env.server.origin, "softmax", { embed: true });
  const { page, close, frame, problems } = await slidePage(src);
  await frame.waitForSelector('section[data-chapter="softmax"]');
  const frameHash = () => frame.evaluate(() => location.hash);
  const hash = await frameHash();

  // Focus on the slide page: the deck gets ArrowRight, the embed is untouched.
  await page.focus("h1").catch(() => {});
  await page.keyboard.press("ArrowRight");
  assert.deepEqual(await page.evaluate(() => __keys), ["ArrowRight"]);

  // A click inside the embed (not on a control), then ArrowRight: the embed stays on its
  // chapter, hands the key back (message, replayed by the snippet) and the focus with it.
  await frame.click("h1");
  await page.keyboard.press("ArrowRight");
  await page.waitForFunction(() => __keys.length === 2);
  assert.equal(await frameHash(), hash, "arrow keys inside the embed do not change chapters");
  const handed = await page.evaluate(() => __messages.filter((m) => m?.type === "tumbler:key").map((m) => m.key));
  assert.deepEqual(handed, ["ArrowRight"]);
  await page.keyboard.press("PageDown");
  await page.waitForFunction(() => __keys.length === 3);
  const after = await page.evaluate(() => [__keys.at(-1), __messages.filter((m) => m?.type === "tumbler:key").length]);
  assert.deepEqual(after, ["PageDown", 1], "the next press went to the slide page directly");

  // A slider inside the embed that has focus keeps its arrows.
  const slider = frame.locator('input[type="range"]').first();
  const value = await slider.inputValue();
  await slider.focus();
  await page.keyboard.press("ArrowRight");
  assert.notEqual(await slider.inputValue(), value, "the slider moved");
  assert.equal((await page.evaluate(() => __keys)).length, 3, "the deck did not get the slider's key");
  assert.equal(await frameHash().then((h) => h.split("?")[0]), hash.split("?")[0]);
  await page.screenshot({ path: join(await artifacts(), "present-embed-slide.png") });
  assert.deepEqual(problems(), []);
  await close();
});

test("embed: only=live shows the interactive parts, only=<n> one part, a bad n says so", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPage(env.browser, env.server.origin);
  const look = () =>
    page.evaluate(() => {
      const section = document.querySelector("section[data-chapter]");
      const visible = (el) => el.getClientRects().length > 0;
      const parts = [...section.querySelectorAll("[data-present-part]")];
      return {
        view: section.dataset.presentView,
        parts: parts.length,
        shown: parts.filter(visible).length,
        interactive: parts.every((p) => p.matches("[data-live], button, input, select, textarea") ||
          !!p.querySelector("[data-live], button, input, select, textarea")),
        head: visible(section.querySelector(".chapter-head")),
        prose: [...section.querySelectorAll(".chapter-body p")].filter((p) => !p.closest("[data-present-part]")).filter(visible).length,
        note: document.querySelector(".embed-only-note")?.textContent ?? null,
        source: visible(document.querySelector(".embed-source")),
      };
    });
  const open = async (slug, only) => {
    const url = chapterUrl(env.server.origin, slug, { embed: true }).replace("?embed", `?embed&only=${only}`);
    await page.goto(url);
    await page.waitForSelector(`section[data-chapter="${slug}"]`);
  };

  await open("softmax", "live");
  await page.waitForSelector('section[data-present-view="parts"]');
  let s = await look();
  assert.ok(s.parts >= 1 && s.shown === s.parts && s.interactive, JSON.stringify(s));
  assert.equal(s.head, false, "no heading in only= mode");
  assert.equal(s.prose, 0, "no prose outside the parts");
  assert.ok(s.source, "the link back to the guide stays");
  assert.equal(s.note, null);
  await page.screenshot({ path: join(await artifacts(), "present-embed-only-live.png"), fullPage: true });

  await open("attention", "2");
  await page.waitForSelector('section[data-present-view="parts"]');
  s = await look();
  assert.equal(s.parts, 1);
  assert.equal(s.shown, 1);
  assert.equal(s.prose, 0);

  await open("attention", "99");
  await page.waitForSelector(".embed-only-note");
  s = await look();
  assert.equal(s.view, undefined, "the whole chapter is shown");
  assert.match(s.note, /This chapter has \d+ parts, not 99, so all of it is shown\./);
  assert.ok(s.head && s.prose > 2);

  // The embed code box offers the same choice.
  await page.goto(chapterUrl(env.server.origin, "attention"));
  await page.click(".embed-code summary");
  await page.selectOption("[data-embed-only]", "live");
  assert.match(await page.inputValue("[data-embed-code]"), /\?embed&amp;only=live#\/attention"/);
  const options = await page.$$eval("[data-embed-only] option", (o) => o.map((x) => x.textContent));
  assert.ok(options.some((o) => /^only part 1: /.test(o)), `the parts are listed by name: ${options}`);
  assert.deepEqual(problems, []);
  await context.close();
});
