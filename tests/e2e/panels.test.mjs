// Every live panel shows a real first result on its default input as soon as the engine is ready:
// no blank chart or heading with nothing under it waiting for a first click. Each panel's part
// that needs the model carries `data-live-state` (tests/e2e/README.md): this test walks every
// chapter and fails when one is not `result` 5 s after the chapter opened with the engine ready.
//
// `idle` is accepted only for the panels named in IDLE, each with the reason its job waits for the
// reader. The WebGPU run checks a sample of chapters whose panels use no GPU decoding; the CPU run
// checks them all.

import { test } from "node:test";
import assert from "node:assert/strict";
import { BACKEND, chapters, useBrowser, openLive } from "./harness.mjs";

/** Panels (by class) that start a long job only when the reader asks, and why. */
// The training panels (distillation's students, the tiny model, RLHF, RL, MMoE) start their first
// run by themselves and show its first numbers within the 5 s like any other panel.
const IDLE = {
  "live-chat": "a conversation: the reader writes the first message (the template shows it being typed)",
};
/** How long a panel has after its chapter opens (the engine already ready). */
const FIRST_RESULT_MS = 5_000;
/** The WebGPU run's sample: panels answered by burn's CPU backend in the WebGPU worker too. */
const WEBGPU_SAMPLE = ["attention", "gates", "embeddings", "positions"];

const env = useBrowser();

test("every live panel shows a result on its default input within 5 s of the engine being ready", async (t) => {
  const slugs = chapters().map(([slug]) => slug);
  const walked = BACKEND === "webgpu" ? WEBGPU_SAMPLE : slugs;
  if (BACKEND === "webgpu") {
    t.diagnostic(`WebGPU run: ${walked.join(", ")} only; the others decode dozens of tokens, minutes on SwiftShader's emulated GPU (the CPU run checks every chapter)`);
  }
  const { page, context, problems } = await openLive(env, "arc");
  const failures = [];
  let panels = 0;
  for (const slug of walked) {
    await page.evaluate((s) => (location.hash = `#/${s}`), slug);
    const section = `section[data-chapter="${slug}"]`;
    await page.locator(`${section} .chapter-body`).waitFor({ timeout: 20_000 });
    const settled = await page
      .waitForFunction(
        ({ section, idle }) => {
          const live = [...document.querySelectorAll(`${section} [data-live-state]`)];
          return live.every((el) => {
            const state = el.dataset.liveState;
            const panel = el.closest(".panel");
            const name = [...(panel?.classList ?? [])].find((c) => c in idle);
            return state === "result" || (state === "idle" && name !== undefined);
          });
        },
        { section, idle: IDLE },
        { timeout: FIRST_RESULT_MS, polling: 100 },
      )
      .then(() => true, () => false);
    const states = await page.$$eval(`${section} [data-live-state]`, (els, idle) =>
      els.map((el) => {
        const panel = el.closest(".panel");
        const named = [...(panel?.classList ?? [])].some((c) => c in idle);
        return {
          ok: el.dataset.liveState === "result" || (el.dataset.liveState === "idle" && named),
          panel: panel ? [...panel.classList].filter((c) => c !== "panel").join(".") : "(no panel)",
          heading: panel?.querySelector("h2, h3")?.textContent.trim() ?? "",
          state: el.dataset.liveState,
          says: el.innerText.trim().slice(0, 120),
        };
      }),
      IDLE,
    );
    panels += states.length;
    if (states.length) t.diagnostic(`${slug}: ${states.map((s) => `${s.panel} ${s.state}`).join(", ")}`);
    if (!settled) {
      for (const s of states.filter((s) => !s.ok)) {
        failures.push(`${slug}: "${s.heading}" (${s.panel}) is ${s.state} after ${FIRST_RESULT_MS / 1000} s: ${JSON.stringify(s.says)}`);
      }
    }
  }
  assert.ok(panels > 0, "no [data-live-state] element on any chapter: the contract is gone");
  assert.deepEqual(failures, [], failures.join("\n"));
  assert.deepEqual(problems, []);
  await context.close();
});
