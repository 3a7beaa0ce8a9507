// compute-per-token, live (data-live="compute-per-token"): the Tumbler (the base model) scores
// the final answer of 17 × 24 − 156 ÷ 3 straight after the question and after the worked steps,
// and names its own most likely next token after each; the page counts the tokens each way
// writes and their FLOPs from the loaded model's shape (the FLOP count itself is unit-tested in
// `tumbler_model::worked`). The model's outputs are checked against `tumbler answer-loss` and
// `tumbler next` on the same texts (read off the panel's data-question / data-worked /
// data-answer), in subtests named "native: …", skipped by name without a native binary.
//
// Tolerance: the worker's wasm forward pass against the native one, both on flex: 1e-3 nats in
// each log-probability (the memory chapter's); token counts and top tokens exactly.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DIST, BACKEND, useBrowser, openLive, artifacts, assertNoLongTask, READY_MS, TUMBLER_BIN, nativeCheck } from "./harness.mjs";

const env = useBrowser();
const MODEL_DIR = join(DIST, "public/model/base");
const HAS_MODEL = ["config.json", "model.safetensors"].every((f) => existsSync(join(MODEL_DIR, f)));
const NO_MODEL = `no model in ${MODEL_DIR} (config.json + model.safetensors)`;
const TOLERANCE = 1e-3;

const cli = (args) => JSON.parse(execFileSync(TUMBLER_BIN, [...args, "--model", MODEL_DIR], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));

test("compute-per-token: the answer scored at once and after the steps, counted, as natively", { skip: !HAS_MODEL && NO_MODEL }, async (t) => {
  const { page, context, problems, longTasks } = await openLive(env, "compute-per-token");
  const panel = page.locator('[data-live="compute-per-token"]');
  const button = panel.locator("button.cpt-run");
  await button.waitFor({ timeout: READY_MS });
  const began = Date.now();
  await button.click();
  await page.waitForFunction(() => document.querySelector('[data-live="compute-per-token"]')?.dataset.state === "done", null, { timeout: READY_MS });
  const seconds = (Date.now() - began) / 1000;
  const d = await panel.evaluate((el) => ({ ...el.dataset }));
  assert.equal(await panel.locator('[role="alert"]').count(), 0, await panel.innerText());
  const n = (k) => Number(d[k]);
  t.diagnostic(`${BACKEND} worker, ${seconds.toFixed(1)} s: question ${d.questionTokens} tokens; at once ${d.atOnceTokens} tokens, ${d.atOnceFlops} FLOPs, ln p(${d.answer}) ${Number(d.atOnceLogprob).toFixed(3)}, top ${JSON.stringify(d.atOnceTop)}; steps ${d.stepsTokens} tokens, ${d.stepsFlops} FLOPs, ln p ${Number(d.stepsLogprob).toFixed(3)}, top ${JSON.stringify(d.stepsTop)}`);

  // The texts are built from the numbers, and the answer is the sum's value.
  assert.equal(d.answer, " 356");
  assert.ok(d.worked.startsWith(d.question) && d.worked.includes("17 × 24 = 408") && d.worked.includes("156 ÷ 3 = 52"));
  // Writing the steps takes more tokens, so more passes and more FLOPs.
  assert.ok(n("stepsTokens") > n("atOnceTokens") && n("atOnceTokens") >= 1);
  assert.ok(n("stepsFlops") > n("atOnceFlops") * (n("stepsTokens") / n("atOnceTokens")) * 0.99);
  assert.ok(n("atOnceLogprob") < 0 && n("stepsLogprob") < 0);
  assert.equal(await panel.locator("table.cpt-ways tbody tr").count(), 2);

  await nativeCheck(t, "the same scores from `tumbler answer-loss` and top tokens from `tumbler next`", (st) => {
    const scored = cli(["answer-loss", "--context", d.question, "--context", d.worked, "--answer", d.answer]);
    const [bare, worked] = scored.contexts;
    assert.equal(n("questionTokens"), bare.context_tokens);
    assert.equal(n("atOnceTokens"), scored.tokens.length);
    assert.equal(n("stepsTokens"), worked.context_tokens - bare.context_tokens + scored.tokens.length);
    const lp = (c) => -c.losses.reduce((a, b) => a + b, 0);
    const diffs = [Math.abs(n("atOnceLogprob") - lp(bare)), Math.abs(n("stepsLogprob") - lp(worked))];
    st.diagnostic(`log-probability differences ${diffs.map((x) => x.toExponential(2)).join(", ")} nats`);
    assert.ok(Math.max(...diffs) < TOLERANCE, `page ${d.atOnceLogprob} / ${d.stepsLogprob}, native ${lp(bare)} / ${lp(worked)}`);
    assert.equal(d.atOnceTop, cli(["next", "--prompt", d.question, "--json", "--top", "1"]).top[0].text);
    assert.equal(d.stepsTop, cli(["next", "--prompt", d.worked, "--json", "--top", "1"]).top[0].text);
  });

  const out = await artifacts();
  for (const [width, height] of [[1280, 900], [390, 844]]) {
    await page.setViewportSize({ width, height });
    for (const theme of ["light", "dark"]) {
      await page.evaluate((x) => (document.documentElement.dataset.theme = x), theme);
      await panel.screenshot({ path: join(out, `compute-${width}-${theme}.png`) });
    }
  }
  assertNoLongTask(await longTasks(), "while the answer is scored");
  assert.deepEqual(problems, []);
  await context.close();
});
