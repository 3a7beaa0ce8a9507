// The thinking chapter's picture: the dots the question asks about are drawn from the counts in
// the URL (or the sliders), and the illustrative trace and answer follow the real count.

import { test } from "node:test";
import assert from "node:assert/strict";
import { ENGINE_FREE, useBrowser, openPage, chapterUrl } from "./harness.mjs";

const env = useBrowser();

test("thinking: the picture has the dots the trace counts", { skip: ENGINE_FREE }, async () => {
  const { page, context, problems } = await openPage(env.browser, env.server.origin);
  await page.goto(chapterUrl(env.server.origin, "thinking", { query: "outer=12&inner=9" }));
  await page.waitForSelector(".think-rings circle");
  assert.equal(await page.locator(".think-rings circle.think-outer").count(), 12);
  assert.equal(await page.locator(".think-rings circle.think-inner").count(), 9);
  assert.equal(await page.getAttribute("[data-dots]", "data-dots"), "21");
  assert.equal(await page.getAttribute(".think-answer[data-answer]", "data-answer"), "21");
  assert.match(await page.locator(".think-trace").innerText(), /12\s\+\s9\s=\s21/);
  assert.deepEqual(problems, []);
  await context.close();
});
