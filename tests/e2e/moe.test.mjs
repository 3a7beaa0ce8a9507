// moe: a real router, live. The chapter downloads the 8-expert Tumbler (public/model/moe.json and
// moe.safetensors) when it opens, and routes the reader's text through it in the engine worker
// (`Query::Route`, `tumbler_model::moe`), on the CPU in both worker builds. Compared with `tumbler
// moe --route TEXT --json` on the same files.
//
// Tolerance, and why. Both run burn's flex backend, the page in wasm without threads or SIMD
// element-wise kernels, the CLI natively with both, so sums come out in another order and the
// router probabilities differ in the last bits of an f32: 1e-4 absolute is asked (the page prints
// them with 6 decimals). The chosen experts must be the same, unless the two top probabilities
// at the k-th place are closer than that tolerance (then the order is noise; the test says so).
// The routing time in the page is printed, not asserted.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { BACKEND, DIST, useBrowser, artifacts, openLive, assertNoLongTask, TUMBLER_BIN, nativeCheck } from "./harness.mjs";

const MODEL = join(DIST, "public/model");
const FILES = [join(MODEL, "moe.json"), join(MODEL, "moe.safetensors"), join(MODEL, "tokenizer.json")];
const MISSING = FILES.filter((f) => !existsSync(f));
const TEXT = "Once upon a time, a cat named Tom found 12 apples in the garden.";
const TOL = 1e-4;
const ROUTE_MS = 240_000;

const env = useBrowser();

/** `tumbler moe --route` on the dist's files. */
function native(text) {
  const args = ["moe", "--route", text, "--json", "--out", MODEL, "--tokenizer", join(MODEL, "tokenizer.json")];
  return JSON.parse(execFileSync(TUMBLER_BIN, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
}

/** Waits until the panel shows the routing of `text` (its tokens read back as `text`). */
async function routed(page, text) {
  await page.waitForFunction(
    (want) => {
      const el = document.querySelector("[data-live='moe-route']");
      return el && el.dataset.read === want && !document.querySelector(".live-moe [role='status']");
    },
    text,
    { timeout: ROUTE_MS },
  );
}

/** The panel's numbers: per layer, per token, the chosen experts and the probabilities. */
async function shown(page, panel) {
  const d = await panel.evaluate((el) => ({ ...el.dataset }));
  const layers = [];
  for (let l = 0; l < Number(d.layers); l++) {
    await panel.locator(".preset-row button").nth(l).click();
    await page.waitForFunction((x) => document.querySelector("[data-live='moe-route']")?.dataset.layer === String(x), l);
    const tokens = await panel.locator("button.moe-tok").evaluateAll((els) =>
      els.map((e) => ({ experts: e.dataset.expert.split(",").map(Number), probs: e.dataset.probs.split(",").map(Number) })),
    );
    const load = (await panel.locator(".moe-load-row").nth(l).getAttribute("data-load")).split(",").map(Number);
    layers.push({ tokens, load });
  }
  return {
    tokens: Number(d.tokens),
    experts: Number(d.experts),
    topK: Number(d.topK),
    active: Number(d.activeParams),
    total: Number(d.totalParams),
    millis: Number(d.millis),
    layers,
  };
}

/** The alert the panel shows now. */
const alertText = (panel) => panel.locator("[role='alert']").allInnerTexts().then((x) => x.join(" "));

test("moe: the router's choices on the reader's text, as `tumbler moe --route`'s; bad input gets a message", { skip: MISSING.length ? `missing ${MISSING.join(", ")}` : false }, async (t) => {
  const { page, context, problems, longTasks } = await openLive(env, "moe");
  const began = Date.now();
  const panel = page.locator(".live-moe");
  const box = panel.locator("textarea");
  await page.locator("[data-live='moe-route']").waitFor({ timeout: ROUTE_MS });
  t.diagnostic(`${BACKEND} worker: download and first routing ${((Date.now() - began) / 1000).toFixed(1)} s`);

  await box.fill(TEXT);
  await routed(page, TEXT);
  const route = page.locator("[data-live='moe-route']");
  const s = await shown(page, route);
  t.diagnostic(`${BACKEND} worker: routed ${s.tokens} tokens through ${s.layers.length} layers in ${s.millis.toFixed(1)} ms (worker time)`);

  // The page's own checks: k experts per token, probabilities that sum to 1, loads that add up.
  assert.equal(s.experts, 8);
  assert.equal(s.topK, 2);
  assert.ok(s.active < s.total, `active ${s.active} < total ${s.total}`);
  let slots = 0;
  for (const [l, layer] of s.layers.entries()) {
    assert.equal(layer.tokens.length, s.tokens);
    const counted = Array(s.experts).fill(0);
    for (const tok of layer.tokens) {
      assert.equal(new Set(tok.experts).size, s.topK);
      const sum = tok.probs.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `layer ${l}: probabilities sum to ${sum}`);
      const sorted = [...tok.probs].sort((a, b) => b - a);
      assert.ok(tok.probs[tok.experts[0]] === sorted[0] && tok.probs[tok.experts[1]] === sorted[1], `layer ${l}: the chosen are the top 2`);
      for (const e of tok.experts) counted[e] += 1;
    }
    assert.deepEqual(layer.load, counted, `layer ${l}: load is the count of choices`);
    slots += layer.load.reduce((a, b) => a + b, 0);
  }
  assert.equal(slots, s.tokens * s.topK * s.layers.length, "loads sum to tokens × k × layers");

  await nativeCheck(t, "the same routing by `tumbler moe --route`", (st) => {
    const cli = native(TEXT);
    assert.equal(s.tokens, cli.ids.length);
    assert.equal(s.total, cli.params.total);
    assert.equal(s.active, cli.params.active);
    let worst = 0;
    const ties = [];
    cli.layers.forEach((layer, l) => {
      assert.deepEqual(s.layers[l].load, layer.load, `layer ${l} load`);
      layer.tokens.forEach((want, i) => {
        const got = s.layers[l].tokens[i];
        want.probs.forEach((p, e) => (worst = Math.max(worst, Math.abs(p - got.probs[e]))));
        const sorted = [...want.probs].sort((a, b) => b - a);
        if (sorted[1] - sorted[2] < TOL) ties.push(`layer ${l} token ${i}`);
        else assert.deepEqual(got.experts, want.experts, `layer ${l}, token ${i}: chosen experts`);
      });
    });
    st.diagnostic(`largest |Δp| from the native run: ${worst.toExponential(2)}; near-ties at the k-th place: ${ties.length ? ties.join(", ") : "none"}`);
    assert.ok(worst <= TOL, `router probabilities within ${TOL}: ${worst}`);
  });

  // Selecting a token shows its probabilities over all 8 experts, by keyboard too.
  await route.locator("button.moe-tok").nth(3).focus();
  await page.keyboard.press("Enter");
  assert.equal(await route.locator("button.moe-tok").nth(3).getAttribute("aria-pressed"), "true");
  assert.equal(await route.locator(".moe-probs li").count(), 8);
  assert.equal(await route.locator(".moe-probs li.on").count(), 2);

  // The run that made the model, from moe.json, beside the panel.
  const record = page.locator("[data-moe-record]");
  assert.ok(Number(await record.getAttribute("data-steps")) > 0);
  assert.ok(Number(await record.getAttribute("data-moe-val-loss")) > 0 && Number(await record.getAttribute("data-dense-val-loss")) > 0);
  t.diagnostic(`record: ${(await record.locator("p").first().innerText()).trim()}`);

  const out = await artifacts();
  for (const [width, height] of [[1280, 900], [390, 844]]) {
    await page.setViewportSize({ width, height });
    for (const theme of ["light", "dark"]) {
      await page.evaluate((x) => (document.documentElement.dataset.theme = x), theme);
      await panel.screenshot({ path: join(out, `moe-${width}-${theme}.png`) });
      await record.screenshot({ path: join(out, `moe-record-${width}-${theme}.png`) });
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });

  // Bad input: a clear message, and the page keeps working.
  await box.fill("   ");
  await page.waitForFunction(() => /no text yet/.test(document.querySelector(".live-moe [role='alert']")?.textContent ?? ""));
  await box.fill("x".repeat(50_000));
  await page.waitForFunction(() => /at most 256 tokens/.test(document.querySelector(".live-moe [role='alert']")?.textContent ?? ""), null, { timeout: ROUTE_MS });
  t.diagnostic(`50,000 characters: ${await alertText(panel)}`);
  // Just under the page's cut, but over the router's 256 tokens: the worker says so.
  await box.fill("word ".repeat(1500));
  await page.waitForFunction(() => /shorten it/.test(document.querySelector(".live-moe [role='alert']")?.textContent ?? ""), null, { timeout: ROUTE_MS });
  t.diagnostic(`1,500 words: ${await alertText(panel)}`);
  const odd = "\u202eZ\u0301\u0000 🦀👩‍👩‍👧 ｆｕｌｌ\uFEFF";
  await box.fill(odd);
  await page.waitForFunction(
    () => document.querySelector("[data-live='moe-route']") || document.querySelector(".live-moe [role='alert']"),
    null,
    { timeout: ROUTE_MS },
  );
  await page.waitForFunction(() => !document.querySelector(".live-moe [role='status']"), null, { timeout: ROUTE_MS });
  t.diagnostic(`odd Unicode: ${(await route.count()) ? `${await route.getAttribute("data-tokens")} tokens routed` : await alertText(panel)}`);
  await box.fill(TEXT);
  await routed(page, TEXT);
  assert.equal(Number(await route.getAttribute("data-tokens")), s.tokens, "routes again after bad input");

  assertNoLongTask(await longTasks(), "while routing");
  assert.deepEqual(problems, []);
  await context.close();
});
