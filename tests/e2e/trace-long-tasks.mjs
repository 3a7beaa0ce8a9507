// Records a Chromium trace of one greedy generation on the inference chapter (the e2e test
// "greedy generation streams tokens … without long tasks") and prints every main-thread task over
// 50 ms with the events inside it that took longest, to find what a long task is.
//
//   TUMBLER_E2E_BACKEND=cpu node tests/e2e/trace-long-tasks.mjs [out.json]
//
// Measures the release build in dist/ (`trunk build --release`).
import { writeFileSync } from "node:fs";
import { serve, launch, openLive } from "./harness.mjs";

const out = process.argv[2] ?? "/tmp/tumbler-trace.json";
const server = await serve();
const browser = await launch();
const { page, context } = await openLive({ browser, server }, "inference", "t=0");
await browser.startTracing(page, {
  categories: [
    "devtools.timeline", "disabled-by-default-devtools.timeline", "blink", "blink.user_timing",
    "v8", "v8.execute", "toplevel", "disabled-by-default-devtools.timeline.stack", "fonts", "ipc", "mojom", "gpu", "cc",
  ],
});
// The panel's own first run (a few tokens on the default prompt) ends before Generate is pressed.
await page.waitForSelector('.live-generate [data-live-state="result"]', { timeout: 180_000 });
await page.click(".live-generate button.generate");
await page.waitForFunction(() => document.querySelector(".live-generate .small")?.textContent.startsWith("The model"), null, { timeout: 180_000 });
const buf = await browser.stopTracing();
writeFileSync(out, buf);
await context.close();
await browser.close();
await server.close();

const events = JSON.parse(buf.toString()).traceEvents ?? JSON.parse(buf.toString());
const threadName = new Map();
for (const e of events) if (e.ph === "M" && e.name === "thread_name") threadName.set(`${e.pid}:${e.tid}`, e.args.name);
const main = (e) => threadName.get(`${e.pid}:${e.tid}`) === "CrRendererMain";
const complete = events.filter((e) => e.ph === "X" && main(e));
const tasks = complete.filter((e) => ["ThreadControllerImpl::RunTask", "RunTask"].includes(e.name) && e.dur > 50_000);
console.log(`${tasks.length} main-thread tasks over 50 ms (trace in ${out})`);
for (const t of tasks) {
  console.log(`task at ${(t.ts / 1000).toFixed(1)} ms: ${(t.dur / 1000).toFixed(1)} ms`);
  const inside = complete
    .filter((e) => e !== t && e.ts >= t.ts && e.ts + (e.dur ?? 0) <= t.ts + t.dur && e.dur > 5_000)
    .sort((a, b) => b.dur - a.dur)
    .slice(0, 25);
  for (const e of inside) console.log(`  ${(e.dur / 1000).toFixed(1).padStart(7)} ms  ${e.name} ${JSON.stringify(e.args?.data ?? e.args ?? {}).slice(0, 160)}`);
}
