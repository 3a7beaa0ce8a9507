// How long the tokens chapter takes from the reader's action to the chips on screen, and the
// main thread's long tasks meanwhile, in Chromium on this machine (no throttling): opening the
// chapter (GPT-4's vocabulary from the network, then from the cache on a reload), typing a text,
// and ticking GPT-4o's encoding (its 3.6 MB vocabulary loaded on the click). A report, not a
// test: run it on two builds to compare them.
//
//   TUMBLER_E2E_BACKEND=cpu node tests/e2e/tokens-timing.mjs       (after `cargo xtask build`)
//   TUMBLER_DIST=/some/other/dist TUMBLER_E2E_BACKEND=cpu node tests/e2e/tokens-timing.mjs

import { serve, launch, openPage } from "./harness.mjs";

const TEXTS = [
  "The quick brown fox jumps over the lazy dog.",
  "Tokenization turns text into numbers, 12345 of them! 🎉",
  "def main():\n    print('hello, world')\n",
  "Ünïcödé wörds and émoji are several tokens each.",
  "ubiquitous strawberry antidisestablishmentarianism",
];

const server = await serve(0);
const browser = await launch();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function watchLongTasks() {
  window.__long = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__long.push(Math.round(e.duration));
  }).observe({ type: "longtask", buffered: true });
}

/** Milliseconds from navigation start until `column`'s chips are drawn and not busy. */
function chipsAt(page, encoding) {
  return page.evaluate(async (enc) => {
    const col = () => document.querySelector(`.tok-column:has([data-tokenizer="${enc}"])`);
    while (!(col()?.querySelector('[data-stat="tokens"]') && col().getAttribute("aria-busy") !== "true")) {
      await new Promise((r) => requestAnimationFrame(r));
    }
    return performance.now();
  }, encoding);
}

const rows = [];
try {
  const { page, context } = await openPage(browser, server.origin);
  await page.addInitScript(watchLongTasks);
  await page.goto(`${server.origin}/?backend=cpu#/tokens?text=Hi`);
  rows.push(["open, vocabulary from the network: chips at (ms after navigation)", Math.round(await chipsAt(page, "cl100k_base"))]);
  await page.goto(`${server.origin}/?backend=cpu&n=2#/tokens?text=Hi`);
  rows.push(["reload, vocabulary from the cache: chips at (ms after navigation)", Math.round(await chipsAt(page, "cl100k_base"))]);
  // Let the engine's start-up finish so that it does not compete with what is measured.
  await page.waitForFunction(
    () => document.querySelector("[data-engine-state]")?.dataset.engineState !== "loading",
    null,
    { timeout: 180_000 },
  );
  const long = await page.evaluate(() => window.__long.slice());
  rows.push(["reload: main-thread long tasks (ms)", long.join(" ") || "none"]);
  await page.evaluate(() => (window.__long.length = 0));
  const typed = [];
  for (const text of TEXTS) {
    typed.push(
      await page.evaluate(async (text) => {
        const box = document.querySelector("#tok-text");
        const col = document.querySelector('.tok-column:has([data-tokenizer="cl100k_base"])');
        const before = col.querySelector(".token-chips")?.innerHTML;
        const t0 = performance.now();
        box.value = text;
        box.dispatchEvent(new Event("input", { bubbles: true }));
        while (col.querySelector(".token-chips")?.innerHTML === before || col.getAttribute("aria-busy") === "true") {
          await new Promise((r) => requestAnimationFrame(r));
        }
        return performance.now() - t0;
      }, text),
    );
  }
  rows.push([`typing: input to chips on screen, median of ${TEXTS.length} (ms)`, Math.round(median(typed))]);
  rows.push(["typing: each (ms)", typed.map((t) => Math.round(t)).join(" ")]);
  const click = await page.evaluate(async () => {
    const t0 = performance.now();
    document.querySelector('input[data-encoding="o200k_base"]').click();
    const col = () => document.querySelector('.tok-column:has([data-tokenizer="o200k_base"])');
    while (!(col()?.querySelector('[data-stat="tokens"]') && col().getAttribute("aria-busy") !== "true")) {
      await new Promise((r) => requestAnimationFrame(r));
    }
    return performance.now() - t0;
  });
  rows.push(["click GPT-4o (vocabulary from the network): click to chips (ms)", Math.round(click)]);
  rows.push(["typing and click: main-thread long tasks (ms)", (await page.evaluate(() => window.__long.slice())).join(" ") || "none"]);
  await context.close();
} finally {
  await browser.close();
  await server.close();
}
for (const [what, value] of rows) console.log(`tokens timing: ${what}: ${value}`);
