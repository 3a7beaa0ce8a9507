// The RAG chapter's live parts: the guide's full text (public/guide/text.json, read from the built
// pages by guide-text.mjs) chunked in the page, chunks ranked by word-vector embeddings computed
// in the page (GloVe, rarity-weighted mean), and the built prompt, fitted to the chat model's
// window with its own tokenizer, sent to the Tumbler's chat model, whose greedy reply is compared
// with `tumbler sample` on the same prompt in a subtest named "native: …".

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DIST, useBrowser, openLive, openPage, chapterUrl, chapters, artifacts, assertNoLongTask, READY_MS, TUMBLER_BIN, nativeCheck, ENGINE_FREE } from "./harness.mjs";
import { TEXT_FILE, prose } from "./guide-text.mjs";

const env = useBrowser();
const MODELS = join(DIST, "public/model");
const HAS_MODELS = ["base", "chat"].every((m) => existsSync(join(MODELS, m, "model.safetensors")));
const NO_MODELS = `no base and chat models in ${MODELS}`;

test("rag: passages ranked by word-vector embeddings, and the prompt answered by the chat model as natively", { skip: !HAS_MODELS && NO_MODELS }, async (t) => {
  // The whole guide, chunked in the page: many more chunks than chapters; smaller chunks, more.
  const counts = {};
  for (const w of [80, 30]) {
    const { page, context, problems } = await openPage(env.browser, env.server.origin);
    await page.goto(chapterUrl(env.server.origin, "rag", { query: `w=${w}` }));
    await page.waitForSelector(".rag-hits[data-chunks]", { timeout: READY_MS });
    counts[w] = Number(await page.getAttribute(".rag-hits", "data-chunks"));
    for (const text of await page.$$eval(".rag-chunk", (els) => els.map((e) => e.textContent))) {
      assert.ok(text.split(/\s+/).filter(Boolean).length <= w, `a chunk over ${w} words: ${text}`);
    }
    assert.deepEqual(problems, []);
    await context.close();
  }
  t.diagnostic(`chunks: ${counts[80]} of ≤80 words, ${counts[30]} of ≤30`);
  assert.ok(counts[80] > 2 * chapters().length, `${counts[80]} chunks`);
  assert.ok(counts[30] > counts[80], `w=30: ${counts[30]} chunks, w=80: ${counts[80]}`);

  const { page, context, problems, longTasks } = await openLive(env, "rag");
  const embedding = page.locator('input[name="rag-ranking"]').nth(2);
  await page.waitForFunction(() => !document.querySelectorAll('input[name="rag-ranking"]')[2]?.disabled, null, { timeout: READY_MS });
  await embedding.check();
  await page.waitForSelector('.rag-ranking[data-ranking="Embedding"]');
  const scores = await page.$$eval(".rag-hits tr[data-rag-slug]", (trs) => trs.map((tr) => Number(tr.dataset.embedding)));
  assert.ok(scores.length >= 1, "passages ranked by embedding");
  assert.ok(scores.every((s) => s >= -1 && s <= 1), scores.join(", "));
  for (let i = 1; i < scores.length; i++) assert.ok(scores[i - 1] >= scores[i], `ranked: ${scores.join(", ")}`);
  // The default question is about hallucination: its chapter comes first by embedding too.
  const first = await page.getAttribute(".rag-hits tr[data-rag-slug]", "data-rag-slug");
  t.diagnostic(`first by embedding: ${first}; scores ${scores.map((s) => s.toFixed(3)).join(", ")}`);

  // The prompt is fitted to the chat model's window with its own tokenizer.
  await page.waitForSelector(".rag-fit[data-prompt-tokens]", { timeout: READY_MS });
  const fit = await page.$eval(".rag-fit", (e) => ({ sent: Number(e.dataset.sourcesSent), tokens: Number(e.dataset.promptTokens), budget: Number(e.dataset.budget) }));
  assert.ok(fit.sent >= 1, `sources sent: ${fit.sent}`);
  assert.ok(fit.tokens <= fit.budget, `${fit.tokens} prompt tokens, budget ${fit.budget}`);
  t.diagnostic(`prompt: ${fit.sent} sources, ${fit.tokens} of ${fit.budget} tokens`);

  await page.locator(".rag-demo button.generate").click();
  const reply = page.locator('[data-live="rag"]');
  await page.waitForFunction(() => document.querySelector('[data-live="rag"]')?.dataset.done, null, { timeout: READY_MS });
  const shown = { text: await reply.getAttribute("data-reply"), prompt: await reply.getAttribute("data-prompt") };
  assert.ok(shown.prompt.includes("[1]"), "the sources went into the prompt");
  await nativeCheck(t, "the chat model's greedy reply from `tumbler sample`", () => {
    const messages = [{ role: "user", text: shown.prompt }];
    const args = ["sample", "--messages", JSON.stringify(messages), "--max-tokens", "48", "--temperature", "0", "--seed", "0", "--json", "--model", join(MODELS, "chat")];
    const native = JSON.parse(execFileSync(TUMBLER_BIN, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
    assert.equal(shown.text, native.text);
  });
  await page.locator(".rag-demo").screenshot({ path: join(await artifacts(), "rag.png") });
  assertNoLongTask(await longTasks(), "while ranking and asking");
  assert.deepEqual(problems, []);
  await context.close();
});

// The shipped text is what the pages say now: every chapter, titled as in the registry, and for a
// spread of chapters the prose the page shows is (almost all) in the file. A paragraph may hold a
// number computed live, so a few may differ; a stale file differs in many.
test("rag: the guide's shipped text matches its pages", { skip: ENGINE_FREE }, async (t) => {
  const shipped = JSON.parse(readFileSync(TEXT_FILE, "utf8")).chapters;
  const stale = "public/guide/text.json is stale: run `node tests/e2e/guide-text.mjs` after `cargo xtask build` and commit it";
  assert.deepEqual(shipped.map((c) => [c.slug, c.title]), chapters(), stale);
  const { page, context, problems } = await openPage(env.browser, env.server.origin);
  for (const slug of ["pretraining-data", "tokens", "attention", "hallucination", "rag", "agents"]) {
    await page.goto(chapterUrl(env.server.origin, slug));
    await page.waitForSelector(`.chapter[data-chapter="${slug}"]`);
    const now = await prose(page);
    const file = new Set(shipped.find((c) => c.slug === slug).paragraphs);
    const missing = now.filter((p) => !file.has(p));
    t.diagnostic(`${slug}: ${now.length} paragraphs, ${missing.length} not in the file`);
    assert.ok(now.length > 0, `${slug}: no prose read`);
    assert.ok(missing.length <= Math.max(1, now.length / 10), `${stale}. ${slug} now says: ${missing.slice(0, 3).join(" | ")}`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});
