// The chapters that talk to the fine-tuned Tumbler (inference's chat, sft's base-vs-chat,
// hallucination's names). The worker loads the chat model on the first request for it; every
// answer is compared with the native `tumbler sample --json` on the same weights files
// (dist/public/model/{base,chat}): the same token ids, text, probabilities and ending.
//
// The CLI is $TUMBLER_BIN, else the newest of $CARGO_TARGET_DIR (or target/) {release,debug}/tumbler
// (`cargo build -p tumbler-model --bin tumbler`). Each comparison with it is a subtest named
// "native: …", skipped by name without it; the page-side assertions run either way.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ROOT, DIST, SLOW_ON_SWIFTSHADER, useBrowser, openPage, chapterUrl, artifacts, TUMBLER_BIN, nativeCheck, READY_MS } from "./harness.mjs";

const MODELS = join(DIST, "public/model");
const HAS_MODEL = ["base", "chat"].every((m) => ["config.json", "model.safetensors"].every((f) => existsSync(join(MODELS, m, f))));
const NO_MODEL = `no base and chat models in ${MODELS}`;
const TOLERANCE = 1e-4;
// The ids of the template's special tokens in the Tumbler's tokenizer.json.
const IM_START = 1;
const IM_END = 2;

const BIN = TUMBLER_BIN;

/** The native answer of `model` ("base" or "chat") to `messages`: {prompt_ids, tokens, text, reason}. */
function native(model, messages, { maxTokens, temperature = 0, seed = 0 }) {
  const args = ["sample", "--messages", JSON.stringify(messages), "--max-tokens", String(maxTokens), "--temperature", String(temperature), "--seed", String(seed), "--json", "--model", join(MODELS, model)];
  return JSON.parse(execFileSync(BIN, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
}

/** Asserts that a reply read from the page is the native one. */
function assertSame(shown, expected, what) {
  assert.deepEqual(shown.ids, expected.tokens.map((t) => t.id), `${what}: the same tokens (page ${JSON.stringify(shown.text)}, native ${JSON.stringify(expected.text)})`);
  assert.equal(shown.text, expected.text, `${what}: the same text`);
  assert.equal(shown.reason, expected.reason, `${what}: the same ending`);
  for (const [i, p] of shown.ps.entries()) {
    assert.ok(Math.abs(p - expected.tokens[i].p) < TOLERANCE, `${what}: p of token ${i} page ${p} vs native ${expected.tokens[i].p}`);
  }
}

/** Reads a reply element: its data attributes and its tokens. */
async function readReply(locator) {
  return locator.evaluate((el) => ({
    text: el.dataset.generated,
    reason: el.dataset.reason ?? null,
    ids: [...el.querySelectorAll(".prob-token")].map((t) => +t.dataset.tokenId),
    ps: [...el.querySelectorAll(".prob-token")].map((t) => Number(t.dataset.p)),
  }));
}

const env = useBrowser();

async function open(slug, query = "") {
  const { page, context, problems } = await openPage(env.browser, env.server.origin);
  await page.goto(chapterUrl(env.server.origin, slug, { query }));
  await page.waitForFunction(
    () => ["ready", "error"].includes(document.querySelector("[data-engine-state]")?.dataset.engineState),
    null,
    { timeout: READY_MS },
  );
  const status = page.locator("[data-engine-state]");
  assert.equal(await status.getAttribute("data-engine-state"), "ready", await status.innerText());
  return { page, context, problems };
}

test("inference: a chat with the fine-tuned Tumbler, each reply the native greedy one, ended by <|im_end|>", { skip: (!HAS_MODEL && NO_MODEL) || SLOW_ON_SWIFTSHADER }, async (t) => {
  const { page, context, problems } = await open("inference");
  const chatFiles = [];
  page.on("request", (r) => {
    if (r.url().includes("/public/model/chat/")) chatFiles.push(new URL(r.url()).pathname);
  });
  await page.waitForTimeout(500);
  assert.deepEqual(chatFiles, [], "the chat model is not fetched before a chat needs it");
  const panel = page.locator(".live-chat");
  const reply = panel.locator(".chat-reply");
  // Before anything is sent, the template shows the message being typed and the assistant's
  // opening, and follows the typing.
  const template = panel.locator(".chat-template");
  assert.equal(await panel.locator(".chat-preview").count(), 1, "the template is marked a preview");
  await panel.locator('input[aria-label="Your message"]').fill("Hello there");
  await page.waitForFunction(() => document.querySelector(".live-chat .chat-template")?.textContent.includes("Hello there"));
  assert.deepEqual(
    await panel.locator(".chat-template .special-token").allTextContents(),
    ["<|im_start|>", "<|im_end|>", "<|im_start|>"],
    `the typed message's turn and the assistant's opening: ${await template.textContent()}`,
  );
  const messages = [];
  const say = async (text) => {
    await panel.locator('input[aria-label="Your message"]').fill(text);
    const started = Date.now();
    await panel.locator("button.generate").click();
    await page.waitForFunction(() => document.querySelector(".live-chat .chat-reply")?.dataset.done === "true", null, { timeout: READY_MS });
    const shown = await readReply(reply);
    t.diagnostic(`“${text}” → ${JSON.stringify(shown.text)} (${shown.ids.length} tokens, ${shown.reason}, ${Date.now() - started} ms)`);
    messages.push({ role: "user", text });
    return shown;
  };

  const first = await say("What is Python?");
  assert.ok(chatFiles.some((f) => f.endsWith("/chat/model.safetensors")), `the chat model's weights were fetched: ${chatFiles}`);
  assert.ok(first.ids.length > 0, "the model wrote something");
  assert.ok(["end_of_turn", "length"].includes(first.reason), first.reason);
  const specials = async () => panel.locator(".chat-template .special-token").allTextContents();
  if (first.reason === "end_of_turn") {
    assert.deepEqual(await specials(), ["<|im_start|>", "<|im_end|>", "<|im_start|>", "<|im_end|>"], "the template with the closed reply");
  }
  assert.equal(await panel.locator("[data-chat-model]").count(), 0, "the chat model's loading note is gone");
  await nativeCheck(t, "first turn", () => assertSame(first, native("chat", messages, { maxTokens: 64 }), "first turn"));
  messages.push({ role: "assistant", text: first.text });

  // A second turn: the whole conversation goes back to the model.
  const second = await say("Why?");
  assert.equal(await panel.locator(".chat-msg[data-role=user]").count(), 2);
  assert.equal((await specials()).filter((s) => s === "<|im_start|>").length, 4, "user, assistant, user, assistant");
  await nativeCheck(t, "second turn", () => assertSame(second, native("chat", messages, { maxTokens: 64 }), "second turn"));
  messages.push({ role: "assistant", text: second.text });

  // The reader's text is text: markup and a typed end marker stay characters.
  await say("<b>bold</b> <|im_end|>");
  assert.equal(await panel.locator("b").count(), 0, "user text is never HTML");
  assert.ok((await panel.locator(".chat-msg[data-role=user]").last().textContent()).includes("<|im_end|>"));
  await page.locator(".live-chat").screenshot({ path: join(await artifacts(), "chat-inference.png") });

  // Another conversation starts empty.
  await panel.locator("button.restart").click();
  assert.equal(await panel.locator(".chat-msg[data-role=user]").count(), 0);
  assert.equal(await panel.locator(".chat-preview").count(), 1, "a new conversation previews the next message again");
  assert.deepEqual(problems, []);
  await context.close();
});

test("sft: the template tokenized live; base and fine-tuned answer the same prompt differently, as natively", { skip: (!HAS_MODEL && NO_MODEL) || SLOW_ON_SWIFTSHADER }, async (t) => {
  const { page, context, problems } = await open("sft");
  const ids = () => page.$$eval('.live-template [data-tokenizer="tumbler"] [data-token-id]', (cs) => cs.map((c) => +c.dataset.tokenId));
  await page.waitForFunction(() => document.querySelectorAll('.live-template [data-tokenizer="tumbler"] [data-token-id]').length > 0, null, { timeout: READY_MS });
  const before = await ids();
  assert.equal(before.filter((i) => i === IM_START).length, 2, `two turns open: ${before}`);
  assert.equal(before.filter((i) => i === IM_END).length, 2, `two turns close: ${before}`);
  await page.locator(".live-template input").first().fill("Hi <|im_end|> there");
  await page.waitForFunction((n) => document.querySelectorAll('.live-template [data-tokenizer="tumbler"] [data-token-id]').length !== n, before.length);
  const typed = await ids();
  assert.equal(typed.filter((i) => i === IM_END).length, 2, "a typed <|im_end|> is characters, not the token");

  const question = 'What does "harbor" mean?';
  const bothDone = () =>
    page.waitForFunction(() => {
      const runs = [...document.querySelectorAll(".compare-run")];
      return runs.length === 2 && runs.every((r) => r.dataset.done === "true");
    }, null, { timeout: READY_MS });
  // The panel answers its default question by itself once the model is ready: let that run end,
  // or the click below would stop it.
  await bothDone();
  await page.locator('input[aria-label="Question for both models"]').fill(question);
  await page.click(".live-sft button.generate");
  await bothDone();
  const base = await readReply(page.locator('.compare-run[data-model="base"]'));
  const chat = await readReply(page.locator('.compare-run[data-model="chat"]'));
  t.diagnostic(`base: ${JSON.stringify(base.text)} (${base.reason}); chat: ${JSON.stringify(chat.text)} (${chat.reason})`);
  assert.ok(base.ids.length > 0 && chat.ids.length > 0);
  assert.notDeepEqual(base.ids, chat.ids, "fine-tuning changed the answer");
  await nativeCheck(t, "base and chat answers", () => {
    const messages = [{ role: "user", text: question }];
    assertSame(base, native("base", messages, { maxTokens: 48 }), "base");
    assertSame(chat, native("chat", messages, { maxTokens: 48 }), "chat");
  });
  await page.locator(".live-sft").screenshot({ path: join(await artifacts(), "chat-sft.png") });
  await page.locator(".live-template").screenshot({ path: join(await artifacts(), "chat-sft-template.png") });
  assert.deepEqual(problems, []);
  await context.close();
});

test("hallucination: known and invented names asked of the fine-tuned Tumbler, each answer as natively", { skip: (!HAS_MODEL && NO_MODEL) || SLOW_ON_SWIFTSHADER }, async (t) => {
  const { page, context, problems } = await open("hallucination", "name=Orson%20Kovats");
  const allDone = () =>
    page.waitForFunction(() => {
      const cells = [...document.querySelectorAll(".hallu-answer")];
      return cells.length === 12 && cells.every((c) => c.dataset.done === "true");
    }, null, { timeout: READY_MS });
  // The panel asks the names by itself once the model is ready: let that end, then ask again, as
  // a reader would (the same settings give the same answers).
  await allDone();
  await page.click(".live-hallucination button.hallu-ask");
  await allDone();
  const rows = await page.$$eval(".hallu-row", (rs) =>
    rs.map((r) => ({ known: r.dataset.known === "true", question: r.querySelector(".hallu-name").textContent, input: r.querySelector("input")?.value ?? null })),
  );
  assert.deepEqual(rows.map((r) => r.known), [true, true, true, false]);
  const names = ["Moses", "Captain Ahab", "Abraham Lincoln", "Orson Kovats"];
  for (const [i, row] of (await page.locator(".hallu-row").all()).entries()) {
    const cells = await row.locator(".hallu-answer").all();
    const answers = [];
    for (const cell of cells) {
      const shown = await readReply(cell);
      shown.kind = await cell.getAttribute("data-kind");
      shown.mean = Number(await cell.getAttribute("data-mean-p"));
      answers.push(shown);
      assert.ok(shown.ids.length > 0, `${names[i]}: an answer`);
      assert.ok(shown.mean > 0 && shown.mean <= 1, `${names[i]}: mean p ${shown.mean}`);
    }
    t.diagnostic(`${names[i]}: ${answers.map((a) => `${a.kind}: ${JSON.stringify(a.text)} (mean p ${a.mean.toFixed(2)})`).join(" | ")}`);
    await nativeCheck(t, `the answers about ${names[i]}`, () => {
      const messages = [{ role: "user", text: `What does "${names[i]}" mean?` }];
      const settings = [{ temperature: 0, seed: 0 }, { temperature: 1, seed: 1 }, { temperature: 1, seed: 2 }];
      for (const [k, s] of settings.entries()) {
        const expected = native("chat", messages, { maxTokens: 32, ...s });
        assert.deepEqual(answers[k].ids, expected.tokens.map((x) => x.id), `${names[i]} ${answers[k].kind}: page ${JSON.stringify(answers[k].text)} vs native ${JSON.stringify(expected.text)}`);
      }
    });
    if (i === 3) assert.notDeepEqual(answers[1].ids, answers[2].ids, "two seeds, two different inventions");
  }
  await page.locator(".live-hallucination").screenshot({ path: join(await artifacts(), "chat-hallucination.png") });
  assert.deepEqual(problems, []);
  await context.close();
});
