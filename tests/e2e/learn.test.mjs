// Training and neural-net on real numbers: a tiny Tumbler trained from scratch in the engine
// worker while the page draws its loss, and the real Tumbler drawn as a network (real token ids
// in, real probabilities out) beside one of its real weight matrices.
//
// Steps per second and tokens per second are reported as diagnostics, not asserted.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DIST, useBrowser, openPage, chapterUrl, artifacts, openLive, assertNoLongTask, READY_MS } from "./harness.mjs";

const MODEL = join(DIST, "public/model/base");
const HAS_MODEL = ["config.json", "model.safetensors"].every((f) => existsSync(join(MODEL, f)));
const NO_MODEL = `no model in ${MODEL}: train one first`;

const env = useBrowser();

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

test("training: a tiny model trained in the page, its loss falls, Stop stops it", { skip: !HAS_MODEL && NO_MODEL }, async (t) => {
  const { page, context, problems, longTasks } = await openLive(env, "training");
  const panel = page.locator(".live-learn");
  const start = panel.locator("button.learn-start");
  // The run starts by itself once the engine is ready and the text is in: no click.
  const started = Date.now();
  await page.waitForFunction(() => document.querySelector(".live-learn")?.dataset.learnState !== "idle", null, { timeout: 60_000 });

  // Its untrained guess comes first, then the steps.
  await panel.locator("[data-sample-step='0']").waitFor({ timeout: 60_000 });
  const untrained = await panel.locator("[data-sample-step='0']").innerText();
  const STEPS = 40;
  await page.waitForFunction((n) => Number(document.querySelector(".learn-stats")?.dataset.step) >= n, STEPS, { timeout: 300_000 });
  const seconds = (Date.now() - started) / 1000;
  const stats = panel.locator(".learn-stats");
  const losses = (await stats.getAttribute("data-losses")).split(" ").map(Number);
  assert.ok(losses.length >= STEPS, `one loss per step: ${losses.length}`);
  // Random weights: about ln V nats (V = 4096 → 8.32).
  const v = JSON.parse(readFileSync(join(MODEL, "config.json"), "utf8")).vocab_size;
  assert.ok(Math.abs(losses[0] - Math.log(v)) < 0.5, `first loss ${losses[0]} vs ln V ${Math.log(v)}`);
  const early = mean(losses.slice(0, 5));
  const late = mean(losses.slice(STEPS - 5, STEPS));
  assert.ok(late < early - 1.0, `the loss falls: first five ${early.toFixed(3)}, steps ${STEPS - 4}–${STEPS} ${late.toFixed(3)}`);
  const tokensPerSecond = Number(await stats.getAttribute("data-tokens-per-second"));
  assert.ok(tokensPerSecond > 0);
  t.diagnostic(`losses: ${losses.slice(0, 3).join(", ")} … ${losses.slice(STEPS - 3, STEPS).join(", ")}`);
  t.diagnostic(`${tokensPerSecond} tokens/s; ${(STEPS / seconds).toFixed(2)} steps/s over the first ${STEPS} steps (start-up included)`);

  // Its predictions changed: from a near-uniform guess to a confident one.
  const sample = panel.locator(`[data-sample-step='${STEPS}']`);
  await sample.waitFor();
  const trained = await sample.innerText();
  t.diagnostic(`untrained: ${untrained} | trained: ${trained}`);
  const before = Number(await panel.locator("[data-sample-step='0']").getAttribute("data-top-p"));
  const after = Number(await sample.getAttribute("data-top-p"));
  t.diagnostic(`top next-token probability ${before} untrained, ${after} at step ${STEPS}`);
  assert.ok(before < 0.01, `untrained, no token stands out: ${before}`);
  assert.ok(after > 10 * before, `trained, it bets: ${before} → ${after}`);
  const bars = await panel.locator(".token-bars li[data-token-id]").count();
  assert.equal(bars, 5);

  // Stop stops it between two steps.
  await panel.locator("button.learn-stop").click();
  await page.waitForFunction(() => document.querySelector(".live-learn")?.dataset.learnState === "stopped", null, { timeout: 30_000 });
  const stoppedAt = Number(await stats.getAttribute("data-step"));
  await page.waitForTimeout(1500);
  assert.equal(Number(await stats.getAttribute("data-step")), stoppedAt, "no step after Stop");
  assert.ok(stoppedAt < 300, `stopped early, at ${stoppedAt}`);
  assert.equal(await start.isDisabled(), false, "it can start again");

  await page.screenshot({ path: join(await artifacts(), "live-training.png"), fullPage: true });
  assertNoLongTask(await longTasks(), "while training");
  assert.deepEqual(problems, []);
  await context.close();
});

test("neural-net: real token ids in, probabilities summing to 1 out, and a real weight matrix", { skip: !HAS_MODEL && NO_MODEL }, async () => {
  const { page, context, problems, longTasks } = await openLive(env, "neural-net");
  const config = JSON.parse(readFileSync(join(MODEL, "config.json"), "utf8"));
  const c = config.d_model;
  const perLayer = 4 * c * c + 3 * c * config.d_ff + 2 * c;
  const params = config.vocab_size * c + config.n_layers * perLayer + c;

  // The network: the ids of "The cat sat on the", the probabilities of what comes next.
  await page.locator(".live-network .nn-output").first().waitFor({ timeout: READY_MS });
  const ids = await page.$$eval(".nn-input", (gs) => gs.map((g) => Number(g.dataset.tokenId)));
  assert.equal(ids.length, 5);
  for (const id of ids) assert.ok(Number.isInteger(id) && id >= 0 && id < config.vocab_size, `id ${id}`);
  const ps = await page.$$eval(".nn-output", (gs) => gs.map((g) => Number(g.dataset.p)));
  assert.equal(ps.length, 5, "four tokens by name and the rest");
  assert.ok(Math.abs(ps.reduce((a, b) => a + b, 0) - 1) < 1e-3, `they sum to 1: ${ps}`);
  assert.ok(ps.slice(0, 4).every((p, i) => i === 0 || p <= ps[i - 1]), `sorted: ${ps}`);
  const total = Number(await page.getAttribute(".nn-diagram", "data-total"));
  assert.ok(Math.abs(total - 1) < 1e-3, `all ${config.vocab_size} sum to 1: ${total}`);
  const blocks = await page.locator(".nn-block").count();
  assert.equal(blocks, config.n_layers);

  // The weight matrix: W_gate of block 1, then W_down of the last block.
  const matrix = page.locator(".live-weights .weight-matrix");
  await matrix.waitFor({ timeout: READY_MS });
  const shape = async () => [
    await matrix.getAttribute("data-name"),
    Number(await matrix.getAttribute("data-rows")),
    Number(await matrix.getAttribute("data-cols")),
    Number(await matrix.getAttribute("data-params")),
    Number(await matrix.getAttribute("data-model-params")),
  ];
  assert.deepEqual(await shape(), ["blocks.0.mlp.w_gate", c, config.d_ff, c * config.d_ff, params]);
  const canvas = page.locator(".weight-matrix canvas.matrix-map");
  assert.equal(Number(await canvas.getAttribute("width")), config.d_ff);
  assert.equal(Number(await canvas.getAttribute("height")), c);
  // The canvas holds both colours: real weights have both signs.
  const colours = await canvas.evaluate((el) => {
    const d = el.getContext("2d").getImageData(0, 0, el.width, el.height).data;
    let purple = 0, teal = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] === 0) continue;
      if (d[i + 2] === 255) purple++;
      else if (d[i + 1] === 168) teal++;
    }
    return { purple, teal };
  });
  assert.ok(colours.purple > 1000 && colours.teal > 1000, JSON.stringify(colours));

  await page.selectOption(".weights-matrix", "6");
  await page.selectOption(".weights-layer", String(config.n_layers - 1));
  await page.waitForSelector(`.weight-matrix[data-name='blocks.${config.n_layers - 1}.mlp.w_down']`);
  assert.deepEqual(await shape(), [`blocks.${config.n_layers - 1}.mlp.w_down`, config.d_ff, c, c * config.d_ff, params]);
  await page.selectOption(".weights-matrix", "0");
  await page.waitForSelector(`.weight-matrix[data-name='blocks.${config.n_layers - 1}.attn.wq']`);
  assert.deepEqual((await shape()).slice(1, 4), [c, c, c * c]);

  await page.screenshot({ path: join(await artifacts(), "live-neural-net.png"), fullPage: true });
  assertNoLongTask(await longTasks(), "on the neural-net chapter");
  assert.deepEqual(problems, []);
  await context.close();
});

// The Tumbler's own pre-training record: its loss history (public/model/base/history.json) drawn
// with the site's chart, its numbers in the chart's table, and the precision the file states in
// the caption.
test("training: the Tumbler's own loss history is drawn from history.json, with its stated precision", async () => {
  const history = JSON.parse(readFileSync(join(DIST, "public/model/base/history.json"), "utf8"));
  const { page, context, problems } = await openPage(env.browser, env.server.origin);
  await page.goto(chapterUrl(env.server.origin, "training"));
  const record = page.locator("[data-loss-history]");
  await record.waitFor({ timeout: 30_000 });
  assert.equal(Number(await record.getAttribute("data-points")), history.points.length);
  const precision = Number(await record.getAttribute("data-precision"));
  assert.ok(Math.abs(precision - history.precision_nats) < 1e-12, `precision ${precision} vs ${history.precision_nats}`);
  // The chart is drawn (an SVG with both lines), and where the run ended is named on it.
  const last = history.points.at(-1);
  const svg = await record.locator(".chart-svg").innerHTML();
  assert.ok(svg.startsWith("<svg"), "an SVG chart");
  assert.ok(svg.includes(`${last.val_loss.toFixed(2)} nats`), `the last validation loss ${last.val_loss} named on the chart`);
  // Its numbers for screen readers: the first training point, in millions of tokens.
  const table = await record.locator(".sr-only table").innerText();
  assert.match(table, /training loss/);
  assert.match(table, /validation loss/);
  const caption = await record.locator("figcaption").innerText();
  assert.ok(caption.includes(`${history.points.length} points`), caption);
  if (history.precision_nats > 0) assert.ok(caption.includes(history.precision_nats.toFixed(3)), caption);
  assert.deepEqual(problems, []);
  await context.close();
});
