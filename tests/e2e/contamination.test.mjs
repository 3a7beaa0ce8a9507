// The benchmarks chapter's live part (data-live="contamination"): the chat model scored in the
// worker on questions it was fine-tuned on and on held-out ones (public/model/contamination.json).
// Checked against `tumbler contamination --model <chat>` on the same weights and the same quiz, in
// a subtest named "native: …" that is skipped by name when there is no native binary.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DIST, useBrowser, openLive, artifacts, assertNoLongTask, READY_MS, TUMBLER_BIN, nativeCheck } from "./harness.mjs";

const env = useBrowser();
const CHAT_DIR = join(DIST, "public/model/chat");
const QUIZ = join(DIST, "public/model/contamination.json");
// Nats and fractions: the worker's wasm forward pass against the native one.
const TOLERANCE = 1e-3;

test("benchmarks: the chat model scores lower loss on questions it trained on, as natively", async (t) => {
  assert.ok(existsSync(QUIZ), `the quiz is shipped: ${QUIZ}`);
  assert.ok(["config.json", "model.safetensors"].every((f) => existsSync(join(CHAT_DIR, f))), `no chat model in ${CHAT_DIR}`);
  const { page, context, problems, longTasks } = await openLive(env, "benchmarks");
  const panel = page.locator('[data-live="contamination"]');
  const button = panel.locator("button.generate");
  await button.waitFor();
  await page.waitForFunction(() => !document.querySelector('[data-live="contamination"] button.generate')?.disabled, null, { timeout: READY_MS });
  await button.click();
  await panel.locator("tr[data-set]").first().waitFor({ timeout: READY_MS });
  const rows = await panel.locator("tr[data-set]").evaluateAll((trs) =>
    trs.map((tr) => ({ set: tr.dataset.set, loss: Number(tr.dataset.loss), accuracy: Number(tr.dataset.accuracy), exact: Number(tr.dataset.exact), items: Number(tr.dataset.items) })),
  );
  assert.deepEqual(rows.map((r) => r.set), ["trained", "held-out"]);
  const [trained, held] = rows;
  t.diagnostic(`reply loss ${trained.loss} (trained on) vs ${held.loss} (held out); first choice ${trained.accuracy} vs ${held.accuracy}`);
  assert.ok(trained.items > 0 && held.items === trained.items);
  // Measured on the shipped chat model: what it trained on, it finds likelier.
  assert.ok(trained.loss < held.loss, `trained-on ${trained.loss} < held-out ${held.loss}`);
  assert.match(await panel.locator("[data-verdict]").innerText(), /lower/);
  const items = await panel.locator("li[data-item]").evaluateAll((lis) => lis.map((li) => [li.dataset.item, Number(li.dataset.itemLoss)]));
  assert.equal(items.length, trained.items * 2);
  const mean = (set) => { const l = items.filter((i) => i[0] === set).map((i) => i[1]); return l.reduce((a, b) => a + b, 0) / l.length; };
  assert.ok(Math.abs(mean("trained") - trained.loss) < 1e-3, "the summary is the mean of the items shown");
  assertNoLongTask(await longTasks(), "while the quiz was scored");

  const dir = await artifacts();
  await panel.screenshot({ path: join(dir, "contamination-desktop.png") });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.emulateMedia({ colorScheme: "dark" });
  await panel.screenshot({ path: join(dir, "contamination-phone-dark.png") });

  await nativeCheck(t, "the same scores from `tumbler contamination`", () => {
    const native = JSON.parse(execFileSync(TUMBLER_BIN, ["contamination", "--set", QUIZ, "--model", CHAT_DIR], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
    for (const [row, key] of [[trained, "trained"], [held, "held_out"]]) {
      const s = native[key].summary;
      assert.ok(Math.abs(s.mean_loss - row.loss) < TOLERANCE, `${key} loss: native ${s.mean_loss} vs page ${row.loss}`);
      assert.ok(Math.abs(s.token_accuracy - row.accuracy) < TOLERANCE, `${key} accuracy: native ${s.token_accuracy} vs page ${row.accuracy}`);
      assert.ok(Math.abs(s.exact_rate - row.exact) < TOLERANCE, `${key} exact`);
    }
  });
  assert.deepEqual(problems, []);
  await context.close();
});
