// The RAG chapter's live parts: passages ranked by word-vector embeddings computed in the page
// (GloVe, rarity-weighted mean), and the built prompt sent to the Tumbler's chat model, whose
// greedy reply is compared with `tumbler sample` on the same prompt in a subtest named "native: …".

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DIST, useBrowser, openLive, artifacts, assertNoLongTask, READY_MS, TUMBLER_BIN, nativeCheck } from "./harness.mjs";

const env = useBrowser();
const MODELS = join(DIST, "public/model");
const HAS_MODELS = ["base", "chat"].every((m) => existsSync(join(MODELS, m, "model.safetensors")));
const NO_MODELS = `no base and chat models in ${MODELS}`;

test("rag: passages ranked by word-vector embeddings, and the prompt answered by the chat model as natively", { skip: !HAS_MODELS && NO_MODELS }, async (t) => {
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
