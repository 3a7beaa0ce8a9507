// why: the logit lens, direct logit attribution, ablation and patching of the reader's prompt,
// computed in the engine worker (`Query::Why`, `WhyAblate`, `WhyPatch`; `tumbler_model::why` over
// the fused CPU forward, in both worker builds) and compared with `tumbler why --json` on the same
// files.
//
// Tolerance, and why. The page runs the same fused f32 forward compiled to wasm, the CLI natively;
// the loops add in the same order, but `exp` (softmax in attention and at the output) comes from
// different maths libraries, so the last bits of an f32 may differ: 1e-4 absolute on
// probabilities, 1e-3 on logits and shares (logits reach ±15). A lens cell's top token must be the
// same unless its two best probabilities are closer than the tolerance (a near-tie; then the test
// says so). Timings are printed, not asserted.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { BACKEND, DIST, useBrowser, openLive, assertNoLongTask, TUMBLER_BIN, nativeCheck } from "./harness.mjs";

const MODEL = join(DIST, "public/model/base");
const FILES = [join(MODEL, "config.json"), join(MODEL, "model.safetensors"), join(DIST, "public/model/tokenizer.json")];
const MISSING = FILES.filter((f) => !existsSync(f));
const PROMPT = "The king of";
const SOURCE = "The land of";
const P_TOL = 1e-4;
const LOGIT_TOL = 1e-3;
const WAIT_MS = 240_000;

const env = useBrowser();

/** `tumbler why` on the dist's model. */
function native(args) {
  const all = ["why", ...args, "--json", "--model", MODEL];
  return JSON.parse(execFileSync(TUMBLER_BIN, all, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
}

/** The lens and attribution the page shows. */
async function shown(page) {
  const lens = await page.locator("[data-live='logit-lens'] td[data-layer]").evaluateAll((els) =>
    els.map((e) => ({ layer: Number(e.dataset.layer), position: Number(e.dataset.position), id: Number(e.dataset.tokenId), p: Number(e.dataset.p) })),
  );
  const panel = page.locator("[data-live='attribution']");
  const d = await panel.evaluate((el) => ({ ...el.dataset }));
  const shares = await panel.locator("li[data-contribution]").evaluateAll((els) => els.map((e) => Number(e.dataset.contribution)));
  const meta = await page.locator("[data-live='logit-lens']").evaluate((el) => ({ ...el.dataset }));
  return {
    lens,
    tokens: Number(meta.tokens),
    lensMillis: Number(meta.millis),
    logit: Number(d.logit),
    rest: Number(d.rest),
    target: Number(d.targetId),
    position: Number(d.position),
    millis: Number(d.millis),
    shares,
  };
}

/** The ablation result the page shows, once it is for `components` (comma-joined, sorted). */
async function ablated(page, components) {
  const el = page.locator("[data-live='ablation'] .why-ablated");
  await page.waitForFunction(
    (want) => {
      const e = document.querySelector("[data-live='ablation'] .why-ablated");
      return e && e.dataset.components.split(",").sort().join(",") === want;
    },
    components,
    { timeout: WAIT_MS },
  );
  const d = await el.evaluate((e) => ({ ...e.dataset }));
  const rows = await el.locator("li[data-token-id]").evaluateAll((els) => els.map((e) => ({ id: Number(e.dataset.tokenId), p: Number(e.dataset.p) })));
  return { components: d.components, kl: Number(d.kl), before: Number(d.pBefore), after: Number(d.pAfter), target: Number(d.targetId), millis: Number(d.millis), rows };
}

const alertText = (panel) => panel.locator("[role='alert']").allInnerTexts().then((x) => x.join(" "));

test("why: lens, attribution, ablation and patching of a prompt, as `tumbler why`'s; bad input gets a message", { skip: MISSING.length ? `missing ${MISSING.join(", ")}` : false }, async (t) => {
  // The chapter's defaults, named in the URL as a link from another chapter would.
  const query = `prompt=${encodeURIComponent(PROMPT)}&source=${encodeURIComponent(SOURCE)}`;
  const { page, problems, longTasks } = await openLive(env, "why", query);
  await page.locator("[data-live='logit-lens'] td[data-layer]").first().waitFor({ timeout: WAIT_MS });
  await page.locator("[data-live='attribution']").waitFor({ timeout: WAIT_MS });
  const s = await shown(page);
  t.diagnostic(`${BACKEND} worker: logit lens ${s.lensMillis.toFixed(1)} ms, attribution ${s.millis.toFixed(1)} ms for ${s.tokens} tokens`);

  // The page's own checks: a full grid, the shares plus the rest are the logit.
  const layers = Math.max(...s.lens.map((c) => c.layer)) + 1;
  assert.equal(s.lens.length, layers * s.tokens, "one cell per depth and position");
  assert.equal(s.position, s.tokens - 1, "the last position is explained first");
  const sum = s.shares.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum + s.rest - s.logit) < 1e-4, `shares ${sum} + rest ${s.rest} = logit ${s.logit}`);
  assert.ok(Math.abs(s.rest) < 1e-3, `rest ${s.rest} is rounding`);
  const top = s.lens.find((c) => c.layer === layers - 1 && c.position === s.position);
  assert.equal(top.id, s.target, "the explained token is the model's top prediction");

  // Ablation: at first the head with the largest share is off.
  const pressed = page.locator("[data-live='ablation'] button[data-component][aria-pressed='true']");
  await pressed.first().waitFor({ timeout: WAIT_MS });
  const first = await ablated(page, await pressed.evaluateAll((els) => els.map((e) => e.dataset.component).sort().join(",")));
  assert.equal(first.components.split(",").length, 1, "one head off at first");
  assert.ok(first.kl > 0, "switching a head off changes the distribution");
  // Switch the MLP of block 0 off too: the distribution changes again.
  await page.locator("[data-live='ablation'] button[data-component='0.mlp']").click();
  const both = await ablated(page, [first.components, "0.mlp"].sort().join(","));
  assert.notEqual(both.kl, first.kl);
  t.diagnostic(`${BACKEND} worker: ablation ${both.millis.toFixed(1)} ms; p(target) ${both.before.toFixed(4)} → ${both.after.toFixed(4)}, KL ${both.kl.toFixed(4)}`);

  // Patching from the second prompt fills its grid.
  await page.waitForFunction(() => document.querySelector("[data-live='ablation']")?.dataset.patchState === "done", null, { timeout: WAIT_MS });
  const patch = await page.locator(".why-patch-grid td[data-layer]").evaluateAll((els) =>
    els.map((e) => ({ layer: Number(e.dataset.layer), position: Number(e.dataset.position), dl: Number(e.dataset.deltaLogit) })),
  );
  assert.equal(patch.length, layers * s.tokens);

  await nativeCheck(t, "the same numbers from `tumbler why`", (st) => {
    const cli = native(["--prompt", PROMPT, "--ablate", both.components, "--patch-from", SOURCE]);
    const r = cli.report;
    assert.equal(r.ids.length, s.tokens);
    let worstP = 0;
    const ties = [];
    r.lens.forEach((row, l) =>
      row.forEach((cell, i) => {
        const got = s.lens.find((c) => c.layer === l && c.position === i);
        if (cell.top[0].p - cell.top[1].p < P_TOL) ties.push(`depth ${l} position ${i}`);
        else assert.equal(got.id, cell.top[0].id, `depth ${l}, position ${i}: top token`);
        if (got.id === cell.top[0].id) worstP = Math.max(worstP, Math.abs(got.p - cell.top[0].p));
      }),
    );
    const a = r.attribution;
    const want = [a.embedding, ...a.heads.flatMap((hs, l) => [...hs, a.mlps[l]])];
    assert.equal(s.target, a.target.id);
    assert.ok(Math.abs(s.logit - a.logit) < LOGIT_TOL, `logit ${s.logit} vs ${a.logit}`);
    const worstShare = Math.max(...want.map((w, i) => Math.abs(w - s.shares[i])));
    assert.ok(worstShare < LOGIT_TOL, `shares within ${LOGIT_TOL}: ${worstShare}`);
    const ab = cli.ablation;
    let worstAb = Math.abs(ab.p[1] - both.after);
    ab.after.forEach((tok, i) => {
      assert.equal(both.rows[i].id, tok.id, `ablated top ${i}`);
      worstAb = Math.max(worstAb, Math.abs(both.rows[i].p - tok.p));
    });
    assert.ok(Math.abs(ab.kl - both.kl) < P_TOL, `KL ${both.kl} vs ${ab.kl}`);
    let worstPatch = 0;
    cli.patching.rows.forEach((row) =>
      row.delta_logit.forEach((dl, i) => {
        const got = patch.find((c) => c.layer === row.layer && c.position === i);
        worstPatch = Math.max(worstPatch, Math.abs(got.dl - dl));
      }),
    );
    st.diagnostic(`largest differences from the native run: lens p ${worstP.toExponential(2)}, share ${worstShare.toExponential(2)}, ablated p ${worstAb.toExponential(2)}, patched Δlogit ${worstPatch.toExponential(2)}; near-ties: ${ties.length ? ties.join(", ") : "none"}`);
    assert.ok(worstP < P_TOL && worstAb < P_TOL, `probabilities within ${P_TOL}`);
    assert.ok(worstPatch < LOGIT_TOL, `patched logits within ${LOGIT_TOL}`);
  });

  // Bad input: a message, and the page keeps working.
  const lensPanel = page.locator(".live-why").first();
  const box = lensPanel.locator("textarea");
  await box.fill("   ");
  await page.waitForFunction(() => /no prompt yet/.test(document.querySelector(".live-why [role='alert']")?.textContent ?? ""), null, { timeout: WAIT_MS });
  await box.fill("one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen ".repeat(2));
  await page.waitForFunction(() => /at most 24/.test(document.querySelector(".live-why [role='alert']")?.textContent ?? ""), null, { timeout: WAIT_MS });
  assert.match(await alertText(lensPanel), /at most 24/);
  await box.fill(PROMPT);
  await page.locator("[data-live='logit-lens'] td[data-layer]").first().waitFor({ timeout: WAIT_MS });
  assertNoLongTask(await longTasks(), "while the why chapter ran");
  assert.deepEqual(problems, []);

  // The attention chapter links its text here.
  await page.goto(page.url().replace(/#\/why.*/, "#/attention?text=" + encodeURIComponent("A small red fox")));
  const link = page.locator("a.why-link");
  await link.waitFor({ timeout: WAIT_MS });
  await link.click();
  await page.waitForFunction(() => {
    const el = document.querySelector("[data-live='logit-lens']");
    return el && location.hash.startsWith("#/why") && document.querySelector(".live-why textarea")?.value === "A small red fox";
  }, null, { timeout: WAIT_MS });
});
