// mmoe: a toy two-task Multi-gate Mixture-of-Experts trained in the page. The engine worker draws
// the MMoE paper's synthetic tasks at the reader's correlation (the cosine of the two tasks'
// weight vectors), trains shared experts, two gates and two towers, and streams both tasks'
// held-out losses, both gates' mean mixtures and their overlap. Compared with `tumbler mmoe` at
// the same correlation, steps and seed.
//
// Tolerances, and why. The model runs on burn's flex backend in both worker builds (the WebGPU
// build trains it on the CPU too), in wasm without threads or SIMD element-wise kernels; the CLI
// runs flex natively with both, so sums come out in another order and differ in the last bits.
// The data is drawn in f64 by our own generator (only sin, cos and ln may differ by an ulp).
// Before any update (the setup's cosine and label correlation, the untrained measurement, the
// first step's batch losses) that is all: 1e-4, relative. Adam divides each gradient by its own
// running size, so the drift grows step by step into the weights: every later loss is allowed
// 3e-2 (relative), every gate weight and overlap 2e-2 (absolute). Each run prints the largest
// differences it saw. The run's time in the page is printed, not asserted.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { BACKEND, useBrowser, artifacts, openLive, assertNoLongTask, TUMBLER_BIN, nativeCheck } from "./harness.mjs";

const SEED = 1;
// The page's default run on both workers: the WebGPU build trains this model on the CPU too
// (flex), so SwiftShader does not slow it (600 steps took about 3 s on each).
const STEPS = 600;
const CORRELATED = 0.9;
const CONFLICTING = -0.5;
const FIRST = 1e-4;
const LATER = 3e-2;
const GATES = 2e-2;

const env = useBrowser();

/** `tumbler mmoe`. */
function native(corr, steps) {
  const args = ["mmoe", "--corr", String(corr), "--steps", String(steps), "--seed", String(SEED), "--json"];
  return JSON.parse(execFileSync(TUMBLER_BIN, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
}

// The page prints f32 numbers in their shortest form.
const numbers = (s) => (s ? s.split(" ").map(Number) : []);

/** What the panel shows now. */
async function shown(panel) {
  const d = await panel.evaluate((el) => ({ ...el.dataset }));
  return {
    state: d.state,
    corr: Number(d.corr),
    cosine: Number(d.cosine),
    labelCorr: Number(d.labelCorr),
    params: Number(d.params),
    step: Number(d.step),
    steps: Number(d.steps),
    lossA: Number(d.lossA),
    lossB: Number(d.lossB),
    overlap: Number(d.overlap),
    mixtureA: numbers(d.mixtureA),
    mixtureB: numbers(d.mixtureB),
    evalSteps: numbers(d.evalSteps),
    lossesA: numbers(d.lossesA),
    lossesB: numbers(d.lossesB),
    overlaps: numbers(d.overlaps),
    millis: Number(d.millis),
  };
}

/** Within `rel` of `b` (relative, floored at 1e-3); returns the relative difference. */
function close(a, b, rel, what) {
  const diff = Math.abs(a - b) / Math.max(1e-3, Math.abs(b));
  assert.ok(diff <= rel, `${what}: page ${a}, native ${b} (relative ${diff.toExponential(2)})`);
  return diff;
}

/** Waits until the panel's run has ended. */
async function ended(page, timeout = 480_000) {
  await page.waitForFunction(() => ["done", "error", "stopped"].includes(document.querySelector("[data-live='mmoe']")?.dataset.state), null, { timeout });
}

/** The page's run against the native one at `corr`, every measurement. */
function compare(st, s, corr) {
  const cli = native(corr, STEPS);
  const evals = [cli.setup.initial, ...cli.steps.filter((x) => x.eval).map((x) => x.eval)];
  assert.deepEqual(s.evalSteps, evals.map((e) => e.step));
  assert.equal(s.params, cli.setup.params);
  close(s.cosine, cli.setup.cosine, FIRST, "task vectors' cosine");
  close(s.labelCorr, cli.setup.label_correlation, FIRST, "labels' correlation");
  close(s.lossesA[0], cli.setup.initial.loss_a, FIRST, "untrained loss A");
  close(s.lossesB[0], cli.setup.initial.loss_b, FIRST, "untrained loss B");
  const worst = { loss: 0, gate: 0 };
  const failures = [];
  evals.forEach((e, i) => {
    for (const [a, b, what] of [[s.lossesA[i], e.loss_a, "loss A"], [s.lossesB[i], e.loss_b, "loss B"]]) {
      const diff = Math.abs(a - b) / Math.max(1e-3, Math.abs(b));
      worst.loss = Math.max(worst.loss, diff);
      if (diff > LATER) failures.push(`step ${e.step}, ${what}: page ${a}, native ${b}`);
    }
    const diff = Math.abs(s.overlaps[i] - e.overlap);
    worst.gate = Math.max(worst.gate, diff);
    if (diff > GATES) failures.push(`step ${e.step}, overlap: page ${s.overlaps[i]}, native ${e.overlap}`);
  });
  const last = evals.at(-1);
  [...last.mixture_a.map((v, j) => [s.mixtureA[j], v]), ...last.mixture_b.map((v, j) => [s.mixtureB[j], v])].forEach(([a, b], j) => {
    worst.gate = Math.max(worst.gate, Math.abs(a - b));
    if (Math.abs(a - b) > GATES) failures.push(`final gate weight ${j}: page ${a}, native ${b}`);
  });
  st.diagnostic(`corr ${corr}: largest differences from the native run over ${STEPS} steps: loss ${worst.loss.toExponential(2)} (relative), gate weights and overlap ${worst.gate.toExponential(2)} (absolute)`);
  assert.deepEqual(failures, []);
}

test("mmoe: a two-task model trained in the page at two correlations, its numbers as `tumbler mmoe`'s, Stop stops", async (t) => {
  const { page, context, problems, longTasks } = await openLive(env, "mmoe", `mmoe_steps=${STEPS}`);
  const panel = page.locator("[data-live='mmoe']");
  const start = panel.locator("button.mm-start");
  await start.waitFor();
  // The first run, at the default correlation, starts by itself once the engine is ready: the
  // panel never opens on an empty chart. It is the correlated run; the conflicting one is asked.
  const opened = Date.now();

  const runs = {};
  for (const [corr, preset] of [[CORRELATED, "correlated"], [CONFLICTING, "conflicting"]]) {
    let began = opened;
    if (corr !== CORRELATED) {
      await panel.locator("button.mm-preset", { hasText: preset }).click();
      began = Date.now();
      await start.click();
    }
    await page.waitForFunction(() => document.querySelector("[data-live='mmoe']")?.dataset.step !== undefined, null, { timeout: 60_000 });
    await ended(page);
    const seconds = (Date.now() - began) / 1000;
    const s = await shown(panel);
    assert.equal(s.state, "done", await panel.locator("[role='alert']").allInnerTexts().then((x) => x.join(" ")));
    runs[corr] = s;
    t.diagnostic(`${BACKEND} worker, corr ${corr}: ${s.step} steps in ${seconds.toFixed(1)} s (worker time ${(s.millis / 1000).toFixed(1)} s); labels' r ${s.labelCorr.toFixed(3)}; held-out loss A ${s.lossesA[0]} → ${s.lossA}, B ${s.lossesB[0]} → ${s.lossB}; gate overlap ${s.overlap}; mixtures A [${s.mixtureA.map((v) => v.toFixed(2))}] B [${s.mixtureB.map((v) => v.toFixed(2))}]`);

    // The run asked for, labelled with its real size.
    assert.equal(s.corr, corr);
    assert.equal(s.steps, STEPS);
    assert.equal(s.step, STEPS);
    assert.ok(Math.abs(s.cosine - corr) < 1e-9, `cosine ${s.cosine}`);
    assert.deepEqual(s.evalSteps, [0, ...Array.from({ length: STEPS / 10 }, (_, i) => 10 * (i + 1))]);
    const about = await panel.locator("p.small").first().innerText();
    assert.match(about, new RegExp(`A toy two-task model of ${s.params.toLocaleString("en-US")} parameters`));
    // Zero gates start identical; both tasks learn; the gates stay distributions.
    assert.equal(s.overlaps[0], 1);
    assert.ok(s.lossA < 0.5 * s.lossesA[0] && s.lossB < 0.5 * s.lossesB[0], `both losses fall: ${s.lossesA.join(" ")} / ${s.lossesB.join(" ")}`);
    for (const m of [s.mixtureA, s.mixtureB]) assert.ok(Math.abs(m.reduce((a, b) => a + b, 0) - 1) < 1e-4, `mixture sums to 1: ${m}`);
    assert.ok(s.overlap > 0 && s.overlap < 1, `overlap ${s.overlap}`);
    assert.equal(await panel.locator(".mm-gates svg rect").count(), 2 * s.mixtureA.length);
    assert.ok(await panel.locator(".chart svg").count() >= 1, "the loss chart is drawn");

    await nativeCheck(t, `the run at corr ${corr} by \`tumbler mmoe\``, (st) => compare(st, s, corr));
  }
  // The comparison table keeps both runs.
  assert.equal(await panel.locator("table.mm-runs tbody tr").count(), 2);
  assert.equal(await panel.locator(`table.mm-runs tr[data-corr='${CONFLICTING}']`).getAttribute("data-overlap"), String(runs[CONFLICTING].overlap));
  t.diagnostic(`gate overlap: corr ${CORRELATED} → ${runs[CORRELATED].overlap}, corr ${CONFLICTING} → ${runs[CONFLICTING].overlap}`);

  const out = await artifacts();
  for (const [width, height] of [[1280, 900], [390, 844]]) {
    await page.setViewportSize({ width, height });
    for (const theme of ["light", "dark"]) {
      await page.evaluate((x) => (document.documentElement.dataset.theme = x), theme);
      await panel.screenshot({ path: join(out, `mmoe-${width}-${theme}.png`) });
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  assertNoLongTask(await longTasks(), "while the model trains");

  // Stop: a long run stops between two batches of steps, and the panel can start again.
  await panel.locator("input[type='range'][max='2000']").fill("2000");
  await start.click();
  await page.waitForFunction(() => Number(document.querySelector("[data-live='mmoe']")?.dataset.step) >= 20, null, { timeout: 120_000 });
  await panel.locator("button.mm-stop").click();
  await page.waitForFunction(() => document.querySelector("[data-live='mmoe']")?.dataset.state === "stopped", null, { timeout: 60_000 });
  const stoppedAt = Number(await panel.getAttribute("data-step"));
  await page.waitForTimeout(1500);
  assert.equal(Number(await panel.getAttribute("data-step")), stoppedAt, "no step after Stop");
  assert.ok(stoppedAt < 2000, `stopped early, at step ${stoppedAt}`);
  assert.equal(await start.isDisabled(), false, "it can start again");
  t.diagnostic(`stopped at step ${stoppedAt} of 2000`);

  assert.deepEqual(problems, []);
  await context.close();
});
