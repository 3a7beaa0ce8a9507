// The rlhf chapter on the Tumbler's chat model: a reward head trained in the engine worker on the
// shipped preference pairs plus one the test adds, then best-of-n over replies sampled from the
// chat model, each rewarded and checked for English words, with the KL-penalised pick.
//
// Everything is compared with the native `tumbler rlhf` on the same files (dist/public/model/chat,
// the tokenizer and dist/public/vectors' word list), same seed:
// - the reward model's final loss and accuracy, and each pair's two rewards: within 1e-4;
// - best-of-n's expected reward and share of English words at every n: within 1e-3 (the rewards
//   are f32 hidden states in another summation order; the replies themselves must be the same
//   text, so the shares are equal up to float printing).
// The chat model runs on burn's CPU backend in either worker build, so the tolerances are the
// same on both backends; the WebGPU run samples fewer replies (SwiftShader's build is slower).

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { BACKEND, DIST, useBrowser, artifacts, openLive, assertNoLongTask, TUMBLER_BIN, nativeCheck } from "./harness.mjs";

const MODELS = join(DIST, "public/model");
const WORDS = join(DIST, "public/vectors/glove-20k-50d.tgv");
const HAS_FILES = ["config.json", "model.safetensors"].every((f) => existsSync(join(MODELS, "chat", f))) && existsSync(WORDS);
const NO_FILES = `no chat model in ${MODELS} or no word list at ${WORDS}`;
const RM_TOLERANCE = 1e-4;
const BON_TOLERANCE = 1e-3;
// Replies per question: 8 questions × this many.
const SAMPLES = BACKEND === "cpu" ? 8 : 4;
const PAIR = { prompt: "What is a dog?", chosen: "A canine quadruped domesticated for companionship.", rejected: "A dog is a pet animal that barks." };

const env = useBrowser();

/** `tumbler rlhf` on the dist's files. */
function native(extra, samples) {
  const args = ["rlhf", "--extra-pairs", JSON.stringify(extra), "--samples", String(samples), "--chat", join(MODELS, "chat"), "--tokenizer", join(MODELS, "tokenizer.json"), "--dictionary", WORDS];
  return JSON.parse(execFileSync(TUMBLER_BIN, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
}

/** What the panel shows: its data attributes, the pairs' rewards and the picked replies. */
async function shown(page) {
  return page.evaluate(() => {
    const panel = document.querySelector("[data-live='rlhf']");
    const d = panel.dataset;
    const nums = (v) => (v ? v.split(" ").map(Number) : []);
    const num = (v) => (v === undefined ? null : Number(v));
    return {
      state: d.rlhfState,
      pairs: Number(d.pairs),
      rmStep: num(d.rmStep),
      rmLoss: num(d.rmLoss),
      rmAccuracy: num(d.rmAccuracy),
      replies: Number(d.replies),
      samples: Number(d.samples),
      n: num(d.n),
      reward: num(d.reward),
      quality: num(d.quality),
      rewardFirst: num(d.rewardFirst),
      qualityFirst: num(d.qualityFirst),
      rewards: nums(d.rewards),
      qualities: nums(d.qualities),
      beta: Number(d.beta),
      nStar: num(d.nStar),
      rewardStar: num(d.rewardStar),
      qualityStar: num(d.qualityStar),
      msPerReply: num(d.msPerReply),
      pairRewards: [...panel.querySelectorAll(".rlhf-pair-table tbody tr")].map((tr) => [num(tr.dataset.rChosen), num(tr.dataset.rRejected)]),
      best: [...panel.querySelectorAll(".rlhf-picks td.rlhf-best .gen-line")].map((e) => e.textContent),
    };
  });
}

const near = (a, b, tol, what) => assert.ok(Math.abs(a - b) <= tol, `${what}: page ${a} vs native ${b} (tolerance ${tol})`);

async function addPair(panel, { prompt, chosen, rejected }) {
  await panel.locator(".rlhf-new-prompt input").fill(prompt);
  await panel.locator(".rlhf-new-chosen input").fill(chosen);
  await panel.locator(".rlhf-new-rejected input").fill(rejected);
  await panel.locator("button.rlhf-add-pair").click();
}

async function runToEnd(page, panel, samples) {
  await panel.locator("select.rlhf-samples").selectOption(String(samples));
  const started = Date.now();
  await panel.locator("button.rlhf-start").click();
  await page.waitForFunction(() => ["done", "error"].includes(document.querySelector("[data-live='rlhf']").dataset.rlhfState), null, { timeout: 600_000 });
  return (Date.now() - started) / 1000;
}

test("rlhf: a reward model trained in the page, best-of-n gaming it, and the KL penalty", { skip: !HAS_FILES && NO_FILES, timeout: 900_000 }, async (t) => {
  const { page, context, problems, longTasks } = await openLive(env, "rlhf");
  const panel = page.locator("[data-live='rlhf']");
  const backend = await page.getAttribute("[data-backend]", "data-backend");
  assert.equal(backend, BACKEND, "the worker build this run is for");
  // A first run on the shipped pairs starts by itself once the engine is ready; editing the
  // pairs stops it (its numbers would be stale), and the run below is asked for.
  await page.waitForFunction(() => ["running", "done"].includes(document.querySelector("[data-live='rlhf']").dataset.rlhfState), null, { timeout: 60_000 });
  const start = await shown(page);
  assert.equal(start.pairs, 12, "the shipped pairs are listed");

  // Bad pairs get clear messages and add nothing; a good one is added.
  await addPair(panel, { ...PAIR, prompt: "  " });
  await panel.locator(".rlhf-add-error", { hasText: "Write the prompt." }).waitFor();
  await addPair(panel, { ...PAIR, rejected: PAIR.chosen });
  await panel.locator(".rlhf-add-error", { hasText: "the same text" }).waitFor();
  assert.equal((await shown(page)).pairs, 12);
  await addPair(panel, PAIR);
  await page.waitForFunction(() => document.querySelector("[data-live='rlhf']").dataset.pairs === "13");
  assert.equal((await shown(page)).state, "idle", "a new pair stops the first run and clears its numbers");
  assert.equal(await panel.locator(".rlhf-add-error").count(), 0, "the message goes once a pair is added");
  assert.equal(await panel.locator(".rlhf-pair-table tr.rlhf-added td").first().innerText(), PAIR.prompt);

  const seconds = await runToEnd(page, panel, SAMPLES);
  const s = await shown(page);
  assert.equal(s.state, "done", await panel.locator("[role=alert]").allInnerTexts().then((x) => x.join(" ")));
  assert.equal(s.replies, 8 * SAMPLES);
  assert.equal(s.rmStep, 200);
  assert.equal(s.rmAccuracy, 1, "the reward model ranks every pair it was trained on");
  assert.ok(s.rmLoss < 0.05, `its loss falls from ln 2: ${s.rmLoss}`);
  assert.ok(s.pairRewards.every(([c, r]) => c > r), "each preferred reply scores higher");
  // What the chapter says, on these numbers: the reward rises with n, the English share falls, and
  // a KL penalty stops earlier with more of it kept (β = 4: on 4 replies per question β = 3, the
  // page's default, still takes all 4).
  assert.equal(s.n, SAMPLES);
  for (let i = 1; i < s.rewards.length; i++) assert.ok(s.rewards[i] > s.rewards[i - 1], `the reward rises with n: ${s.rewards}`);
  assert.ok(s.quality < s.qualityFirst - 0.1, `English words fall: ${s.qualityFirst} → ${s.quality}`);
  assert.equal(s.beta, 3);
  const beta = panel.locator(".slider", { hasText: "β" }).locator("input");
  await beta.fill("4");
  await page.waitForFunction(() => document.querySelector("[data-live='rlhf']").dataset.beta === "4");
  const held = await shown(page);
  assert.ok(held.nStar < s.n && held.qualityStar > s.quality, `the penalised pick: n = ${held.nStar}, English ${held.qualityStar}`);
  t.diagnostic(`pairs ${s.pairs}; reward model loss ${s.rmLoss.toFixed(4)}, accuracy ${s.rmAccuracy}`);
  t.diagnostic(`best-of-n, n = 1 … ${s.n}: reward ${s.rewards.map((x) => x.toFixed(2)).join(" → ")}; English ${s.qualities.map((x) => (100 * x).toFixed(0) + "%").join(" → ")}`);
  t.diagnostic(`β = 3 picks n = ${s.nStar}, β = 4 picks n = ${held.nStar}: reward ${held.rewardStar.toFixed(2)}, English ${(100 * held.qualityStar).toFixed(0)}%`);
  t.diagnostic(`${s.replies} replies at ${s.msPerReply} ms each in the worker; ${seconds.toFixed(1)} s from the click (the chat model's load included on the first run)`);

  // β is applied in the page: β = 0 takes every reply.
  await beta.fill("0");
  await page.waitForFunction((n) => document.querySelector("[data-live='rlhf']").dataset.nStar === String(n), SAMPLES);

  await nativeCheck(t, "tumbler rlhf: the same reward model, replies and best-of-n", () => {
    const n = native([PAIR], SAMPLES);
    assert.equal(n.pairs, s.pairs);
    const rm = n.rm.at(-1);
    near(s.rmLoss, rm.loss, RM_TOLERANCE, "reward model loss");
    assert.equal(s.rmAccuracy, rm.accuracy);
    s.pairRewards.forEach(([c, r], i) => {
      near(c, n.pair_rewards[i][0], RM_TOLERANCE, `pair ${i + 1} preferred`);
      near(r, n.pair_rewards[i][1], RM_TOLERANCE, `pair ${i + 1} other`);
    });
    assert.deepEqual(n.points.map((p) => p.n), [...s.rewards.keys()].map((i) => 2 ** i));
    n.points.forEach((p, i) => {
      near(s.rewards[i], p.reward, BON_TOLERANCE, `reward at n = ${p.n}`);
      near(s.qualities[i], p.quality, BON_TOLERANCE, `English at n = ${p.n}`);
    });
    const last = n.points.at(-1);
    assert.deepEqual(s.best, last.picks.map((i, k) => n.candidates[k][i].text), "the same best replies");
    t.diagnostic(`native: reward ${n.points.map((p) => p.reward.toFixed(3)).join(" ")}; largest reward difference ${Math.max(...n.points.map((p, i) => Math.abs(p.reward - s.rewards[i]))).toExponential(2)}`);
  });

  assertNoLongTask(await longTasks(), "while training and sampling");

  // Screenshots: desktop and phone, light and dark.
  const dir = await artifacts();
  for (const theme of ["light", "dark"]) {
    await page.evaluate((th) => document.documentElement.setAttribute("data-theme", th), theme);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await panel.screenshot({ path: join(dir, `live-rlhf-${width}-${theme}.png`) });
      if (width === 390) {
        const overflow = await page.evaluate(() => document.scrollingElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
      }
    }
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test("rlhf: Stop stops between two replies; typed markup stays text", { skip: !HAS_FILES && NO_FILES, timeout: 600_000 }, async () => {
  const { page, context, problems, longTasks } = await openLive(env, "rlhf");
  const panel = page.locator("[data-live='rlhf']");
  await addPair(panel, { prompt: "<b>bold</b>", chosen: "<img src=x onerror=alert(1)>", rejected: "plain" });
  await page.waitForFunction(() => document.querySelector("[data-live='rlhf']").dataset.pairs === "13");
  assert.equal(await panel.locator(".rlhf-pair-table b, .rlhf-pair-table img").count(), 0, "no element from the reader's text");
  assert.equal(await panel.locator(".rlhf-pair-table tr.rlhf-added td").first().innerText(), "<b>bold</b>");
  // It can be removed again.
  await panel.locator("button.rlhf-remove").click();
  await page.waitForFunction(() => document.querySelector("[data-live='rlhf']").dataset.pairs === "12");

  await panel.locator("select.rlhf-samples").selectOption("32");
  await panel.locator("button.rlhf-start").click();
  await page.waitForFunction(() => Number(document.querySelector("[data-live='rlhf']").dataset.replies) >= 2, null, { timeout: 300_000 });
  await panel.locator("button.rlhf-stop").click();
  await page.waitForFunction(() => document.querySelector("[data-live='rlhf']").dataset.rlhfState === "stopped", null, { timeout: 60_000 });
  const stoppedAt = Number(await panel.getAttribute("data-replies"));
  await page.waitForTimeout(1500);
  assert.equal(Number(await panel.getAttribute("data-replies")), stoppedAt, "no reply after Stop");
  assert.ok(stoppedAt < 8 * 32, `stopped early, at ${stoppedAt}`);
  assert.equal(await panel.locator("button.rlhf-start").isDisabled(), false, "it can start again");
  assertNoLongTask(await longTasks(), "while sampling and stopping");
  assert.deepEqual(problems, []);
  await context.close();
});
