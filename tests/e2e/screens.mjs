// Full-page screenshots of every chapter, for a person to look at: at 1366 and 360 px, light and
// dark, each taken once the chapter's live panels have settled (every `data-live-state` is
// `result`, `idle` or `error`, or 8 s have passed). Not a test: it writes
// tests/e2e/artifacts/screens/<slug>-<width>-<theme>.png.
//
//   TUMBLER_E2E_BACKEND=cpu node tests/e2e/screens.mjs [slug …]

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ROOT, chapters, serve, launch, chapterUrl } from "./harness.mjs";

const OUT = join(ROOT, "tests", "e2e", "artifacts", "screens");
const WIDTHS = [
  [1366, 768],
  [360, 740],
];
const THEMES = ["light", "dark"];
const SETTLE_MS = 8_000;

const wanted = process.argv.slice(2);
const slugs = chapters().map(([s]) => s).filter((s) => wanted.length === 0 || wanted.includes(s));
await mkdir(OUT, { recursive: true });
const server = await serve(0, { compress: true });
const browser = await launch();
for (const [width, height] of WIDTHS) {
  const phone = width < 600;
  const context = await browser.newContext({ viewport: { width, height }, isMobile: phone, hasTouch: phone, serviceWorkers: "block" });
  const page = await context.newPage();
  await page.goto(chapterUrl(server.origin, "arc"));
  await page.waitForFunction(() => ["ready", "error"].includes(document.querySelector("[data-engine-state]")?.dataset.engineState), null, { timeout: 180_000 });
  for (const slug of slugs) {
    await page.evaluate((s) => (location.hash = `#/${s}`), slug);
    await page.locator(`section[data-chapter="${slug}"] .chapter-body`).waitFor({ timeout: 20_000 });
    await page
      .waitForFunction(
        () => [...document.querySelectorAll("[data-live-state]")].every((el) => ["result", "idle", "error"].includes(el.dataset.liveState)),
        null,
        { timeout: SETTLE_MS, polling: 200 },
      )
      .catch(() => {});
    // Streams and animations finish; charts lay out.
    await page.waitForTimeout(1_500);
    for (const theme of THEMES) {
      await page.evaluate((th) => (document.documentElement.dataset.theme = th), theme);
      await page.evaluate(() => window.scrollTo(0, 0));
      // Colours change with a transition (0.3 s at most, as a11y.test waits): shoot what they
      // settle to, not a flow box caught halfway between the themes.
      await page.waitForTimeout(400);
      const path = join(OUT, `${slug}-${width}-${theme}.png`);
      await page.screenshot({ path, fullPage: true });
    }
    console.log(`${width} ${slug}`);
  }
  await context.close();
}
await browser.close();
await server.close();

