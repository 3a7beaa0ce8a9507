// The dpo chapter on the Tumbler's own models: a chosen/rejected pair scored by the chat model
// (the policy) and the base model (the reference) in the engine worker, every term of the DPO
// loss shown, then real DPO steps on a copy of the chat model, streamed.
//
// Everything is compared with the native `tumbler dpo` on the same weights files
// (dist/public/model/{base,chat}):
// - the per-token log-probabilities, their sums, the loss and the margin: within 1e-3 nats;
// - the loss and the margin after every DPO step: within 1e-3 as well (the steps are
//   deterministic f32 arithmetic in another summation order; measured differences, ~1e-6, are
//   printed as diagnostics).
// Both models run on burn's CPU backend in either worker build, so the tolerances are the same on
// both backends. The time per step in the page is printed, not asserted.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { BACKEND, DIST, useBrowser, artifacts, openLive, assertNoLongTask, TUMBLER_BIN, nativeCheck } from "./harness.mjs";

const MODELS = join(DIST, "public/model");
const HAS_MODEL = ["base", "chat"].every((m) => ["config.json", "model.safetensors"].every((f) => existsSync(join(MODELS, m, f))));
const NO_MODEL = `no base and chat models in ${MODELS}`;
const SCORE_TOLERANCE = 1e-3;
const STEP_TOLERANCE = 1e-3;

const env = useBrowser();

/** `tumbler dpo` on the dist's models. */
function native({ prompt, chosen, rejected, beta, lr, steps }) {
  const args = ["dpo", "--prompt", prompt, "--chosen", chosen, "--rejected", rejected, "--beta", String(beta), "--lr", String(lr), "--steps", String(steps), "--reply-tokens", "32", "--policy", join(MODELS, "chat"), "--reference", join(MODELS, "base"), "--tokenizer", join(MODELS, "tokenizer.json")];
  return JSON.parse(execFileSync(TUMBLER_BIN, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
}

/** What the panel shows: its data attributes and each reply's per-token log-probabilities. */
async function shown(page) {
  return page.evaluate(() => {
    const panel = document.querySelector("[data-live='dpo']");
    const d = panel.dataset;
    const tokens = (which) => [...panel.querySelectorAll(`.dpo-tokens[data-reply='${which}'] tbody tr`)].map((tr) => ({
      text: tr.querySelector(".dpo-token").textContent,
      policy: Number(tr.dataset.policyLogp),
      reference: Number(tr.dataset.refLogp),
      after: tr.dataset.afterLogp === undefined ? null : Number(tr.dataset.afterLogp),
    }));
    const text = (cls) => panel.querySelector(`.${cls} textarea`).value;
    const nums = (v) => (v ? v.split(" ").map(Number) : []);
    return {
      state: d.dpoState,
      step: Number(d.step),
      loss: Number(d.loss),
      margin: Number(d.margin),
      chosenLogp: Number(d.chosenLogp),
      rejectedLogp: Number(d.rejectedLogp),
      beta: Number(d.beta),
      losses: nums(d.losses),
      margins: nums(d.margins),
      msPerStep: Number(d.msPerStep),
      lr: Number(panel.querySelector("select.dpo-lr option:checked").dataset.rate),
      prompt: text("dpo-prompt"),
      chosen: text("dpo-chosen"),
      rejected: text("dpo-rejected"),
      tokens: { chosen: tokens("chosen"), rejected: tokens("rejected") },
      tableLoss: Number(panel.querySelector(".dpo-table").dataset.dpoLoss),
    };
  });
}

const near = (a, b, tol, what) => assert.ok(Math.abs(a - b) <= tol, `${what}: page ${a} vs native ${b} (tolerance ${tol})`);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);

test("dpo: real log-probabilities, the loss's terms, and DPO steps that lower the loss", { skip: !HAS_MODEL && NO_MODEL, timeout: 900_000 }, async (t) => {
  const { page, context, problems, longTasks } = await openLive(env, "dpo");
  const panel = page.locator("[data-live='dpo']");
  // The chat model loads on this first question; then the pair is scored.
  await panel.locator(".dpo-tokens[data-reply='rejected'] tbody tr").first().waitFor({ timeout: 180_000 });
  const before = await shown(page);
  const backend = await page.getAttribute("[data-backend]", "data-backend");
  assert.equal(backend, BACKEND, "the worker build this run is for");
  assert.equal(before.state, "idle");
  assert.equal(before.step, 0);
  assert.equal(before.beta, 0.1);
  for (const which of ["chosen", "rejected"]) {
    const toks = before.tokens[which];
    assert.ok(toks.length >= 2, `${which}: tokens shown`);
    assert.equal(toks.at(-1).text, "<|im_end|>", `${which}: the reply ends with its <|im_end|>`);
    assert.ok(toks.every((x) => x.policy <= 0 && x.reference <= 0), `${which}: log-probabilities are ≤ 0`);
  }
  // The panel's sums are the sums of its per-token numbers (4-decimal strings aside, exact f32s).
  near(before.chosenLogp, sum(before.tokens.chosen.map((x) => x.policy)), 1e-3, "Σ chosen tokens");
  near(before.rejectedLogp, sum(before.tokens.rejected.map((x) => x.policy)), 1e-3, "Σ rejected tokens");
  // The loss is −log σ(margin).
  near(before.loss, -Math.log(1 / (1 + Math.exp(-before.margin))), 1e-9, "loss = −log σ(margin)");
  near(before.tableLoss, before.loss, 1e-6, "the table's loss");
  t.diagnostic(`chat model: loss ${before.loss.toFixed(4)}, margin ${before.margin.toFixed(4)}, log π_θ chosen ${before.chosenLogp.toFixed(3)}, rejected ${before.rejectedLogp.toFixed(3)}`);

  // β applies in the page: the margin scales with it, the log-probabilities stay.
  await panel.locator(".slider", { hasText: "β" }).locator("input").fill("0.5");
  await page.waitForFunction(() => document.querySelector("[data-live='dpo']").dataset.beta === "0.5");
  const half = await shown(page);
  near(half.margin, before.margin * 5, 1e-9, "margin at β = 0.5");
  assert.equal(half.chosenLogp, before.chosenLogp);
  await panel.locator(".slider", { hasText: "β" }).locator("input").fill("0.1");
  await page.waitForFunction(() => document.querySelector("[data-live='dpo']").dataset.beta === "0.1");

  // The default run: its steps stream in, the loss falls and the margin grows.
  const steps = Number(await panel.locator(".dpo-train-controls input[type=range]").inputValue());
  const started = Date.now();
  await panel.locator("button.dpo-start").click();
  await page.waitForFunction(() => ["done", "error"].includes(document.querySelector("[data-live='dpo']").dataset.dpoState), null, { timeout: 600_000 });
  const seconds = (Date.now() - started) / 1000;
  const after = await shown(page);
  assert.equal(after.state, "done", await panel.locator("[role=alert]").allInnerTexts().then((x) => x.join(" ")));
  assert.equal(after.step, steps);
  assert.equal(after.losses.length, steps + 1, "step 0 and every step");
  near(after.losses[0], before.loss, 1e-9, "step 0 is the chat model");
  assert.ok(after.loss < before.loss, `the loss falls: ${before.loss} → ${after.loss}`);
  assert.ok(after.margin > before.margin, `the margin grows: ${before.margin} → ${after.margin}`);
  assert.ok(after.chosenLogp - after.rejectedLogp > before.chosenLogp - before.rejectedLogp, "the chosen reply gains on the rejected one");
  for (let i = 1; i < after.losses.length; i++) assert.ok(after.losses[i] < after.losses[i - 1], `the loss falls every step: ${after.losses}`);
  assert.ok(after.tokens.chosen.every((x) => x.after !== null), "the copy's per-token numbers after the run");
  const replyBefore = await panel.locator("[data-reply-before]").getAttribute("data-reply-before");
  const replyAfter = await panel.locator("[data-reply-after]").getAttribute("data-reply-after");
  assert.match(await panel.innerText(), /thrown away/);
  t.diagnostic(`${steps} steps at lr ${after.lr}: loss ${after.losses.map((x) => x.toFixed(4)).join(" → ")}`);
  t.diagnostic(`margin ${after.margins.map((x) => x.toFixed(3)).join(" → ")}`);
  t.diagnostic(`${after.msPerStep} ms per step in the worker; ${seconds.toFixed(1)} s for the run from the click (greedy replies and scoring included)`);
  t.diagnostic(`greedy reply before: ${JSON.stringify(replyBefore)}; after: ${JSON.stringify(replyAfter)}`);
  await page.screenshot({ path: join(await artifacts(), "live-dpo.png"), fullPage: true });

  await nativeCheck(t, "tumbler dpo: the same log-probabilities, loss and steps", () => {
    const n = native({ prompt: before.prompt, chosen: before.chosen, rejected: before.rejected, beta: 0.1, lr: after.lr, steps });
    assert.deepEqual(before.tokens.chosen.map((x) => x.text), n.pair.chosen.map((x) => x.replaceAll(" ", "␣").replaceAll("\n", "↵").replaceAll("\t", "⇥")), "the same chosen tokens");
    let worst = 0;
    for (const which of ["chosen", "rejected"]) {
      before.tokens[which].forEach((x, i) => {
        for (const [mine, theirs] of [[x.policy, n.before.policy[which][i]], [x.reference, n.before.reference[which][i]], [after.tokens[which][i].after, n.after.policy[which][i]]]) {
          worst = Math.max(worst, Math.abs(mine - theirs));
          near(mine, theirs, SCORE_TOLERANCE, `${which} token ${i}`);
        }
      });
    }
    const terms = n.before.terms;
    near(before.chosenLogp, terms.logps.policy_chosen, SCORE_TOLERANCE, "log π_θ(y_w|x)");
    near(before.rejectedLogp, terms.logps.policy_rejected, SCORE_TOLERANCE, "log π_θ(y_l|x)");
    near(before.loss, terms.loss, SCORE_TOLERANCE, "loss");
    near(before.margin, terms.margin, SCORE_TOLERANCE, "margin");
    let worstStep = 0;
    n.steps.forEach((s, i) => {
      worstStep = Math.max(worstStep, Math.abs(after.losses[i + 1] - s.loss), Math.abs(after.margins[i + 1] - s.margin));
      near(after.losses[i + 1], s.loss, STEP_TOLERANCE, `loss after step ${i + 1}`);
      near(after.margins[i + 1], s.margin, STEP_TOLERANCE, `margin after step ${i + 1}`);
    });
    assert.equal(replyBefore, n.greedy_before, "the chat model's greedy reply");
    t.diagnostic(`largest per-token difference from native ${worst.toExponential(2)} nats; largest step difference ${worstStep.toExponential(2)}; native reply after: ${JSON.stringify(n.greedy_after)}`);
  });

  // The chat model itself is unchanged: the same pair scores the same once asked again.
  const lossNow = () => page.evaluate(() => document.querySelector("[data-live='dpo']").dataset.loss);
  await panel.locator("button.dpo-example", { hasText: "Honest" }).click();
  await page.waitForFunction((l) => { const d = document.querySelector("[data-live='dpo']").dataset; return d.step === "0" && d.loss && Number(d.loss) !== l; }, before.loss, { timeout: 60_000 });
  const honest = Number(await lossNow());
  await panel.locator("button.dpo-example", { hasText: "Capital" }).click();
  await page.waitForFunction((l) => { const d = document.querySelector("[data-live='dpo']").dataset; return d.step === "0" && d.loss && Number(d.loss) !== l; }, honest, { timeout: 60_000 });
  const again = await shown(page);
  assert.equal(again.chosen, before.chosen);
  near(again.loss, before.loss, 1e-12, "the chat model after the run");

  assertNoLongTask(await longTasks(), "while scoring and training");
  assert.deepEqual(problems, []);
  await context.close();
});

test("dpo: Stop stops between two steps; bad pairs get clear messages; typed markup stays text", { skip: !HAS_MODEL && NO_MODEL, timeout: 600_000 }, async () => {
  const { page, context, problems, longTasks } = await openLive(env, "dpo");
  const panel = page.locator("[data-live='dpo']");
  await panel.locator(".dpo-tokens[data-reply='rejected'] tbody tr").first().waitFor({ timeout: 180_000 });

  await panel.locator(".dpo-train-controls input[type=range]").fill("40");
  await panel.locator("button.dpo-start").click();
  await page.waitForFunction(() => Number(document.querySelector("[data-live='dpo']").dataset.step) >= 2, null, { timeout: 300_000 });
  await panel.locator("button.dpo-stop").click();
  await page.waitForFunction(() => document.querySelector("[data-live='dpo']").dataset.dpoState === "stopped", null, { timeout: 60_000 });
  const stoppedAt = Number(await panel.getAttribute("data-step"));
  await page.waitForTimeout(1500);
  assert.equal(Number(await panel.getAttribute("data-step")), stoppedAt, "no step after Stop");
  assert.ok(stoppedAt < 40, `stopped early, at ${stoppedAt}`);
  assert.equal(await panel.locator("button.dpo-start").isDisabled(), false, "it can start again");

  // The same reply twice, then an empty one: clear messages, and the page keeps working.
  const rejected = panel.locator(".dpo-rejected textarea");
  await rejected.fill(await panel.locator(".dpo-chosen textarea").inputValue());
  await panel.locator("[role=alert]", { hasText: "the same text" }).waitFor({ timeout: 30_000 });
  await rejected.fill("   ");
  await panel.locator("[role=alert]", { hasText: "Write a prompt, a chosen reply and a rejected reply" }).waitFor();
  assert.equal(await panel.locator("button.dpo-start").isDisabled(), true);

  // Markup typed by the reader is shown as characters, never parsed.
  await rejected.fill("<b>bold</b> <img src=x onerror=alert(1)>");
  await panel.locator(".dpo-tokens[data-reply='rejected'] tbody tr").first().waitFor();
  await page.waitForFunction(() => document.querySelector(".dpo-tokens[data-reply='rejected'] td.dpo-token")?.textContent.includes("<"), null, { timeout: 30_000 });
  assert.equal(await panel.locator(".dpo-tokens b, .dpo-tokens img").count(), 0, "no element from the reader's text");
  assert.equal(await panel.locator("button.dpo-start").isDisabled(), false);

  assertNoLongTask(await longTasks(), "while stopping and scoring");

  // On a phone the panel fits the screen: the token tables scroll inside themselves.
  await page.setViewportSize({ width: 360, height: 740 });
  const overflow = await page.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
  assert.deepEqual(problems, []);
  await context.close();
});
