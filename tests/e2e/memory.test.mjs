// The memory chapter's live part (data-live="memory"): the Tumbler scores one sentence after four
// contexts (no passage; the passage first, in the middle, just before), in the worker, and the
// page shows each token's loss. Checked against `tumbler answer-loss` on the same weights, the same
// contexts (read off the rows' data-context) and the same sentence, in a subtest named
// "native: …" that is skipped by name when there is no native binary.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DIST, useBrowser, openLive, artifacts, assertNoLongTask, READY_MS, TUMBLER_BIN, nativeCheck } from "./harness.mjs";

const env = useBrowser();
const MODEL_DIR = join(DIST, "public/model/base");
const HAS_MODEL = ["config.json", "model.safetensors"].every((f) => existsSync(join(MODEL_DIR, f)));
const NO_MODEL = `no model in ${MODEL_DIR} (config.json + model.safetensors)`;
// Nats: the worker's wasm forward pass against the native one, on flex both.
const TOLERANCE = 1e-3;

test("memory: a sentence's loss after four contexts, as natively, the passage just before helping most", { skip: !HAS_MODEL && NO_MODEL }, async (t) => {
  const { page, context, problems, longTasks } = await openLive(env, "memory");
  const panel = page.locator('[data-live="memory"]');
  const button = panel.locator("button.generate");
  await button.waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-live="memory"] button.generate')?.disabled, null, { timeout: READY_MS });
  await button.click();
  await panel.locator("tr[data-condition]").first().waitFor({ timeout: READY_MS });
  const rows = await panel.locator("tr[data-condition]").evaluateAll((trs) =>
    trs.map((tr) => ({
      condition: tr.dataset.condition,
      mean: Number(tr.dataset.meanLoss),
      context: tr.dataset.context,
      losses: [...tr.querySelectorAll(".tok")].map((s) => Number(s.dataset.loss)),
      tokens: [...tr.querySelectorAll(".tok")].map((s) => s.textContent),
    })),
  );
  assert.deepEqual(rows.map((r) => r.condition), ["none", "start", "middle", "end"]);
  for (const r of rows) {
    assert.ok(r.losses.length > 5 && r.losses.every((l) => Number.isFinite(l) && l >= 0), r.condition);
    const mean = r.losses.reduce((a, b) => a + b, 0) / r.losses.length;
    assert.ok(Math.abs(mean - r.mean) < 1e-4, `${r.condition}: the mean is of the tokens shown`);
  }
  assert.ok(!rows[0].context.includes("Edith Calloway"), "no passage in the first context");
  assert.ok(rows.slice(1).every((r) => r.context.includes("Edith Calloway")), "the passage in the others");
  // Measured: the passage read just before makes the sentence likelier than no passage at all.
  const [none, , , end] = rows;
  t.diagnostic(`mean loss: ${rows.map((r) => `${r.condition} ${r.mean.toFixed(3)}`).join(", ")} nats/token`);
  assert.ok(end.mean < none.mean, `passage just before ${end.mean} < none ${none.mean}`);
  const summary = await panel.locator("[data-loss-none]").innerText();
  assert.match(summary, /lowers its loss from \d+\.\d\d to \d+\.\d\d nats/);

  const answer = await panel.getByLabel(/Sentence to score/).inputValue();
  await nativeCheck(t, "the same losses from `tumbler answer-loss`", () => {
    const args = ["answer-loss", ...rows.flatMap((r) => ["--context", r.context]), "--answer", answer, "--model", MODEL_DIR];
    const native = JSON.parse(execFileSync(TUMBLER_BIN, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
    assert.equal(native.contexts.length, rows.length);
    let worst = 0;
    rows.forEach((r, i) => {
      assert.equal(native.contexts[i].losses.length, r.losses.length, `${r.condition}: tokens`);
      r.losses.forEach((l, k) => {
        const d = Math.abs(l - native.contexts[i].losses[k]);
        worst = Math.max(worst, d);
        assert.ok(d < TOLERANCE, `${r.condition} token ${k}: page ${l} vs native ${native.contexts[i].losses[k]}`);
      });
    });
    t.diagnostic(`largest difference ${worst.toExponential(2)} nats`);
  });

  await panel.screenshot({ path: join(await artifacts(), "live-memory.png") });
  await page.setViewportSize({ width: 390, height: 844 });
  await panel.screenshot({ path: join(await artifacts(), "live-memory-phone.png") });
  await page.setViewportSize({ width: 1280, height: 900 });

  // A sentence of nothing gets a message, and the panel keeps working.
  await panel.getByLabel(/Sentence to score/).fill("");
  await button.click();
  await panel.locator('[role="alert"]').waitFor({ timeout: READY_MS });
  assert.match(await panel.locator('[role="alert"]').innerText(), /no text to score/);

  assertNoLongTask(await longTasks(), "while scoring the sentence");
  assert.deepEqual(problems, []);
  await context.close();
});
