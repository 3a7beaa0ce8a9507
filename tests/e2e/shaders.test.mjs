// Every WGSL kernel in shaders/ compiles in Chromium's own shader compiler (Tint) and makes a
// compute pipeline. The native kernel tests use naga, which accepts things Tint refuses (a float
// literal that rounds past f32::MAX did exactly that, and the page's first WebGPU forward pass
// failed with `Invalid ShaderModule`). Only the WebGPU run has an adapter to ask.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { BACKEND, ROOT, useBrowser, openPage } from "./harness.mjs";

const env = useBrowser();
const SHADERS = join(ROOT, "shaders");
const files = readdirSync(SHADERS).filter((f) => f.endsWith(".wgsl")).sort();

test("shaders/ holds the kernels", () => {
  assert.ok(files.length >= 2, `expected WGSL files in ${SHADERS}, found ${files.join(", ")}`);
});

for (const file of files) {
  test(`${file} compiles in Chromium's WebGPU and makes a compute pipeline`, {
    skip: BACKEND === "cpu" && "the CPU run has no WebGPU adapter",
  }, async () => {
    const { page, context } = await openPage(env.browser, env.server.origin);
    // A blank page on our origin: WebGPU needs a secure context, which loopback http is.
    const blank = `${env.server.origin}/shader-check`;
    await page.route(blank, (r) => r.fulfill({ contentType: "text/html", body: "<!doctype html>" }));
    await page.goto(blank);
    const code = readFileSync(join(SHADERS, file), "utf8");
    const result = await page.evaluate(async (code) => {
      const adapter = await navigator.gpu?.requestAdapter();
      if (!adapter) return { adapter: false };
      const device = await adapter.requestDevice();
      device.pushErrorScope("validation");
      const module = device.createShaderModule({ code, label: "under test" });
      const info = await module.getCompilationInfo();
      device.createComputePipeline({ layout: "auto", compute: { module, entryPoint: "main" } });
      const error = await device.popErrorScope();
      device.destroy();
      return {
        adapter: true,
        messages: info.messages
          .filter((m) => m.type !== "info")
          .map((m) => `${m.type} at ${m.lineNum}:${m.linePos}: ${m.message}`),
        error: error?.message ?? null,
      };
    }, code);
    await context.close();
    assert.ok(result.adapter, "no WebGPU adapter in the WebGPU run");
    assert.deepEqual(result.messages, [], `${file}: compiler messages`);
    assert.equal(result.error, null, `${file}: pipeline creation failed`);
  });
}
