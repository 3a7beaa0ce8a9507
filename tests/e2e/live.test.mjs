// The live chapters beyond attention and inference: each asks the engine worker for real numbers
// from the Tumbler (or, for word arithmetic, computes on real GloVe vectors in the page), and the
// page keeps every main-thread task under 200 ms while they work.
//
// Measured numbers (ms per token with and without the KV cache, forward time against length,
// the word-vector query time) are reported as diagnostics, not asserted. The gates are compared
// with `tumbler gates` on the same weights files, in a subtest named "native: …" that is skipped
// by name when there is no native binary (see harness.mjs).

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { BACKEND, DIST, SLOW_ON_SWIFTSHADER, useBrowser, openPage, chapterUrl, artifacts, openLive, assertNoLongTask, READY_MS, TUMBLER_BIN, nativeCheck } from "./harness.mjs";

const MODEL_DIR = join(DIST, "public/model/base");
const HAS_MODEL = ["config.json", "model.safetensors"].every((f) => existsSync(join(MODEL_DIR, f)));
const NO_MODEL = `no model in ${DIST}/public/model/base: train one first`;
// WebGPU on SwiftShader compiles every shader on the CPU: the first pass takes seconds.

const env = useBrowser();

test("embeddings: the Tumbler's rows and neighbours, its PCA map, and king − man + woman on GloVe", { skip: !HAS_MODEL && NO_MODEL }, async (t) => {
  const { page, context, problems, longTasks } = await openLive(env, "embeddings");
  const row = page.locator(".live-embeddings .embedding-row");
  await row.waitFor({ timeout: READY_MS });
  assert.equal(await row.getAttribute("data-dims"), "128");
  const points = Number(await page.getAttribute(".embedding-map", "data-points"));
  assert.ok(points > 1000, `the map shows the whole vocabulary: ${points} points`);
  const labelled = await page.locator(".embedding-map .token").count();
  assert.ok(labelled >= 4, `the reader's tokens are labelled: ${labelled}`);
  const cosines = await page.$$eval(".embedding-neighbours tr[data-cosine]", (rows) => rows.map((r) => Number(r.dataset.cosine)));
  assert.equal(cosines.length, 6);
  for (let i = 0; i < cosines.length; i++) {
    assert.ok(cosines[i] <= 1.0001 && cosines[i] >= -1.0001, `cosine in [-1, 1]: ${cosines[i]}`);
    if (i > 0) assert.ok(cosines[i] <= cosines[i - 1], `neighbours sorted: ${cosines}`);
  }
  assert.match(await page.locator(".embedding-explained").innerText(), /\d+\.\d% of their variance/);

  // Another token: its own row and neighbours.
  const firstId = await row.getAttribute("data-token-id");
  await page.locator(".live-embeddings .gen-line button.chip").nth(1).click();
  await page.waitForFunction((id) => document.querySelector(".embedding-row")?.dataset.tokenId !== id, firstId);

  // GloVe: king − man + woman → queen, with its cosine.
  const top = page.locator(".analogy-result tr[data-word]").first();
  await top.waitFor({ timeout: 60_000 });
  assert.equal(await top.getAttribute("data-word"), "queen");
  const cosine = Number(await top.getAttribute("data-cosine"));
  assert.ok(Math.abs(cosine - 0.852) < 0.003, `queen's cosine ${cosine}`);
  assert.match(await top.innerText(), /0\.85\d/);
  const words = await page.$$eval(".analogy-result tr[data-word]", (rows) => rows.map((r) => r.dataset.word));
  assert.ok(!words.some((w) => ["king", "man", "woman"].includes(w)), `inputs left out: ${words}`);
  t.diagnostic(`GloVe query: ${await page.getAttribute(".analogy-timing", "data-query-ms")} ms; ${await page.locator(".analogy-timing").innerText()}`);

  // The reader's own: an unknown word is named, and the page recovers.
  await page.fill('input[aria-label="Word to take away (b)"]', "zzqxj");
  await page.waitForSelector(".analogy-error");
  assert.match(await page.locator(".analogy-error").innerText(), /not in the 20000-word vocabulary: zzqxj/);
  await page.fill('input[aria-label="First word (a)"]', "paris");
  await page.fill('input[aria-label="Word to take away (b)"]', "france");
  await page.fill('input[aria-label="Word to add (c)"]', "italy");
  await page.waitForSelector('.analogy-result tr[data-word="rome"]:first-child');

  // Markup in the reader's text stays text.
  await page.fill(".live-embeddings textarea", "<b>bold</b> king");
  await page.waitForFunction(() => [...document.querySelectorAll(".embedding-map .token text")].some((e) => e.textContent.includes("<")));
  assert.equal(await page.locator(".live-embeddings b").count(), 0);

  await page.screenshot({ path: join(await artifacts(), "live-embeddings.png"), fullPage: true });
  assertNoLongTask(await longTasks(), "on the embeddings chapter");
  assert.deepEqual(problems, []);
  await context.close();
});

test("kv-cache: the same greedy tokens with and without the cache, timed, and the cache's bytes", { skip: (!HAS_MODEL && NO_MODEL) || SLOW_ON_SWIFTSHADER }, async (t) => {
  const { page, context, problems, longTasks } = await openLive(env, "kv-cache");
  // The comparison runs by itself on the default prompt once the engine is ready.
  await page.waitForFunction(() => document.querySelector(".kv-outcome")?.textContent.trim().length > 0, null, { timeout: READY_MS });
  assert.match(await page.locator(".kv-outcome").innerText(), /length limit|end-of-text|context/);
  const ids = (cached) =>
    page.$$eval(`.kv-run[data-cached="${cached}"] [data-step]`, (chips) => chips.map((c) => +c.dataset.tokenId));
  const withCache = await ids(true);
  const without = await ids(false);
  assert.ok(withCache.length > 1, `tokens generated: ${withCache.length}`);
  assert.deepEqual(withCache, without, "the cache does not change greedy decoding");
  assert.equal(await page.getAttribute(".kv-same", "data-same"), "true");
  const bytes = page.locator(".kv-bytes");
  assert.equal(await bytes.getAttribute("data-cache-bytes"), await bytes.getAttribute("data-formula-bytes"));
  const rate = page.locator(".kv-rate");
  const cachedMs = Number(await rate.getAttribute("data-cached-ms"));
  const uncachedMs = Number(await rate.getAttribute("data-uncached-ms"));
  assert.ok(cachedMs > 0 && uncachedMs > 0);
  t.diagnostic(`${BACKEND}: median ms per token ${cachedMs.toFixed(2)} with the cache, ${uncachedMs.toFixed(2)} without (${withCache.length} tokens); ${await bytes.innerText()}`);
  await page.screenshot({ path: join(await artifacts(), "live-kv-cache.png"), fullPage: true });
  assertNoLongTask(await longTasks(), "while generating both ways");
  assert.deepEqual(problems, []);
  await context.close();
});

test("context-window: forward time against length, measured in the page", { skip: (!HAS_MODEL && NO_MODEL) || SLOW_ON_SWIFTSHADER }, async (t) => {
  const { page, context, problems, longTasks } = await openLive(env, "context-window");
  // The measurement runs by itself once the engine is ready.
  await page.waitForFunction(() => /^Measured/.test(document.querySelector(".timing-outcome")?.textContent ?? ""), null, { timeout: READY_MS });
  const rows = await page.$$eval(".timing-table tr[data-length]", (rs) => rs.map((r) => [+r.dataset.length, +r.dataset.medianMs]));
  assert.deepEqual(rows.map(([n]) => n), [8, 16, 32, 64, 128, 256]);
  for (const [n, ms] of rows) assert.ok(Number.isFinite(ms) && ms > 0, `length ${n}: ${ms} ms`);
  t.diagnostic(`${BACKEND}: median forward ms by length: ${rows.map(([n, ms]) => `${n}: ${ms.toFixed(2)}`).join(", ")}`);
  await page.screenshot({ path: join(await artifacts(), "live-context-window.png"), fullPage: true });
  assertNoLongTask(await longTasks(), "while measuring");
  assert.deepEqual(problems, []);
  await context.close();
});

test("positions: without RoPE the first layer is blind to a shuffle; with RoPE it is not", { skip: !HAS_MODEL && NO_MODEL }, async (t) => {
  const { page, context, problems, longTasks } = await openLive(env, "positions");
  const off = page.locator('.permutation-run[data-positions="false"]');
  await off.waitFor({ timeout: READY_MS });
  const read = async (run) => ({
    attention: Number(await run.getAttribute("data-attention-diff")),
    probs: Number(await run.getAttribute("data-prob-diff")),
    last: Number(await run.getAttribute("data-last-layer-diff")),
  });
  const a = await read(off);
  const b = await read(page.locator('.permutation-run[data-positions="true"]'));
  assert.ok(a.attention < 1e-5, `RoPE off: layer-0 attention moves with its tokens (max diff ${a.attention})`);
  assert.ok(b.attention > 1e-3, `RoPE on: layer-0 attention changes (max diff ${b.attention})`);
  assert.ok(b.probs > 1e-4, `RoPE on: the next-token distribution changes (max diff ${b.probs})`);
  t.diagnostic(`RoPE off: ${JSON.stringify(a)}; RoPE on: ${JSON.stringify(b)}`);
  const order = await page.getAttribute(".permutation-order", "data-order");
  await page.click(".live-permutation button.reshuffle");
  await page.waitForFunction((o) => document.querySelector(".permutation-order")?.dataset.order !== o, order);
  // Too short to shuffle: a clear message, and the page recovers.
  await page.fill(".live-permutation textarea", "hi");
  await page.waitForSelector('.live-permutation [role="alert"]');
  assert.match(await page.locator('.live-permutation [role="alert"]').innerText(), /at least three/);
  await page.fill(".live-permutation textarea", "one two three four five");
  await off.waitFor();
  assertNoLongTask(await longTasks(), "while shuffling");
  // After the long-task count: a full-page capture lays the whole chapter out again at its full
  // height, work the test does and a reader's page never does.
  await page.screenshot({ path: join(await artifacts(), "live-positions.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await context.close();
});

/** The gates on show: the text, the token's position, and per layer its counts and its cells' values. */
async function readGates(page) {
  const text = await page.inputValue(".live-gates textarea");
  const position = +(await page.getAttribute(".gates-token", "data-position"));
  const layers = await page.$$eval(".gate-layer", (ls) =>
    ls.map((l) => ({
      layer: +l.dataset.layer,
      units: +l.dataset.units,
      open: +l.dataset.open,
      // Each cell's title is "unit i: v" with v to 3 decimals.
      values: [...l.querySelectorAll(".gate-strip span[title]")].map((c) => {
        const [, unit, v] = c.title.match(/^unit (\d+): (-?\d+\.\d+)$/);
        return [+unit, Number(v)];
      }),
    })),
  );
  return { text, position, layers };
}

/** The page's gates checked on their own: 384 units per layer, SiLU's range, the open count. */
function assertGatesConsistent({ layers }) {
  assert.equal(layers.length, 4);
  for (const { layer, units, open, values } of layers) {
    assert.equal(units, 384);
    assert.deepEqual(values.map(([u]) => u), [...Array(units).keys()], `layer ${layer}: one cell per unit, in order`);
    // SiLU's minimum is −0.2785; the cells are rounded to 3 decimals.
    assert.ok(values.every(([, v]) => v >= -0.279), `layer ${layer}: gates within SiLU's range`);
    // "open" counts gates ≥ 0.5 on the unrounded values: a cell showing 0.500 may be either.
    const surely = values.filter(([, v]) => v > 0.5).length;
    const maybe = values.filter(([, v]) => v >= 0.5).length;
    assert.ok(open >= surely && open <= maybe, `layer ${layer}: ${open} open vs cells ${surely}..${maybe}`);
  }
}

/**
 * The page's gates against `tumbler gates` on the same weights files: every cell within the
 * 3-decimal rounding of its title (5e-4) plus the backend's error (f32 sums in another order:
 * ~1e-6 on the CPU, SwiftShader's WebGPU looser).
 */
function assertGatesNative(shown) {
  const tolerance = 5e-4 + (BACKEND === "webgpu" ? 1e-3 : 1e-4);
  const native = JSON.parse(execFileSync(TUMBLER_BIN, ["gates", "--text", shown.text, "--position", String(shown.position), "--model", MODEL_DIR], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
  assert.equal(native.position, shown.position);
  assert.equal(native.gates.length, shown.layers.length, "layers");
  let worst = 0;
  for (const { layer, values } of shown.layers) {
    assert.equal(values.length, native.gates[layer].length, `layer ${layer}: units`);
    for (const [unit, v] of values) {
      const expected = native.gates[layer][unit];
      const diff = Math.abs(v - expected);
      worst = Math.max(worst, diff);
      assert.ok(diff <= tolerance, `layer ${layer} unit ${unit}: page ${v} vs native ${expected}`);
    }
  }
  return worst;
}

test("gates: the Tumbler's SwiGLU gate values for the picked token, every layer, as natively", { skip: !HAS_MODEL && NO_MODEL }, async (t) => {
  const { page, context, problems, longTasks } = await openLive(env, "gates");
  await page.locator(".gate-layer").first().waitFor({ timeout: READY_MS });
  const last = await readGates(page);
  assertGatesConsistent(last);
  assert.ok(last.position > 1, `the last token is on show first: ${last.position}`);
  await nativeCheck(t, `the gates of token ${last.position}`, (st) => st.diagnostic(`largest difference ${assertGatesNative(last)}`));

  await page.locator(".live-gates button.chip[data-position='1']").click();
  await page.waitForSelector(".gates-token[data-position='1']");
  const second = await readGates(page);
  assertGatesConsistent(second);
  assert.notDeepEqual(second.layers[0].values, last.layers[0].values, "another token, other gates");
  await nativeCheck(t, "the gates of token 1", (st) => st.diagnostic(`largest difference ${assertGatesNative(second)}`));
  await page.screenshot({ path: join(await artifacts(), "live-gates.png"), fullPage: true });
  assertNoLongTask(await longTasks(), "while tracing gates");
  assert.deepEqual(problems, []);
  await context.close();
});
