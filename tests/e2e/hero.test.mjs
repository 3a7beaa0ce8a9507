// The first screen (arc's hero, chapters/arc/hero.rs): the Tumbler writes after the reader's words
// as soon as it is ready, each token with the distribution it was drawn from. The text is what
// `tumbler sample` writes with the same prompt, settings and seed; typing restarts it on the new
// words; "Write it again" takes the next seed; bad input gets a message, never HTML.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { DIST, useBrowser, openLive, artifacts, assertNoLongTask, READY_MS, TUMBLER_BIN, nativeCheck } from "./harness.mjs";

const PROMPT = "Once upon a time, there was a little";
/** The hero's settings (hero.rs): 32 tokens, T = 0.8, top-p 0.95, seeds 1, 2, … */
const SETTINGS = ["--max-tokens", "32", "--temperature", "0.8", "--top-p", "0.95"];

/** The model the page loads, for the CLI. */
const MODEL_DIR = join(DIST, "public/model/base");

const env = useBrowser();

/** Waits for the hero's run on `prompt` to end and reads it. */
async function finished(page, prompt) {
  await page.waitForFunction(
    (p) => {
      const stage = document.querySelector("[data-live=hero] .hero-stage");
      return stage?.dataset.done === "true" && document.querySelector(".hero-prompt")?.textContent === p;
    },
    prompt,
    { timeout: READY_MS },
  );
  return page.evaluate(() => ({
    generated: document.querySelector("[data-live=hero] .hero-stage").dataset.generated,
    tokens: [...document.querySelectorAll(".hero-token")].map((t) => ({ id: +t.dataset.tokenId, p: Number(t.dataset.p), text: t.textContent })),
    state: document.querySelector("[data-live=hero] [data-live-state]").dataset.liveState,
  }));
}

/** The distribution drawn: its step and bars. */
function distribution(page) {
  return page.evaluate(() => {
    const fig = document.querySelector(".hero-dist");
    return {
      step: +fig.dataset.step,
      bars: [...fig.querySelectorAll(".hero-bar")].map((b) => ({ id: +b.dataset.tokenId, p: Number(b.dataset.p), chosen: b.classList.contains("chosen") })),
    };
  });
}

function native(prompt, seed) {
  const out = execFileSync(TUMBLER_BIN, ["sample", "--prompt", prompt, ...SETTINGS, "--seed", String(seed), "--json", "--model", MODEL_DIR], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return JSON.parse(out);
}

test("arc's first screen: the Tumbler writes after the reader's words, as the CLI does", async (t) => {
  const { page, context, problems, longTasks } = await openLive(env, "arc");
  const hero = page.locator("[data-live=hero]");
  assert.match(await hero.locator(".hero-about").innerText(), /parameters in \d+ layers, a vocabulary of [\d,]+ tokens/);

  // It writes by itself on the default prompt.
  const first = await finished(page, PROMPT);
  assert.equal(first.state, "result");
  assert.ok(first.tokens.length > 0 && first.tokens.length <= 32, `${first.tokens.length} tokens`);
  // A chip holding a byte that is only part of a character names it ("byte F1"), not its text.
  if (!first.tokens.some((t) => /byte [0-9A-F]{2}/.test(t.text))) {
    assert.equal(first.tokens.map((t) => t.text).join(""), first.generated, "the chips spell the continuation");
  }
  for (const tok of first.tokens) assert.ok(tok.p > 0 && tok.p <= 1, `p of ${JSON.stringify(tok)}`);
  await nativeCheck(t, "the continuation, as `tumbler sample --seed 1`", () => {
    const cli = native(PROMPT, 1);
    assert.equal(first.generated, cli.text);
    assert.deepEqual(first.tokens.map((t) => t.id), cli.tokens.map((t) => t.id));
  });

  // The distribution follows the newest token, then the one the reader picks.
  let dist = await distribution(page);
  assert.equal(dist.step, first.tokens.length - 1);
  assert.ok(dist.bars.length >= 2 && dist.bars.length <= 6, `${dist.bars.length} bars`);
  for (let i = 1; i < dist.bars.length; i++) assert.ok(dist.bars[i].p <= dist.bars[i - 1].p, "most likely first");
  assert.ok(dist.bars.reduce((s, b) => s + b.p, 0) <= 1 + 1e-4, "the bars are a part of one distribution");
  await hero.locator(".hero-token").nth(2).click();
  dist = await distribution(page);
  assert.equal(dist.step, 2);
  const chosen = dist.bars.find((b) => b.chosen);
  if (chosen) assert.equal(chosen.id, first.tokens[2].id, "the drawn token is the marked bar");
  await hero.getByRole("button", { name: "The token before" }).click();
  assert.equal((await distribution(page)).step, 1);

  await page.screenshot({ path: join(await artifacts(), "hero-1280.png") });

  // The reader's own words: typing restarts the run on them.
  const mine = "The little robot looked at the moon and";
  await hero.locator("textarea").fill(mine);
  const second = await finished(page, mine);
  assert.ok(second.tokens.length > 0);
  await nativeCheck(t, "the reader's prompt, as `tumbler sample --seed 1`", () => {
    assert.equal(second.generated, native(mine, 1).text);
  });

  // Again: the next seed.
  await hero.getByRole("button", { name: "Write it again" }).click();
  const third = await finished(page, mine);
  await nativeCheck(t, "Write it again, as `tumbler sample --seed 2`", () => {
    assert.equal(third.generated, native(mine, 2).text);
  });

  // Bad input: nothing to continue gets a message; markup is shown as text.
  await hero.locator("textarea").fill("  ");
  await page.waitForSelector("[data-live=hero] [role=alert]");
  assert.match(await hero.locator("[role=alert]").innerText(), /nothing to continue/);
  assert.equal(await hero.locator("[data-live-state]").getAttribute("data-live-state"), "error");
  const odd = "<b>bold</b> \u202e🙂 é";
  await hero.locator("textarea").fill(odd);
  await finished(page, odd);
  assert.equal(await hero.locator("b").count(), 0, "user text is never HTML");

  assertNoLongTask(await longTasks(), "the hero writing");
  assert.deepEqual(problems, []);
  await context.close();
});

test("arc's first screen at 360 px and 1366 px, both themes: above the fold, nothing cut", async () => {
  const { page, context, problems } = await openLive(env, "arc");
  await finished(page, PROMPT);
  for (const [width, height] of [[360, 740], [1366, 768]]) {
    await page.setViewportSize({ width, height });
    for (const theme of ["light", "dark"]) {
      await page.evaluate((th) => (document.documentElement.dataset.theme = th), theme);
      await page.evaluate(() => window.scrollTo(0, 0));
      const box = await page.locator("[data-live=hero] h2").boundingBox();
      assert.ok(box && box.y + box.height < height, `${width} px: the hero's heading is above the fold (y ${box?.y})`);
      const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(sideways, 0, `${width} px: the page does not scroll sideways`);
      await page.locator("[data-live=hero]").screenshot({ path: join(await artifacts(), `hero-${width}-${theme}.png`) });
    }
  }
  assert.deepEqual(problems, []);
  await context.close();
});
