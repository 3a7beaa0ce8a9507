// The scaling-laws chapter's own curve (data-live="scaling"): the page reads the sweep's records
// (public/model/scaling.json, written by `tumbler scaling`) and fits power laws to them in wasm.
// Checked against `tumbler scaling --fit` on the same file, which runs the same Rust natively.
// The chapter needs no engine, so the test is the same on both backends.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { DIST, useBrowser, openPage, chapterUrl, artifacts, TUMBLER_BIN, nativeCheck, ENGINE_FREE } from "./harness.mjs";

const env = useBrowser();
const SWEEP = join(DIST, "public/model/scaling.json");
const CARD = join(DIST, "public/model/card.json");
// The page prints exponents and R² to four decimals.
const TOLERANCE = 6e-5;

test("scaling-laws: our sweep drawn, and its power laws fitted in the page as natively", { skip: ENGINE_FREE }, async (t) => {
  // The records are shipped with the site: missing, they are a failure, not a skip.
  assert.ok(existsSync(SWEEP), `no sweep records in ${SWEEP}: run \`tumbler scaling\``);
  const sweep = JSON.parse(readFileSync(SWEEP, "utf8"));
  const card = JSON.parse(readFileSync(CARD, "utf8"));
  const finished = sweep.runs.filter((r) => r.steps >= r.total_steps).length;
  assert.ok(finished >= 5, `at least five sizes trained to the end (${finished})`);

  const { page, context, problems } = await openPage(env.browser, env.server.origin);
  await page.goto(chapterUrl(env.server.origin, "scaling-laws"));
  const panel = page.locator('[data-live="scaling"]');
  await panel.waitFor({ timeout: 20_000 });
  const shown = await panel.evaluate((el) => ({ ...el.dataset }));
  assert.equal(Number(shown.sizes), finished);
  const alphaN = Number(shown.alphaN);
  const alphaC = Number(shown.alphaC);
  t.diagnostic(`page: α_N = ${alphaN} (R² ${shown.r2N}), α_C = ${alphaC} (R² ${shown.r2C}), ${shown.frontier} frontier points`);
  // Loss falls with size and with compute: the exponents are positive.
  assert.ok(alphaN > 0 && alphaC > 0, `exponents ${alphaN}, ${alphaC}`);

  // One table row per run, with its final loss from the records.
  const rows = await panel.locator("tr[data-run]").evaluateAll((trs) => trs.map((tr) => [tr.dataset.run, Number(tr.dataset.loss)]));
  assert.deepEqual(rows.map((r) => r[0]), sweep.runs.map((r) => r.name));
  rows.forEach(([name, loss], i) => {
    const last = sweep.runs[i].curve.at(-1).val_loss;
    assert.ok(Math.abs(loss - last) < 1e-4, `${name}: ${loss} vs ${last}`);
  });
  // Four charts, the placement one with a dot per published model, run and the Tumbler.
  assert.equal(await panel.locator(".chart svg").count(), 4);
  const ratio = card.base.run.tokens_seen / card.parameters;
  assert.ok(Math.abs(Number(shown.tumblerTokensPerParam) - ratio) < 1e-3, `tokens per parameter ${shown.tumblerTokensPerParam} vs ${ratio}`);
  assert.match(await panel.locator("[data-placement]").innerText(), /tokens per parameter/);

  const dir = await artifacts();
  for (const [name, viewport, theme] of [["desktop-light", { width: 1280, height: 900 }, "light"], ["phone-dark", { width: 390, height: 844 }, "dark"]]) {
    await page.setViewportSize(viewport);
    await page.emulateMedia({ colorScheme: theme });
    await panel.scrollIntoViewIfNeeded();
    await panel.screenshot({ path: join(dir, `scaling-${name}.png`) });
  }
  // At phone width the wide table scrolls inside its box; the page itself does not.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page wider than the phone by ${overflow}px`);

  await nativeCheck(t, "the same fits from `tumbler scaling --fit`", () => {
    const native = JSON.parse(execFileSync(TUMBLER_BIN, ["scaling", "--fit", "--out", SWEEP], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
    assert.equal(native.sizes, finished);
    assert.ok(Math.abs(native.by_params.exponent - alphaN) < TOLERANCE, `α_N native ${native.by_params.exponent} vs page ${alphaN}`);
    assert.ok(Math.abs(native.by_params.r_squared - Number(shown.r2N)) < TOLERANCE);
    assert.ok(Math.abs(native.by_compute.exponent - alphaC) < TOLERANCE, `α_C native ${native.by_compute.exponent} vs page ${alphaC}`);
    assert.ok(Math.abs(native.by_compute.r_squared - Number(shown.r2C)) < TOLERANCE);
    assert.equal(native.frontier.length, Number(shown.frontier));
  });
  assert.deepEqual(problems, []);
  await context.close();
});
