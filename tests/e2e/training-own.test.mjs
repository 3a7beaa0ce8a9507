// Train on your own text (chapter `training`, panel `[data-live="own-training"]`): the reader's
// text, a tokenizer trained on it in the worker, a model trained on it with checkpoints in the
// browser's private file system, a reload that resumes where it stopped, and the export that the
// native `tumbler sample` and `tumbler eval` load, as does the engine's Model menu (byom).
//
// Training runs on the CPU in the worker whichever backend the page uses, so both runs train the
// same way (the WebGPU run only loads the page's other model on SwiftShader).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DIST, useBrowser, openLive, artifacts, assertNoLongTask, nativeCheck, TUMBLER_BIN, BACKEND } from "./harness.mjs";

const env = useBrowser();
const AUSTEN = JSON.parse(readFileSync(join(DIST, "public/samples/austen.json"), "utf8")).text;
// Odd Unicode and markup: it must come back as text, never as HTML.
const ODD = "\n<b>bold?</b> <img src=x onerror=alert(1)> Ünïcödé — 日本語 🙂‍↔️ \u200b tab\there.\n";
const TEXT = AUSTEN + ODD + AUSTEN.slice(0, 2000);
const WAIT_MS = 240_000;

const stat = (page, name) =>
  page.locator(".own-stats").getAttribute(`data-${name}`).then((v) => (v === null ? null : Number(v)));

/** The safetensors header: its tensors by name, after checking the byte layout. */
function safetensors(bytes) {
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString("utf8"));
  const tensors = Object.entries(header).filter(([k]) => k !== "__metadata__");
  const end = Math.max(...tensors.map(([, t]) => t.data_offsets[1]));
  assert.equal(8 + n + end, bytes.length, "the data ends where the header says");
  for (const [name, t] of tensors) {
    assert.equal(t.dtype, "F32", name);
    assert.equal(t.data_offsets[1] - t.data_offsets[0], 4 * t.shape.reduce((a, b) => a * b, 1), name);
  }
  return Object.fromEntries(tensors);
}

test("training: train on your own text, reload, resume where it stopped, export for the CLI", async (t) => {
  const { page, context, problems, longTasks } = await openLive(env, "training");
  const panel = page.locator("[data-live='own-training']");
  await panel.scrollIntoViewIfNeeded();
  assert.equal(await panel.getAttribute("data-own-state"), "idle");
  assert.equal(await panel.locator(".own-saved").count(), 0, "a fresh browser has no saved run");
  assert.equal(await panel.locator(".own-backend").getAttribute("data-own-backend"), "cpu");

  // No text yet: a hint, and nothing to start.
  assert.match(await panel.locator(".own-hint").innerText(), /Paste some text or open a text file/);
  assert.equal(await panel.locator("button.own-start").isDisabled(), true);

  // A file over the limit is refused before it is read, with the limit named.
  await panel.locator("input.own-file").setInputFiles({ name: "huge.txt", mimeType: "text/plain", buffer: Buffer.alloc(4 * 1024 * 1024 + 1, 97) });
  await panel.locator(".own-error").waitFor();
  assert.match(await panel.locator(".own-error").innerText(), /huge\.txt.*4\sMB/s);
  assert.equal(await panel.locator("button.own-start").isDisabled(), true);

  // Blank text and a paste over the limit: why, aloud; an empty file too.
  const textBox = panel.locator("textarea.own-text");
  await textBox.fill(" \n\t ");
  assert.match(await panel.locator(".own-error").innerText(), /Paste some text or open a text file first/);
  assert.equal(await panel.locator("button.own-start").isDisabled(), true);
  await textBox.fill("a".repeat(4 * 1024 * 1024 + 1));
  assert.match(await panel.locator(".own-error").innerText(), /4,194,305 bytes.*4\sMB/s);
  assert.equal(await panel.locator("button.own-start").isDisabled(), true);
  await panel.locator("input.own-file").setInputFiles({ name: "empty.txt", mimeType: "text/plain", buffer: Buffer.alloc(0) });
  await panel.locator(".own-error", { hasText: "empty.txt is empty" }).waitFor();

  // The reader's text, pasted.
  await panel.locator("textarea.own-text").fill(TEXT);
  assert.equal(Number(await panel.locator(".own-source").getAttribute("data-text-bytes")), Buffer.byteLength(TEXT));
  await panel.locator("select.own-preset").selectOption("tiny");
  await panel.locator("button.own-start").click();

  // The tokenizer first: its merges, in order, from the text.
  await panel.locator(".own-tokenizer").waitFor({ timeout: WAIT_MS });
  const merges = Number(await panel.locator(".own-tokenizer").getAttribute("data-merges"));
  assert.ok(merges > 10, `${merges} merges shown`);
  const vocab = Number(await panel.locator(".own-about").getAttribute("data-vocab-size"));
  assert.ok(vocab > 259 && vocab <= 512, `vocabulary ${vocab}: specials, bytes and merges`);

  // Steps, and a checkpoint every 25 of them.
  await page.waitForFunction(() => Number(document.querySelector(".own-stats")?.dataset.savedStep) >= 25, null, { timeout: WAIT_MS });
  const first = await stat(page, "first-loss");
  assert.ok(Math.abs(first - Math.log(vocab)) < 0.5, `first loss ${first} near ln V = ${Math.log(vocab).toFixed(3)}`);
  const msPerStep = await stat(page, "ms-per-step");
  t.diagnostic(`tiny preset: ${msPerStep} ms per step in the worker (${BACKEND} run)`);

  // Stop: the run saves where it stopped.
  await panel.locator("button.own-stop").click();
  await page.waitForFunction(() => document.querySelector("[data-live='own-training']")?.dataset.ownState === "stopped", null, { timeout: WAIT_MS });
  const stoppedAt = await stat(page, "step");
  assert.equal(await stat(page, "saved-step"), stoppedAt, "Stop writes a checkpoint at its step");
  const lossAtStop = await stat(page, "loss");
  assert.ok(lossAtStop < first, `the loss fell: ${first} → ${lossAtStop}`);

  // Text stays text.
  assert.equal(await panel.locator("b, img").count(), 0, "no markup from the reader's text");
  await panel.screenshot({ path: join(await artifacts(), "training-own.png") });

  // A reload offers the saved run: its step, its curve.
  await page.reload();
  const saved = panel.locator(".own-saved");
  await saved.waitFor({ timeout: WAIT_MS });
  assert.equal(Number(await saved.getAttribute("data-saved-step")), stoppedAt);
  assert.equal(await saved.getAttribute("data-saved-preset"), "tiny");
  assert.match(await saved.innerText(), new RegExp(`step ${stoppedAt} of 600`));

  // The export, before resuming: the files of that checkpoint.
  await saved.locator("button.own-export").click();
  await panel.locator("a.own-download").nth(2).waitFor({ timeout: 30_000 });
  const dir = mkdtempSync(join(tmpdir(), "tumbler-own-"));
  for (const name of ["config.json", "model.safetensors", "tokenizer.json"]) {
    const [download] = await Promise.all([page.waitForEvent("download"), panel.locator(`a.own-download[data-file='${name}']`).click()]);
    assert.equal(download.suggestedFilename(), name);
    await download.saveAs(join(dir, name));
  }
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
  assert.equal(config.vocab_size, vocab);
  assert.equal(config.n_layers, 2);
  assert.equal(config.d_model, 64);
  const tensors = safetensors(readFileSync(join(dir, "model.safetensors")));
  const embedding = Object.values(tensors).find((t) => t.shape.length === 2 && t.shape[0] === vocab);
  assert.deepEqual(embedding?.shape, [vocab, 64], "the embedding is V × C");
  const tokenizer = JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8"));
  assert.equal(tokenizer.model.type, "BPE");
  assert.equal(Object.keys(tokenizer.model.vocab).length, vocab);

  // The same three files open in the engine's Model menu (bring your own model), and back.
  await page.waitForFunction(() => document.querySelector("[data-engine-state]")?.dataset.engineState === "ready", null, { timeout: WAIT_MS });
  const menu = page.locator("details.engine-open");
  await menu.locator("summary").click();
  await page.locator("input[data-open-model]").setInputFiles(["config.json", "tokenizer.json", "model.safetensors"].map((f) => join(dir, f)));
  await page.waitForFunction(() => ["opened", "failed"].includes(document.querySelector("[data-open-message]")?.dataset.openMessage), null, { timeout: WAIT_MS });
  const opened = page.locator("[data-open-message]");
  assert.equal(await opened.getAttribute("data-open-message"), "opened", await opened.innerText());
  assert.notEqual(await page.locator("[data-engine-state]").getAttribute("data-model"), "tumbler");
  await page.locator("button[data-use-shipped]").click();
  await page.waitForFunction(() => document.querySelector("[data-engine-state]")?.dataset.model === "tumbler", null, { timeout: WAIT_MS });
  if (await menu.evaluate((d) => d.open)) await menu.locator("summary").click();

  // Resume: it goes on from the saved step, with the curve so far.
  await saved.locator("button.own-resume").click();
  await page.waitForFunction(() => document.querySelector(".own-stats")?.dataset.resumed === "true", null, { timeout: WAIT_MS });
  assert.equal(await stat(page, "resumed-from"), stoppedAt);
  assert.ok((await stat(page, "points")) >= stoppedAt, "the loss curve so far came back");
  const resumedSample = panel.locator(`li[data-sample-step='${stoppedAt}']`);
  await resumedSample.waitFor({ timeout: WAIT_MS });
  const continuation = await resumedSample.getAttribute("data-continuation");
  const prompt = await panel.locator(".own-continuation").getAttribute("data-prompt");
  await page.waitForFunction((n) => Number(document.querySelector(".own-stats")?.dataset.step) >= n + 3, stoppedAt, { timeout: WAIT_MS });
  const after = await stat(page, "loss");
  t.diagnostic(`stopped at step ${stoppedAt} (loss ${lossAtStop}), resumed to ${await stat(page, "step")} (loss ${after})`);
  assert.ok(after < first - 0.5, `a resumed run is a trained one, not a fresh one: ${after} vs first ${first}`);
  await panel.locator("button.own-stop").click();
  await page.waitForFunction(() => document.querySelector("[data-live='own-training']")?.dataset.ownState === "stopped", null, { timeout: WAIT_MS });

  for (const [width, name] of [[1366, "desktop"], [360, "phone"]]) {
    for (const theme of ["light", "dark"]) {
      await page.setViewportSize({ width, height: 900 });
      await page.evaluate((th) => (document.documentElement.dataset.theme = th), theme);
      await page.waitForTimeout(300); // the charts redraw for the column's width
      await panel.screenshot({ path: join(await artifacts(), `training-own-${name}-${theme}.png`) });
    }
  }
  // The trained panel on a phone keeps the phone rules a11y.test.mjs checks on the fresh page: no
  // sideways scrolling, SVG text of 10 px or more, 44-px touch targets.
  const fit = await page.evaluate(() => {
    const panel = document.querySelector("[data-live='own-training']");
    const tiny = [];
    for (const text of panel.querySelectorAll("svg text")) {
      const m = text.getScreenCTM();
      const px = parseFloat(getComputedStyle(text).fontSize) * Math.hypot(m.a, m.b);
      if (text.textContent.trim() && text.getBoundingClientRect().width > 0 && px < 10) tiny.push(`${text.textContent.trim()} ${px.toFixed(1)} px`);
    }
    const small = [...panel.querySelectorAll("button, select, textarea, input")]
      .map((el) => [el.className || el.tagName, el.getBoundingClientRect()])
      .filter(([, r]) => r.width > 0 && (r.width + 0.5 < 44 || r.height + 0.5 < 44))
      .map(([n, r]) => `${n} ${Math.round(r.width)}×${Math.round(r.height)}`);
    return { sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth, tiny, small };
  });
  assert.deepEqual(fit, { sideways: 0, tiny: [], small: [] }, "the trained panel at 360 px");
  assertNoLongTask(await longTasks(), "while training on the reader's text");
  assert.deepEqual(problems, []);
  await context.close();

  await nativeCheck(t, "`tumbler sample` and `tumbler eval` load the export and continue as the page did", (st) => {
    const run = (args) => execFileSync(TUMBLER_BIN, [...args, "--model", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const sample = JSON.parse(run(["sample", "--prompt", prompt, "--max-tokens", "16", "--temperature", "0", "--json"]));
    st.diagnostic(`page: ${JSON.stringify(continuation)}; CLI: ${JSON.stringify(sample.text)} (${sample.reason})`);
    // The CLI stops at an end-of-text token; the page's greedy run does not.
    if (sample.reason === "length") assert.equal(sample.text, continuation);
    else assert.ok(continuation.startsWith(sample.text), `${sample.text} starts ${continuation}`);
    const textFile = join(dir, "text.txt");
    writeFileSync(textFile, TEXT);
    const evaluated = JSON.parse(run(["eval", "--text", textFile, "--json"]));
    st.diagnostic(`tumbler eval on the training text: ${evaluated.loss.toFixed(3)} nats/token, ${evaluated.bits_per_byte.toFixed(3)} bits/byte`);
    assert.ok(evaluated.loss < Math.log(vocab) - 0.5, `below a uniform guess: ${evaluated.loss}`);
  });
});

// The page trains on the CPU (burn's flex backend in the worker) in both runs, so the WebGPU run
// would time the same thing on the same cores.
const CPU_TRAINING = BACKEND === "webgpu" && "the page trains on the CPU in both runs: the CPU run times it";

test("training: a training step's time per model size, in the worker", { skip: CPU_TRAINING }, async (t) => {
  const { page, context, problems } = await openLive(env, "training");
  const panel = page.locator("[data-live='own-training']");
  const text = readFileSync(join(DIST, "public/model/heldout.txt"), "utf8");
  await panel.locator("textarea.own-text").fill(text);
  const times = {};
  for (const preset of ["tiny", "small", "tumbler"]) {
    await panel.locator("select.own-preset").selectOption(preset);
    await panel.locator("button.own-start").click();
    // The speed is the mean of the last ten steps: steps 2–11, the first (allocation) left out.
    await page.waitForFunction(() => Number(document.querySelector(".own-stats")?.dataset.step) >= 11, null, { timeout: WAIT_MS });
    times[preset] = {
      ms_per_step: await stat(page, "ms-per-step"),
      params: Number(await panel.locator(".own-about").getAttribute("data-params")),
      tokens_per_step: Number(await panel.locator(".own-about").getAttribute("data-tokens-per-step")),
    };
    await panel.locator("button.own-stop").click();
    await page.waitForFunction(() => document.querySelector("[data-live='own-training']")?.dataset.ownState === "stopped", null, { timeout: WAIT_MS });
    t.diagnostic(`${preset}: ${JSON.stringify(times[preset])}`);
    assert.ok(times[preset].ms_per_step > 0);
  }
  writeFileSync(join(await artifacts(), "own-steps.json"), JSON.stringify({ backend: BACKEND, trained_on: "cpu (flex, wasm)", presets: times }, null, 2));
  assert.deepEqual(problems, []);
  await context.close();
});
