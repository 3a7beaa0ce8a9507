// rl: reinforcement learning with a verifiable reward, live. A toy policy (the training chapter's
// toy Tumbler over a 28-symbol character vocabulary) is fine-tuned in the engine worker to reverse
// three-letter strings, then improved by rounds of group-relative policy gradient; the page
// shows every graded attempt and the held-out pass rate. Compared with `tumbler rl` for the same
// seed.
//
// Tolerances, and why. The page's worker runs burn's flex backend in wasm (no threads, no SIMD
// element-wise kernels); the CLI runs flex natively with both. Sums come out in a different
// order, so losses differ in the last bits, and 150 AdamW steps (which divide each gradient by
// its own running size) carry that into the weights: we allow 5e-3 (relative) on every
// fine-tuning loss (the largest difference, growing step by step, is reported). The
// policy-gradient loss is a sum of terms whose advantages cancel (they have mean 0 in every group), so a small drift in the log-probabilities is a larger share of it: 2e-2
// (relative) on round 1's loss. Sampling draws with a seeded generator against the probabilities,
// so the samples agree unless a uniform number falls within that drift of a boundary between two
// tokens: round 1's mean reward and the greedy held-out pass rate before it must match exactly
// (as f32); after round 1's update a near-tie between two tokens can break the other way for a
// held-out string or two, so its pass rate may differ by up to 3 of the 100. After that, one flipped token changes an update and the two runs may part, so
// later rounds are compared loosely (mean reward and pass rate within 0.15), and how many rounds
// match exactly, and whether the latest round's 128 attempts do, are reported.
//
// The run's time in the page is reported as a diagnostic, not asserted.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { BACKEND, useBrowser, artifacts, openLive, assertNoLongTask, TUMBLER_BIN, nativeCheck } from "./harness.mjs";

const env = useBrowser();
const SEED = 7;
const ROUNDS = 4;

// The page prints f32 numbers in their shortest form; Math.fround gives back the f32 value.
const numbers = (s) => (s ? s.split(" ").map((x) => Math.fround(Number(x))) : []);

/** The native run: `tumbler rl` for the page's seed and `reward`. */
function native(reward, rounds) {
  const out = execFileSync(TUMBLER_BIN, ["rl", "--seed", String(SEED), "--reward", reward, "--rounds", String(rounds)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return JSON.parse(out);
}

const close = (a, b, rel, what) =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(1e-3, Math.abs(b)), `${what}: page ${a}, native ${b}`);
/** The CLI prints f32 numbers widened to f64; the page prints them as f32. */
const f32 = Math.fround;

/** What the panel shows now. */
async function panelState(panel) {
  const get = (name) => panel.getAttribute(`data-${name}`);
  return {
    state: await get("state"),
    round: Number(await get("round")),
    sftLosses: numbers(await get("sft-losses")),
    passRates: numbers(await get("pass-rates")),
    rewards: numbers(await get("rewards")),
    losses: numbers(await get("losses")),
    untrained: Number(await get("untrained-pass-rate")),
    millis: Number(await get("millis")),
  };
}

/** Stops the run that starts by itself when the chapter opens (rewarding correct answers). */
async function stopFirstRun(page) {
  const panel = page.locator("[data-live='rl']");
  await page.waitForFunction(() => ["running", "done", "error"].includes(document.querySelector("[data-live='rl']")?.dataset.state), null, { timeout: 60_000 });
  assert.equal(await panel.getAttribute("data-reward-kind"), "correct", "the first run rewards correct answers");
  if (await panel.getAttribute("data-state") === "running") {
    await panel.locator("button.rl-stop").click();
    await page.waitForFunction(() => document.querySelector("[data-live='rl']")?.dataset.state === "stopped", null, { timeout: 60_000 });
  }
}

/** Starts a run rewarding `reward` and waits until `rounds` rounds are shown. */
async function run(page, reward, rounds) {
  const panel = page.locator("[data-live='rl']");
  await stopFirstRun(page);
  await panel.locator(`input[name='rl-reward'][value='${reward}']`).check();
  assert.equal(await panel.getAttribute("data-reward-kind"), reward);
  const started = Date.now();
  await panel.locator("button.rl-start").click();
  await page.waitForFunction(
    (n) => Number(document.querySelector("[data-live='rl']")?.dataset.round) >= n || document.querySelector("[data-live='rl']")?.dataset.state === "error",
    rounds,
    { timeout: 480_000 },
  );
  const shown = await panelState(panel);
  assert.notEqual(shown.state, "error", await panel.locator("[role='alert']").allInnerTexts().then((t) => t.join(" ")));
  return { panel, shown, seconds: (Date.now() - started) / 1000 };
}

test("rl: a toy policy fine-tuned then trained by RL in the page, graded attempts shown, Stop stops it", async (t) => {
  const { page, context, problems, longTasks } = await openLive(env, "rl");
  const { panel, seconds } = await run(page, "correct", ROUNDS);

  // Stop stops it between two rounds (at once: the whole run takes under a minute).
  await panel.locator("button.rl-stop").click();
  await page.waitForFunction(() => document.querySelector("[data-live='rl']")?.dataset.state === "stopped", null, { timeout: 60_000 });
  const stoppedAt = Number(await panel.getAttribute("data-round"));
  await page.waitForTimeout(1500);
  assert.equal(Number(await panel.getAttribute("data-round")), stoppedAt, "no round after Stop");
  assert.ok(stoppedAt < 40, `stopped early, at round ${stoppedAt}`);
  assert.equal(await panel.locator("button.rl-start").isDisabled(), false, "it can start again");
  const shown = await panelState(panel);
  assert.equal(shown.round, stoppedAt);
  t.diagnostic(`${BACKEND} worker: fine-tuning and ${shown.round} rounds in ${seconds.toFixed(1)} s (worker time ${(shown.millis / 1000).toFixed(1)} s)`);
  t.diagnostic(`held-out pass rate: untrained ${shown.untrained}, by round ${shown.passRates.join(" ")}; mean reward ${shown.rewards.join(" ")}`);

  // Fine-tuning lowered the loss from about ln 28 and taught the task in part.
  assert.equal(shown.sftLosses.length, 150);
  assert.ok(Math.abs(shown.sftLosses[0] - Math.log(28)) < 0.3, `first loss ${shown.sftLosses[0]}`);
  assert.ok(shown.sftLosses.at(-1) < shown.sftLosses[0] / 3, `loss falls: ${shown.sftLosses[0]} → ${shown.sftLosses.at(-1)}`);
  assert.equal(shown.untrained, 0, "random weights reverse nothing");
  assert.ok(shown.passRates[0] > 0.1, `fine-tuned pass rate ${shown.passRates[0]}`);
  for (const r of shown.rewards) assert.ok(r >= 0 && r <= 1, `reward ${r}`);

  // The attempts table: 16 problems × 8 attempts, user-visible text as text.
  const table = panel.locator("table.rl-live-attempts");
  assert.equal(await table.locator("tr[data-word]").count(), 16);
  assert.equal(await table.locator("td[data-reward]").count(), 128);
  const first = table.locator("tr[data-word]").first();
  const word = await first.getAttribute("data-word");
  assert.match(word, /^[a-z]{3}$/);
  const passing = await table.locator("td.ok").count();
  const rewarded = await table.locator("td[data-reward='1']").count();
  assert.equal(passing, rewarded, "under the correct reward, reward 1 is exactly the grader's pass");
  assert.ok(await panel.locator(".chart svg").count() >= 1, "the pass-rate chart is drawn");
  const pageLast = await table.locator("td[data-reward] code").allTextContents();

  await nativeCheck(t, "the same run by `tumbler rl`", (st) => {
    const cli = native("correct", shown.round);
    let worst = 0;
    cli.sft_losses.forEach((l, i) => {
      close(shown.sftLosses[i], l, 5e-3, `fine-tuning loss ${i + 1}`);
      worst = Math.max(worst, Math.abs(shown.sftLosses[i] - l) / Math.abs(l));
    });
    st.diagnostic(`fine-tuning losses: largest relative difference ${worst.toExponential(2)}`);
    assert.equal(shown.passRates[0], f32(cli.fine_tuned.passed / cli.fine_tuned.total), "held-out pass rate after fine-tuning");
    close(shown.losses[0], cli.rounds[0].loss, 2e-2, "round 1 loss");
    st.diagnostic(`round 1 loss: page ${shown.losses[0]}, native ${cli.rounds[0].loss}`);
    assert.equal(shown.rewards[0], f32(cli.rounds[0].mean_reward), "round 1 mean reward");
    const after = cli.rounds[0].held_out.passed / cli.rounds[0].held_out.total;
    assert.ok(Math.abs(shown.passRates[1] - after) <= 0.031, `round 1 held-out pass rate: page ${shown.passRates[1]}, native ${after}`);
    let exact = 0;
    cli.rounds.forEach((r, i) => {
      const rate = f32(r.held_out.passed / r.held_out.total);
      if (shown.rewards[i] === f32(r.mean_reward) && shown.passRates[i + 1] === rate) exact++;
      assert.ok(Math.abs(shown.rewards[i] - r.mean_reward) <= 0.15, `round ${i + 1} reward: page ${shown.rewards[i]}, native ${r.mean_reward}`);
      assert.ok(Math.abs(shown.passRates[i + 1] - rate) <= 0.15, `round ${i + 1} pass rate: page ${shown.passRates[i + 1]}, native ${rate}`);
    });
    st.diagnostic(`${exact} of ${cli.rounds.length} rounds match the native run exactly`);
    const nativeLast = cli.rounds[shown.round - 1].groups.flatMap((g) => g.attempts.map((a) => a.text + (a.ended ? "" : "…")));
    st.diagnostic(`round ${shown.round}'s 128 attempts ${JSON.stringify(pageLast) === JSON.stringify(nativeLast) ? "match" : "differ from"} the native run's`);
  });

  await page.screenshot({ path: join(await artifacts(), "live-rl.png"), fullPage: true });
  assertNoLongTask(await longTasks(), "while the policy learns");
  assert.deepEqual(problems, []);
  await context.close();
});

test("rl: rewarding length is gamed: the reward rises while the true pass rate falls", async (t) => {
  const { page, context, problems } = await openLive(env, "rl");
  const ROUNDS_GAMED = 10;
  const { shown, seconds } = await run(page, "length", ROUNDS_GAMED);
  t.diagnostic(`${ROUNDS_GAMED} rounds in ${seconds.toFixed(1)} s: mean reward ${shown.rewards.join(" ")}; pass rate ${shown.passRates.join(" ")}`);
  assert.ok(shown.rewards.at(-1) > 0.9, `the length reward is maxed: ${shown.rewards.at(-1)}`);
  assert.ok(shown.rewards.at(-1) > shown.rewards[0] + 0.3, `the reward rose: ${shown.rewards[0]} → ${shown.rewards.at(-1)}`);
  assert.ok(shown.passRates.at(-1) < shown.passRates[0] / 2, `the true pass rate fell: ${shown.passRates[0]} → ${shown.passRates.at(-1)}`);
  await nativeCheck(t, "round 1 of the length run by `tumbler rl`", () => {
    const cli = native("length", 1);
    assert.equal(shown.rewards[0], f32(cli.rounds[0].mean_reward), "round 1 mean reward");
    close(shown.losses[0], cli.rounds[0].loss, 2e-2, "round 1 loss");
  });
  await page.locator("[data-live='rl'] button.rl-stop").click();
  await page.waitForFunction(() => document.querySelector("[data-live='rl']")?.dataset.state === "stopped", null, { timeout: 60_000 });
  const past = page.locator(".rl-past li[data-reward-kind='length']");
  await past.waitFor();
  t.diagnostic(await past.innerText());
  assert.deepEqual(problems, []);
  await context.close();
});
