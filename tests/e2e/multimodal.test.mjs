// The multimodal chapter's spectrogram: computed in the page from the sliders (98 frames × 80 mel
// bands for one second), cut into as many audio tokens as the patch size gives, redrawn quickly
// when a slider moves, kept in the URL, readable in both themes and at 360 px.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { useBrowser, openPage, chapterUrl, artifacts, ENGINE_FREE } from "./harness.mjs";

const env = useBrowser();

const SPEC = 'section[data-chapter="multimodal"] .audio-spec svg';

/** The spectrogram's sizes, token counts and picture, as the page shows them. */
async function state(page) {
  return page.$eval(SPEC, (svg) => {
    const panel = svg.closest(".audio-panel");
    return {
      frames: Number(svg.dataset.audioFrames),
      bands: Number(svg.dataset.audioBands),
      tokens: Number(panel.querySelector("[data-audio-tokens]").dataset.audioTokens),
      whisper: Number(panel.querySelector("[data-whisper-tokens]").dataset.whisperTokens),
      summary: panel.querySelector("[data-audio-tokens]").textContent.replace(/\u00a0/g, " "),
      picture: svg.querySelector("image").getAttribute("href"),
      sound: panel.querySelector("audio").getAttribute("src"),
    };
  });
}

/** Moves slider `index` of the audio panel to `value` as a reader's drag would; returns the ms
 * until the next frame is painted. */
async function slide(page, index, value) {
  return page.evaluate(
    ([sel, i, v]) =>
      new Promise((done) => {
        const input = document.querySelectorAll(sel)[i];
        const start = performance.now();
        input.value = String(v);
        input.dispatchEvent(new Event("input", { bubbles: true }));
        requestAnimationFrame(() => done(performance.now() - start));
      }),
    ['section[data-chapter="multimodal"] .audio-controls input[type="range"]', index, value],
  );
}

test("the spectrogram is computed, patched and redrawn from the sliders", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPage(env.browser, env.server.origin);
  await page.goto(chapterUrl(env.server.origin, "multimodal"));
  await page.waitForSelector(SPEC, { timeout: 20_000 });
  const first = await state(page);
  assert.equal(first.frames, 98, "1 + (16000 − 400) / 160 frames");
  assert.equal(first.bands, 80);
  assert.equal(first.tokens, 30, "16 × 16 patches: 5 rows × 6 columns");
  assert.equal(first.whisper, 49);
  assert.match(first.summary, /5 rows × 6 columns = 30 audio tokens, each 256 numbers/);
  assert.match(first.picture, /^data:image\/bmp;base64,/);
  assert.match(first.sound, /^data:audio\/wav;base64,/);
  // The picture decodes to one pixel per frame and band.
  const size = await page.evaluate(async (src) => {
    const img = new Image();
    img.src = src;
    await img.decode();
    return [img.naturalWidth, img.naturalHeight];
  }, first.picture);
  assert.deepEqual(size, [98, 80]);

  const ms = [];
  ms.push(await slide(page, 2, 10));
  const patched = await state(page);
  assert.equal(patched.tokens, 72, "10 × 10 patches: 8 rows × 9 columns");
  assert.equal(patched.picture, first.picture, "the patch size does not change the sound");
  assert.match(patched.summary, /the last 8 frames/);
  ms.push(await slide(page, 1, 1000));
  const chord = await state(page);
  assert.notEqual(chord.picture, first.picture, "a new chord redraws the spectrogram");
  assert.notEqual(chord.sound, first.sound, "and the sound");
  ms.push(await slide(page, 0, 7000));
  const last = await state(page);
  assert.notEqual(last.picture, chord.picture, "a higher chirp redraws it");
  console.log(`slider → painted: ${ms.map((m) => m.toFixed(1)).join(", ")} ms`);
  assert.ok(Math.max(...ms) < 250, `redraws within 250 ms: ${ms.join(", ")}`);

  // The settings are in the URL, so a reload shows the same thing.
  await page.waitForFunction(() => location.hash.includes("apatch=10"));
  await page.reload();
  await page.waitForSelector(SPEC);
  assert.deepEqual(await state(page), last);
  assert.deepEqual(problems, []);
  await context.close();
});

test("screenshots: the spectrogram in light, dark and at 360 px", { skip: ENGINE_FREE }, async () => {
  const out = await artifacts();
  for (const [name, viewport] of [
    ["wide", { width: 1280, height: 900 }],
    ["narrow", { width: 360, height: 800 }],
  ]) {
    const { page, context, problems } = await openPage(env.browser, env.server.origin, viewport);
    await page.goto(chapterUrl(env.server.origin, "multimodal"));
    await page.waitForSelector(SPEC, { timeout: 20_000 });
    const panel = page.locator('section[data-chapter="multimodal"] .audio-panel');
    for (const theme of ["light", "dark"]) {
      await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);
      await panel.screenshot({ path: join(out, `multimodal-audio-${name}-${theme}.png`) });
    }
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > innerWidth);
    assert.equal(overflow, false, `no sideways scroll at ${viewport.width} px`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});
