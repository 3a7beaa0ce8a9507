// The chapters that draw the Tumbler's real next-token distribution and per-token loss
// (sampling, softmax, training, loss, dispel-the-magic, distillation). What the page shows is
// compared with the same numbers computed natively by the `tumbler` CLI on the same weights file
// (dist/public/model/base), and no main-thread task may exceed 200 ms while they work.
//
// The CLI is $TUMBLER_BIN, else the newest of $CARGO_TARGET_DIR (or target/) {release,debug}/tumbler
// (`cargo build -p tumbler-model --bin tumbler`; `cargo test --workspace` builds the debug one).
// Each comparison with it is a subtest named "native: …", skipped by name without it; the
// page-side assertions run either way.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, writeFileSync, mkdtempSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ROOT, DIST, SLOW_ON_SWIFTSHADER, useBrowser, openPage, chapterUrl, artifacts, TUMBLER_BIN, nativeCheck, READY_MS } from "./harness.mjs";

const MODEL_DIR = join(DIST, "public/model/base");
const HAS_MODEL = ["config.json", "model.safetensors"].every((f) => existsSync(join(MODEL_DIR, f)));
const NO_MODEL = `no model in ${MODEL_DIR} (config.json + model.safetensors)`;
const TOLERANCE = 1e-4;

const BIN = TUMBLER_BIN;

/** Runs the CLI on the page's own model files. */
function tumbler(args) {
  return execFileSync(BIN, [...args, "--model", MODEL_DIR], { encoding: "utf8", maxBuffer: 64 << 20, stdio: ["ignore", "pipe", "pipe"] });
}

function nativeNext(prompt, { temperature, topK, topP }, top = 12) {
  const args = ["next", "--prompt", prompt, "--temperature", String(temperature), "--top-p", String(topP), "--top", String(top), "--json"];
  if (topK) args.push("--top-k", String(topK));
  return JSON.parse(tumbler(args));
}

const env = useBrowser();

/** A page on `slug` with a long-task recorder; waits for the engine to be ready. */
async function open(slug, query = "") {
  const { page, context, problems } = await openPage(env.browser, env.server.origin);
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: true });
  });
  await page.goto(chapterUrl(env.server.origin, slug, { query }));
  await page.waitForFunction(
    () => ["ready", "error"].includes(document.querySelector("[data-engine-state]")?.dataset.engineState),
    null,
    { timeout: READY_MS },
  );
  const status = page.locator("[data-engine-state]");
  assert.equal(await status.getAttribute("data-engine-state"), "ready", await status.innerText());
  const since = await page.evaluate(() => performance.now());
  const longTasks = async () => {
    await page.waitForTimeout(300);
    return page.evaluate((t0) => window.__longTasks.filter(([s]) => s >= t0).map(([, d]) => d), since);
  };
  return { page, context, problems, longTasks };
}

/** Sets a range input inside `scope` whose label contains `label`. */
async function slide(page, scope, label, value) {
  await page.locator(`${scope} label.slider:has-text("${label}") input`).evaluate((el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }, value);
}

async function readTable(page) {
  return page.$eval(".live-sampling .next-table", (t) => ({
    kept: +t.dataset.keptCount,
    vocab: +t.dataset.vocab,
    read: t.dataset.read,
    rows: [...t.querySelectorAll("tbody tr")].map((r) => ({
      id: +r.dataset.tokenId,
      p: Number(r.dataset.p),
      keptP: Number(r.dataset.keptP),
      kept: r.classList.contains("kept"),
    })),
  }));
}

function compareWithNative(shown, native, what) {
  assert.equal(shown.kept, native.kept.ids.length, `${what}: size of the kept set`);
  assert.deepEqual(
    shown.rows.map((r) => r.id),
    native.top.map((t) => t.id),
    `${what}: the most likely tokens, in order`,
  );
  for (const [i, r] of shown.rows.entries()) {
    const n = native.top[i];
    assert.ok(Math.abs(r.p - n.p) < TOLERANCE, `${what}: p(${n.text}) page ${r.p} vs native ${n.p}`);
    assert.ok(Math.abs(r.keptP - n.kept_p) < TOLERANCE, `${what}: kept p(${n.text}) page ${r.keptP} vs native ${n.kept_p}`);
    assert.equal(r.kept, n.kept_p > 0, `${what}: ${n.text} kept`);
  }
}

test("sampling: the Tumbler's distribution reshaped as the native sampler does, seeded runs repeat", { skip: !HAS_MODEL && NO_MODEL }, async (t) => {
  const prompt = "Once upon a time, there was a little";
  const { page, context, problems, longTasks } = await open("sampling");
  const table = page.locator(".live-sampling .next-table");
  await table.waitFor({ timeout: READY_MS });
  assert.equal(await table.getAttribute("data-read"), prompt);

  const settings = [
    { temperature: 0.8, topK: 0, topP: 0.9 },
    { temperature: 1.3, topK: 5, topP: 1 },
    { temperature: 0, topK: 0, topP: 1 },
    { temperature: 0.5, topK: 20, topP: 0.5 },
  ];
  for (const s of settings) {
    await slide(page, ".live-sampling", "Temperature", s.temperature);
    await slide(page, ".live-sampling", "Top-k", s.topK);
    await slide(page, ".live-sampling", "Top-p", s.topP);
    await page.waitForFunction(
      (s) => {
        const d = document.querySelector(".live-sampling .next-table")?.dataset;
        return d && +d.temperature === s.temperature && (d.topK === "" ? 0 : +d.topK) === s.topK && Math.abs(+d.topP - s.topP) < 1e-6;
      },
      s,
    );
    const shown = await readTable(page);
    assert.equal(shown.rows.length, 12);
    assert.ok(shown.rows.filter((r) => r.kept).length >= 1, "at least one token is kept");
    const what = `T=${s.temperature} k=${s.topK} p=${s.topP}`;
    await nativeCheck(t, what, () => compareWithNative(shown, nativeNext(prompt, s), what));
  }

  // Another prompt: a fresh forward pass.
  const other = "The cat sat on the";
  await page.fill(".live-sampling textarea", other);
  await page.waitForFunction((p) => document.querySelector(".live-sampling .next-table")?.dataset.read === p, other, { timeout: READY_MS });
  const second = await readTable(page);
  await nativeCheck(t, "second prompt", () => compareWithNative(second, nativeNext(other, settings[3]), "second prompt"));
  await page.screenshot({ path: join(await artifacts(), "distribution-sampling.png"), fullPage: false });

  // Four settings side by side, seed 7, twice: identical; then the CLI with the same settings.
  if (SLOW_ON_SWIFTSHADER) t.diagnostic(`the seeded runs (4 × 24 steps, three times): ${SLOW_ON_SWIFTSHADER}`);
  else {
    // The four columns are written once by themselves when the engine is ready: let that run end,
    // or the first click below would stop it.
    await page.waitForFunction(() => {
      const runs = [...document.querySelectorAll(".sample-run")];
      return runs.length === 4 && runs.every((r) => r.dataset.done === "true");
    }, null, { timeout: READY_MS });
    await slide(page, ".live-sampling", "Seed", 7);
    const generate = async () => {
      await page.click(".live-sampling button.generate");
      await page.waitForFunction(
        () => {
          const runs = [...document.querySelectorAll(".sample-run")];
          return runs.length === 4 && runs.every((r) => r.dataset.done === "true");
        },
        null,
        { timeout: READY_MS },
      );
      return page.$$eval(".sample-run", (runs) =>
        runs.map((r) => ({
          temperature: Number(r.dataset.temperature),
          topK: r.dataset.topK ? +r.dataset.topK : 0,
          topP: Number(r.dataset.topP),
          text: r.dataset.generated,
          outcome: r.querySelector(".small").textContent,
        })),
      );
    };
    const first = await generate();
    const again = await generate();
    assert.deepEqual(again, first, "the same seed repeats every run exactly");
    for (const run of first) assert.ok(run.text.length > 0, `a run generated text: ${JSON.stringify(run)}`);
    await nativeCheck(t, "the seeded runs, as `tumbler sample`", () => {
      for (const run of first) {
        const args = ["sample", "--prompt", other, "--max-tokens", "24", "--temperature", String(run.temperature), "--top-p", String(run.topP), "--seed", "7"];
        if (run.topK) args.push("--top-k", String(run.topK));
        const native = tumbler(args).replace(/\n$/, "");
        const page = other + run.text;
        // The CLI stops where the page does, at the length limit or at <|endoftext|>.
        assert.equal(page, native, `seed 7, T=${run.temperature} top-p ${run.topP} (${run.outcome})`);
      }
    });
    await slide(page, ".live-sampling", "Seed", 8);
    const reseeded = await generate();
    assert.equal(reseeded[0].text, first[0].text, "greedy ignores the seed");
    assert.notEqual(reseeded[2].text, first[2].text, "T = 1.5 with another seed writes something else");
    await page.screenshot({ path: join(await artifacts(), "distribution-sampling-runs.png"), fullPage: false });

  }

  // Bad input: no prompt gives a message, odd text is shown as text, and the page keeps working.
  await page.fill(".live-sampling textarea", "   ");
  await page.waitForSelector(".live-sampling [role=alert]");
  assert.match(await page.locator(".live-sampling [role=alert]").innerText(), /no text/);
  const odd = "<b>bold</b> \u202e🙂\u0000 é";
  await page.fill(".live-sampling textarea", odd);
  await page.waitForFunction(() => document.querySelector(".live-sampling .next-table"), null, { timeout: READY_MS });
  assert.equal(await page.locator(".live-sampling b").count(), 0, "user text is never HTML");

  const tasks = await longTasks();
  t.diagnostic(`main-thread long tasks on the sampling chapter: [${tasks.join(", ")}] ms`);
  assert.ok(Math.max(0, ...tasks) <= 200, `main-thread long tasks: ${tasks.join(", ")} ms`);
  assert.deepEqual(problems, []);
  await context.close();
});

test("softmax: the Tumbler's real logits, exponentials and sum match the native softmax", { skip: !HAS_MODEL && NO_MODEL }, async (t) => {
  const prompt = "The cat sat on the";
  const { page, context, problems, longTasks } = await open("softmax");
  await page.waitForFunction((p) => document.querySelector(".softmax-live")?.dataset.read === p, prompt, { timeout: READY_MS });
  const shown = await page.$$eval(".softmax-live tbody tr[data-token-id]", (rows) => rows.map((r) => ({ id: +r.dataset.tokenId, p: Number(r.dataset.p) })));
  assert.equal(shown.length, 5);
  const sum = Number(await page.getAttribute(".softmax-live", "data-sum"));
  assert.ok(Number.isFinite(sum) && sum > 0, `the sum over the vocabulary: ${sum}`);
  await nativeCheck(t, "the top 5 and the softmax", () => {
    const native = nativeNext(prompt, { temperature: 1, topK: 0, topP: 1 }, 5);
    assert.deepEqual(shown.map((r) => r.id), native.top.map((n) => n.id));
    for (const [i, r] of shown.entries()) {
      assert.ok(Math.abs(r.p - native.top[i].p) < TOLERANCE, `p(${native.top[i].text}) page ${r.p} vs native ${native.top[i].p}`);
      // e^z / sum, from the native logit and the page's sum: the exponentials are the real ones.
      assert.ok(Math.abs(Math.exp(native.top[i].logit) / sum - native.top[i].p) < TOLERANCE, "e^z / Σ e^z");
    }
  });
  // The slider calculator above still works beside it.
  assert.ok((await page.locator(".softmax-panel .bars li").count()) === 5);
  await page.locator(".live-softmax").screenshot({ path: join(await artifacts(), "distribution-softmax.png") });
  const tasks = await longTasks();
  assert.ok(Math.max(0, ...tasks) <= 200, `main-thread long tasks: ${tasks.join(", ")} ms`);
  assert.deepEqual(problems, []);
  await context.close();
});

test("training: the Tumbler's next-token probabilities for an editable text", { skip: !HAS_MODEL && NO_MODEL }, async (t) => {
  const { page, context, problems, longTasks } = await open("training");
  const read = async (text) => {
    await page.waitForFunction((p) => document.querySelector(".live-next-bars")?.dataset.read === p, text, { timeout: READY_MS });
    return page.$$eval(".live-next-bars li", (rows) => rows.map((r) => ({ id: +r.dataset.tokenId, p: Number(r.dataset.p) })));
  };
  for (const text of ["The cat sat on the", "She opened the door and saw a"]) {
    if (text !== "The cat sat on the") await page.fill(".live-next textarea", text);
    const shown = await read(text);
    assert.equal(shown.length, 10);
    for (let i = 1; i < shown.length; i++) assert.ok(shown[i - 1].p >= shown[i].p, "most likely first");
    await nativeCheck(t, text, () => {
      const native = nativeNext(text, { temperature: 1, topK: 0, topP: 1 }, 10);
      assert.deepEqual(shown.map((r) => r.id), native.top.map((n) => n.id), text);
      for (const [i, r] of shown.entries()) assert.ok(Math.abs(r.p - native.top[i].p) < TOLERANCE, `${text}: ${r.p} vs ${native.top[i].p}`);
    });
  }
  await page.locator(".live-next").screenshot({ path: join(await artifacts(), "distribution-training.png") });
  const tasks = await longTasks();
  assert.ok(Math.max(0, ...tasks) <= 200, `main-thread long tasks: ${tasks.join(", ")} ms`);
  assert.deepEqual(problems, []);
  await context.close();
});

test("loss: per-token loss heatmap; its mean matches `tumbler eval` on the same text; bad input is handled", { skip: !HAS_MODEL && NO_MODEL }, async (t) => {
  const { page, context, problems, longTasks } = await open("loss");
  const text = "The little dog ran to the park. He saw a big red ball and played with it all day.";
  await page.fill(".live-loss textarea", text);
  const map = page.locator(".loss-map");
  await page.waitForFunction((n) => {
    const m = document.querySelector(".loss-map");
    return m && m.textContent === n;
  }, text, { timeout: READY_MS });
  const mean = Number(await map.getAttribute("data-mean-loss"));
  const losses = await map.locator(".tok[data-loss]").evaluateAll((els) => els.map((e) => Number(e.dataset.loss)));
  assert.equal(losses.length, Number(await map.getAttribute("data-scored")));
  assert.ok(losses.length >= 10 && losses.every((l) => Number.isFinite(l) && l >= 0), `losses ${losses}`);
  const avg = losses.reduce((a, b) => a + b, 0) / losses.length;
  assert.ok(Math.abs(avg - mean) < 1e-4, `the mean is the average of the cells: ${avg} vs ${mean}`);
  // e raised to the mean loss: the exponent is a superscript, not "e^".
  assert.match(await page.locator(".live-loss .result").innerText(), /perplexity e\s?\d+\.\d{3}\s=\s[\d,.]+/);
  assert.equal(await page.locator(".live-loss .result sup").innerText(), mean.toFixed(3));
  await nativeCheck(t, "mean loss as `tumbler eval`", (st) => {
    const dir = mkdtempSync(join(tmpdir(), "tumbler-loss-"));
    const file = join(dir, "text.txt");
    writeFileSync(file, text);
    const native = JSON.parse(tumbler(["eval", "--text", file, "--json"]));
    assert.equal(native.tokens, losses.length, "the same tokens are predicted");
    assert.ok(Math.abs(native.loss - mean) < TOLERANCE, `mean loss page ${mean} vs tumbler eval ${native.loss}`);
    st.diagnostic(`mean loss ${mean} (native ${native.loss}), perplexity ${Math.exp(mean)}`);
  });
  await page.locator(".live-loss").screenshot({ path: join(await artifacts(), "distribution-loss.png") });

  // A huge paste is cut, and the page says so; odd text stays text; too little text is explained.
  const huge = "All work and no play makes Jack a dull boy. ".repeat(5000);
  await page.fill(".live-loss textarea", huge);
  await page.waitForFunction(() => /only its first \d+ are scored/.test(document.querySelector(".live-loss .result")?.textContent ?? ""), null, { timeout: READY_MS });
  assert.equal(Number(await map.getAttribute("data-scored")), 255);
  await page.fill(".live-loss textarea", "<i>x</i> \u202e🙂 e\u0301");
  await page.waitForFunction(() => document.querySelector(".loss-map")?.textContent.startsWith("<i>x</i>"), null, { timeout: READY_MS });
  assert.equal(await page.locator(".live-loss i").count(), 0, "user text is never HTML");
  await page.fill(".live-loss textarea", "a");
  await page.waitForSelector(".live-loss [role=alert]", { timeout: READY_MS });
  assert.match(await page.locator(".live-loss [role=alert]").innerText(), /at least two tokens/);
  await page.fill(".live-loss textarea", "");
  await page.waitForFunction(() => /no text/.test(document.querySelector(".live-loss [role=alert]")?.textContent ?? ""));
  // The offline calculator above keeps working.
  await page.click('.panel button:has-text("Wrong, p")');
  assert.match(await page.locator("p.result[data-loss]").innerText(), /loss\s=\s−ln\s0\.001/);

  const tasks = await longTasks();
  t.diagnostic(`main-thread long tasks on the loss chapter: [${tasks.join(", ")}] ms`);
  assert.ok(Math.max(0, ...tasks) <= 200, `main-thread long tasks: ${tasks.join(", ")} ms`);
  assert.deepEqual(problems, []);
  await context.close();
});

test("dispel-the-magic: seeded draws from the Tumbler's distribution follow its probabilities", { skip: !HAS_MODEL && NO_MODEL }, async (t) => {
  const prompt = "Once upon a time, there was a little";
  const { page, context, problems, longTasks } = await open("dispel-the-magic", "draws=10000&dseed=5");
  await page.waitForFunction((p) => document.querySelector(".coins-live")?.dataset.read === p, prompt, { timeout: READY_MS });
  const read = () =>
    page.$eval(".coins-live", (tb) => ({
      draws: +tb.dataset.draws,
      rows: [...tb.querySelectorAll("tbody tr")].map((r) => ({ id: r.dataset.tokenId ? +r.dataset.tokenId : null, p: Number(r.dataset.p), count: +r.dataset.count })),
    }));
  const first = await read();
  assert.equal(first.draws, 10000);
  assert.equal(first.rows.reduce((a, r) => a + r.count, 0), 10000, "every draw is counted once");
  assert.ok(Math.abs(first.rows.reduce((a, r) => a + r.p, 0) - 1) < 1e-4, "the probabilities sum to 1");
  for (const r of first.rows) {
    // A fixed seed makes this one fixed number; 5 standard deviations would flag a biased sampler.
    const sd = Math.sqrt((r.p * (1 - r.p)) / first.draws);
    assert.ok(Math.abs(r.count / first.draws - r.p) <= 5 * sd + 1e-9, `token ${r.id}: ${r.count} draws vs p ${r.p}`);
  }
  await nativeCheck(t, "the probabilities drawn from", () => {
    const native = nativeNext(prompt, { temperature: 1, topK: 0, topP: 1 }, 6);
    const named = first.rows.filter((r) => r.id !== null);
    assert.deepEqual(named.map((r) => r.id), native.top.map((n) => n.id));
    for (const [i, r] of named.entries()) assert.ok(Math.abs(r.p - native.top[i].p) < TOLERANCE, `${r.p} vs ${native.top[i].p}`);
  });
  // Every one of the first draws is named: the likeliest by the answer, the rarer ones by the
  // worker, asked by id (none left as a placeholder), and a token named in the table is named the
  // same in the draws.
  await page.waitForFunction(() => {
    const chips = [...document.querySelectorAll(".live-next.coins .coins-seq span")];
    return chips.length > 0 && chips.every((c) => /^“.+”$/s.test(c.textContent));
  }, null, { timeout: READY_MS });
  const named = await page.$$eval(".live-next.coins .coins-seq span", (cs) => cs.map((c) => [c.title.replace("token id ", ""), c.textContent]));
  const rowNames = new Map(await page.$$eval(".coins-live tbody tr[data-token-id]", (rs) => rs.map((r) => [r.dataset.tokenId, r.querySelector("th").textContent])));
  for (const [id, text] of named) if (rowNames.has(id)) assert.equal(text, rowNames.get(id), `token ${id}`);
  t.diagnostic(`the first draws: ${named.map(([, text]) => text).join(" ")}`);
  await page.locator(".live-next.coins").screenshot({ path: join(await artifacts(), "distribution-dispel.png") });
  // A new seed draws again; the old seed repeats exactly.
  await page.click(".live-next button.reseed");
  await page.waitForFunction((c) => +document.querySelector(".coins-live tbody tr").dataset.count !== c, first.rows[0].count).catch(() => {});
  const other = await read();
  assert.notDeepEqual(other.rows.map((r) => r.count), first.rows.map((r) => r.count), "another seed, other counts");
  const again = await open("dispel-the-magic", "draws=10000&dseed=5");
  await again.page.waitForFunction((p) => document.querySelector(".coins-live")?.dataset.read === p, prompt, { timeout: READY_MS });
  const repeat = await again.page.$eval(".coins-live", (tb) => [...tb.querySelectorAll("tbody tr")].map((r) => +r.dataset.count));
  assert.deepEqual(repeat, first.rows.map((r) => r.count), "seed 5 repeats exactly");
  await again.context.close();
  const tasks = await longTasks();
  assert.ok(Math.max(0, ...tasks) <= 200, `main-thread long tasks: ${tasks.join(", ")} ms`);
  assert.deepEqual(problems, []);
  await context.close();
});

test("distillation: hard and soft targets from the Tumbler's distribution at temperature T", { skip: !HAS_MODEL && NO_MODEL }, async (t) => {
  const prompt = "The cat sat on the";
  const { page, context, problems, longTasks } = await open("distillation");
  await page.waitForFunction((p) => document.querySelector(".distill-demo .distill-cols[data-read]")?.dataset.read === p, prompt, { timeout: READY_MS });
  const read = () =>
    page.$eval(".distill-demo .distill-cols[data-read]", (cols) => {
      const [hard, soft] = [...cols.querySelectorAll("section")].map((s) =>
        [...s.querySelectorAll("li")].map((li) => ({ id: li.dataset.tokenId ? +li.dataset.tokenId : null, p: Number(li.dataset.p) })),
      );
      return { hard, soft, kl: Number(document.querySelector(".distill-live [data-kl]").dataset.kl) };
    });
  const kls = [];
  for (const temperature of [1, 2.5]) {
    await slide(page, ".live-next.distill-demo", "temperature T", temperature);
    await page.waitForFunction((tt) => document.querySelector(".live-next.distill-demo .distill-cols section:nth-child(2) h3")?.textContent.includes(`T\u00a0=\u00a0${tt.toFixed(1)}`), temperature);
    const shown = await read();
    assert.deepEqual(shown.hard.map((r) => r.p), [1, 0, 0, 0, 0, 0], "the hard target is one-hot on the top token");
    assert.ok(Math.abs(shown.soft.reduce((a, r) => a + r.p, 0) - 1) < 1e-6, "the soft target sums to 1");
    assert.ok(shown.kl > 0, `KL ${shown.kl}`);
    kls.push(shown.kl);
    await nativeCheck(t, `the soft target at T = ${temperature}`, () => {
      const native = nativeNext(prompt, { temperature, topK: 0, topP: 1 }, 6);
      const named = shown.soft.filter((r) => r.id !== null);
      assert.deepEqual(named.map((r) => r.id), native.top.map((n) => n.id));
      for (const [i, r] of named.entries()) assert.ok(Math.abs(r.p - native.top[i].kept_p) < TOLERANCE, `T=${temperature}: ${r.p} vs ${native.top[i].kept_p}`);
    });
  }
  assert.ok(kls[1] < kls[0], `a hotter target is closer to uniform: KL ${kls}`);
  await page.locator(".live-next.distill-demo").screenshot({ path: join(await artifacts(), "distribution-distillation.png") });
  const tasks = await longTasks();
  assert.ok(Math.max(0, ...tasks) <= 200, `main-thread long tasks: ${tasks.join(", ")} ms`);
  assert.deepEqual(problems, []);
  await context.close();
});
