// The largest checkpoint the page's engine loads, per backend: opens each folder named on the
// command line (config.json, tokenizer.json, model.safetensors; `tumbler foreign --width W
// --layers L --dtype f16 --out DIR` writes them) through the Model menu in a fresh page, and
// prints one JSON line per folder: the outcome, the worker's time to read, check and build it, its
// decode speed (8 tokens after 8 untimed) and the page's message.
//
//   TUMBLER_E2E_BACKEND=cpu node tests/e2e/byom-sizes.mjs /tmp/m1 /tmp/m2 …

import { statSync } from "node:fs";
import { join } from "node:path";
import { BACKEND, serve, launch, openPage, chapterUrl, READY_MS, keepWorkers, askEngine } from "./harness.mjs";

const dirs = process.argv.slice(2);
const server = await serve();
const browser = await launch();
try {
  for (const dir of dirs) {
    const files = ["config.json", "tokenizer.json", "model.safetensors"].map((f) => join(dir, f));
    const { page, context } = await openPage(browser, server.origin);
    await page.addInitScript(keepWorkers);
    await page.goto(chapterUrl(server.origin, "sampling"));
    await page.waitForFunction(() => document.querySelector("[data-engine-state]")?.dataset.engineState === "ready", null, { timeout: READY_MS });
    await page.locator("details.engine-open summary").click();
    const t0 = Date.now();
    await page.locator("input[data-open-model]").setInputFiles(files);
    await page.waitForFunction(
      () => ["opened", "failed"].includes(document.querySelector("[data-open-message]")?.dataset.openMessage),
      null,
      { timeout: 600_000 },
    );
    const wall = Date.now() - t0;
    const message = page.locator("[data-open-message]");
    const outcome = await message.getAttribute("data-open-message");
    const result = {
      backend: BACKEND,
      dir,
      bytes: statSync(files[2]).size,
      outcome,
      params: Number(await message.getAttribute("data-params")) || null,
      worker_ms: Number(await message.getAttribute("data-millis")) || null,
      wall_ms: wall,
      message: await message.innerText(),
    };
    if (outcome === "opened") {
      result.decoding_on = await page.locator("[data-engine-state]").getAttribute("data-backend");
      result.decode_ms_per_token = await askEngine(page, { kind: "DecodeSpeed", tokens: 8 })
        .then((speed) => speed.ms_per_token)
        .catch((e) => e.message);
    }
    console.log(JSON.stringify(result));
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
