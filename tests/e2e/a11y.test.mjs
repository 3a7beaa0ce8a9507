// Accessibility: axe-core (npm `axe-core`, pinned in package.json) on every chapter in both
// themes, after the engine is ready so that the live panels are checked as a reader meets them;
// then, on a 360-px phone, every chapter's touch targets, keyboard focus and charts' numbers.
// The test fails on any violation axe rates serious or critical (WCAG 2.x A and AA rules, and
// axe's best practices), listing each rule, its impact, and the elements it found.
//
// One page walks the contents by hash navigation (the engine loads once); each chapter is
// checked in the light theme, then in the dark one (the theme is the `data-theme` attribute the
// theme toggle sets). The CPU run checks every chapter; the WebGPU run renders the same page
// with another backend, so it checks a sample of chapters (the live ones on its engine).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { BACKEND, useBrowser, openPage, chapters, chapterUrl, READY_MS } from "./harness.mjs";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const ALL = chapters();
const SAMPLE = ["arc", "tokens", "attention", "sampling", "inference", "training"];
const CHECKED = BACKEND === "cpu" ? ALL : ALL.filter(([slug]) => SAMPLE.includes(slug));
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];

const env = useBrowser();

/** A page on the arc chapter with the engine ready (or failed, which the checks then see). */
async function openReady(viewport) {
  const opened = await openPage(env.browser, env.server.origin, viewport);
  await opened.page.goto(chapterUrl(env.server.origin, "arc"));
  await opened.page.waitForFunction(
    () => ["ready", "error"].includes(document.querySelector("[data-engine-state]")?.dataset.engineState),
    null,
    { timeout: READY_MS },
  );
  return opened;
}

/**
 * Waits until the page's height has held for a second (at most 15 s): a live panel that streams
 * (kv-cache's two timed runs, their verdict last) grows the page under a Tab walk, and a link
 * the browser had scrolled into view on focus was then measured below the screen.
 */
async function settled(page) {
  await page.evaluate(async () => {
    const end = performance.now() + 15_000;
    let last = -1;
    let still = 0;
    while (still < 4 && performance.now() < end) {
      await new Promise((r) => setTimeout(r, 250));
      const h = document.documentElement.scrollHeight;
      still = h === last ? still + 1 : 0;
      last = h;
    }
  });
}

/** Opens chapter `slug` by hash navigation and gives its live panels a moment to draw. */
async function visit(page, slug) {
  await page.evaluate((s) => (location.hash = `#/${s}`), slug);
  await page.waitForSelector(`section[data-chapter="${slug}"] h1`, { timeout: 20_000 });
  await page.waitForTimeout(400);
}

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
  const { page, context, problems } = await openReady();
  await page.addScriptTag({ content: AXE });
  const found = [];
  for (const [slug] of CHECKED) {
    await visit(page, slug);
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

// The controls a finger taps: WCAG 2.5.5's 44 × 44 CSS px. Links inside running text are exempt
// (WCAG's "inline" exception), as are controls the browser draws at its own size inside a
// larger target (a checkbox inside its label).
const TARGETS = "button, select, summary, textarea, input:not([type=hidden]), [role=button], [role=tab], [tabindex='0']:not([data-scroll-stop]), nav a, header a";
// A box that scrolls (scroll_boxes.rs gives it a Tab stop for the keyboard) is swiped, not tapped.
const MIN_TARGET = 44;

/** Targets on the page smaller than 44 × 44 px, as "what (w×h)". */
function smallTargets(page) {
  return page.evaluate(
    ([sel, min]) => {
      const out = [];
      for (const el of document.querySelectorAll(sel)) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || el.closest("[hidden], .sr-only, [inert]")) continue;
        if (el.closest("p, li, td, figcaption") && el.tagName === "A") continue;
        const label = el.closest("label");
        const box = label && el.matches("input[type=checkbox], input[type=radio]") ? label.getBoundingClientRect() : r;
        if (box.width + 0.5 < min || box.height + 0.5 < min) {
          const name = (el.getAttribute("aria-label") || el.textContent || el.getAttribute("name") || el.className || "").trim().slice(0, 30);
          out.push(`${el.tagName.toLowerCase()} "${name}" (${Math.round(box.width)}×${Math.round(box.height)})`);
        }
      }
      return out;
    },
    [TARGETS, MIN_TARGET],
  );
}

/**
 * Walks the chapter with the Tab key and returns the stops whose focus cannot be seen: no outline
 * and no box shadow while focused, or outside the viewport once focused. Also returns the
 * elements that look clickable (a pointer cursor) but that no key can reach.
 */
async function keyboardGaps(page, slug) {
  await page.evaluate(() => document.querySelector("main h1")?.focus());
  const gaps = [];
  const seen = new Set();
  for (let i = 0; i < 150; i++) {
    await page.keyboard.press("Tab");
    const stop = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || !el.closest("main")) return null;
      const cs = getComputedStyle(el);
      const outlined = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2;
      const shadowed = cs.boxShadow !== "none";
      const r = el.getBoundingClientRect();
      const inView = r.bottom > 0 && r.top < innerHeight && r.width > 0 && r.height > 0;
      const id = `${el.tagName.toLowerCase()}#${[...el.parentNode.children].indexOf(el)}:${Math.round(r.top + scrollY)}:${Math.round(r.left)}`;
      const name = (el.getAttribute("aria-label") || el.textContent || el.getAttribute("name") || "").trim().slice(0, 30);
      return { id, name, tag: el.tagName.toLowerCase(), visible: (outlined || shadowed) && el.matches(":focus-visible"), inView };
    });
    if (!stop || seen.has(stop.id)) break;
    seen.add(stop.id);
    if (!stop.visible) gaps.push(`${slug}: ${stop.tag} "${stop.name}" shows no focus`);
    if (!stop.inView) gaps.push(`${slug}: ${stop.tag} "${stop.name}" is focused off screen`);
  }
  const unreachable = await page.evaluate(() => {
    const reachable = "a[href], button, input, select, textarea, summary, label, [tabindex]";
    return [...document.querySelectorAll("main *")]
      .filter((el) => getComputedStyle(el).cursor === "pointer" && !el.closest(reachable) && !el.closest("[hidden], [inert]"))
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`);
  });
  for (const u of new Set(unreachable)) gaps.push(`${slug}: ${u} looks clickable but no key reaches it`);
  return { gaps, stops: seen.size };
}

/**
 * What a screen reader would miss, as "what": charts whose numbers it cannot get, and generated
 * text outside a polite live region (it would stream by unannounced).
 */
function screenReaderGaps(page) {
  return page.evaluate(() => {
    const out = [];
    const hasNumber = (s) => /\d/.test(s ?? "");
    for (const fig of document.querySelectorAll("main figure.chart")) {
      const table = fig.querySelector("table.chart-data");
      if (!table && !fig.querySelector("svg text")?.textContent.startsWith("Chart failed")) out.push(`chart "${fig.querySelector("[aria-label]")?.getAttribute("aria-label")?.slice(0, 40)}" has no data table`);
      // A chart with nothing drawn yet has an empty table; one with rows must state numbers.
      else if (table?.querySelector("tbody tr") && ![...table.querySelectorAll("tbody td")].some((td) => hasNumber(td.textContent))) out.push("a chart's table holds no number");
    }
    for (const grid of document.querySelectorAll("main .attention-grid")) {
      const rows = grid.parentElement.querySelectorAll("table.attention-table tbody tr");
      if (rows.length === 0 || ![...rows].every((r) => /\d+(\.\d)?%/.test(r.textContent))) out.push("an attention map has no table of weights");
    }
    for (const el of document.querySelectorAll("main [data-generated]")) {
      if (el.closest("[aria-live]")?.getAttribute("aria-live") !== "polite" && !el.querySelector("[aria-live=polite]")) out.push(`generated text (${el.className}) is not in a polite live region`);
    }
    for (const canvas of document.querySelectorAll("main canvas.matrix-map")) {
      if (!canvas.previousElementSibling?.querySelector("table.chart-data td")) out.push("a matrix image has no table of its largest numbers");
    }
    return out;
  });
}

/**
 * Tables that may scroll in their own box on a phone, by class, and why: a grid with a column per
 * token of the reader's prompt grows with the prompt. Every other table fits the column (the
 * phone's table style, `table.stack` in main.css, stacks a wide one's rows as cards), so that its
 * last column, often the result, is in view.
 */
const SCROLLING_TABLES = {
  "why-grid": "a column per token of the reader's prompt: a longer prompt scrolls",
};

/**
 * How the chapter fits a phone: how far the page scrolls sideways (wide figures must scroll inside
 * their own box instead), the SVG texts drawn below 10 px (a figure scaled down to the column),
 * the tables wider than their box (outside SCROLLING_TABLES), and the display formulas wider than
 * their box (a long formula's parts wrap, widgets/math.rs, so none should scroll).
 */
function phoneFit(page) {
  return page.evaluate((allowed) => {
    const cut = [];
    for (const table of document.querySelectorAll("main table")) {
      if (table.closest(".sr-only, [hidden]") || [...table.classList].some((c) => c in allowed)) continue;
      const box = table.getBoundingClientRect();
      if (box.width === 0) continue;
      if (table.scrollWidth > table.clientWidth + 1) {
        const head = (table.querySelector("caption, th")?.textContent ?? "").trim().slice(0, 30);
        cut.push(`table.${[...table.classList].join(".")} “${head}” (${table.scrollWidth} px in ${table.clientWidth}) hides columns behind a scroll`);
      }
    }
    for (const math of document.querySelectorAll("main .math")) {
      if (math.closest(".sr-only, [hidden]") || math.clientWidth === 0) continue;
      if (math.scrollWidth > math.clientWidth + 1) {
        const label = (math.getAttribute("aria-label") ?? "").slice(0, 30);
        cut.push(`the formula “${label}” (${math.scrollWidth} px in ${math.clientWidth}) scrolls in its box`);
      }
    }
    const sideways = document.documentElement.scrollWidth - document.documentElement.clientWidth;
    const tiny = [];
    for (const text of document.querySelectorAll("main svg text")) {
      if (!text.textContent.trim() || text.closest("[hidden]")) continue;
      const r = text.getBoundingClientRect();
      if (r.width === 0) continue;
      // The rendered size: the font size times the scale from the SVG's units to the screen.
      const m = text.getScreenCTM();
      const px = parseFloat(getComputedStyle(text).fontSize) * Math.hypot(m.a, m.b);
      if (px < 10) tiny.push(`“${text.textContent.trim().slice(0, 20)}” ${px.toFixed(1)} px`);
    }
    return { sideways, tiny, cut };
  }, SCROLLING_TABLES);
}

/**
 * Boxes that scroll in their own frame but take no keyboard focus, so that they cannot
 * be scrolled without a pointer (axe's scrollable-region-focusable): checked once the page has
 * been still for longer than the app waits before giving such a box its Tab stop
 * (scroll_boxes.rs).
 */
async function scrollGaps(page) {
  await page.waitForTimeout(400);
  return page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: "rule", values: ["scrollable-region-focusable"] },
      resultTypes: ["violations"],
    });
    return r.violations.flatMap((v) => v.nodes.map((n) => n.target.join(" ")));
  });
}

test(`on a 360-px phone, ${CHECKED.length} chapters: no sideways scrolling, tables and formulas that fit their box, a keyboard stop on every box that scrolls, no SVG text under 10 px, 44-px touch targets, a visible focus on every Tab stop, charts that state their numbers, generated text announced`, async (t) => {
  const { page, context, problems } = await openReady({ width: 360, height: 740 });
  await page.addScriptTag({ content: AXE });
  const small = [];
  const keyboard = [];
  const heard = [];
  const fits = [];
  let stops = 0;
  for (const [slug] of CHECKED) {
    await visit(page, slug);
    for (const s of await smallTargets(page)) small.push(`${slug}: ${s}`);
    heard.push(...(await screenReaderGaps(page)).map((c) => `${slug}: ${c}`));
    const fit = await phoneFit(page);
    if (fit.sideways > 0) fits.push(`${slug}: the page scrolls sideways by ${fit.sideways} px`);
    if (fit.tiny.length) fits.push(`${slug}: ${fit.tiny.length} SVG texts under 10 px, e.g. ${fit.tiny.slice(0, 3).join(", ")}`);
    for (const c of fit.cut) fits.push(`${slug}: ${c}`);
    await settled(page);
    const k = await keyboardGaps(page, slug);
    keyboard.push(...k.gaps);
    stops += k.stops;
    for (const box of await scrollGaps(page)) keyboard.push(`${slug}: ${box} scrolls in its own box but takes no focus`);
  }
  t.diagnostic(`${CHECKED.length} chapters: ${stops} Tab stops walked; ${small.length} small targets, ${keyboard.length} keyboard gaps, ${heard.length} screen-reader gaps, ${fits.length} chapters that do not fit`);
  // One list, so that a failing run names every kind of gap at once.
  const gaps = [
    ...fits.map((f) => `phone fit: ${f}`),
    ...small.map((f) => `touch target under ${MIN_TARGET} px: ${f}`),
    ...keyboard.map((f) => `keyboard: ${f}`),
    ...heard.map((f) => `screen reader: ${f}`),
  ];
  assert.deepEqual(gaps, [], gaps.join("\n"));
  assert.deepEqual(problems, []);
  await context.close();
});
