// Offline: the service worker (app/sw.js, its manifest written by scripts/offline-manifest.mjs).
// Save stores what the manifest says, the guide's live chapters reload and reach a ready engine
// with the network gone (the browser offline and the server closed), a new deployment replaces
// the cache, and the bad cases (a missing file, a full quota, no service workers) say so. No
// request of the page, its workers or the service worker leaves the served origin.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BACKEND, DIST, serve as serveDist, launch, chapterUrl, artifacts, READY_MS, ENGINE_FREE } from "./harness.mjs";
import { stamp, manifest, groupOf } from "../../scripts/offline-manifest.mjs";

const LIVE = ["arc", "tokens", "attention", "sampling", "embeddings", "training"];
let browser;
const copies = [];
// Every server a test starts, closed after the file's tests even when one failed midway: an open
// server keeps node's event loop alive, so the file would never end and the suite would hang.
const servers = [];

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
  for (const server of servers) await server.close();
  for (const dir of copies) await rm(dir, { recursive: true, force: true });
});

async function serve(...args) {
  const server = await serveDist(...args);
  servers.push(server);
  return server;
}

/** The manifest the build wrote into dist/sw.js. */
async function manifestOf(dir) {
  const sw = await readFile(join(dir, "sw.js"), "utf8");
  const line = sw.match(/^const MANIFEST = (.*);$/m);
  assert.ok(line, `${dir}/sw.js has its manifest line`);
  const m = JSON.parse(line[1]);
  assert.ok(m, `${dir}/sw.js was built without its manifest (Trunk's post-build hook)`);
  return m;
}

/** What Save stores on this run's device, from the manifest. */
function savedGroups() {
  return ["app", "cpu", "pipeline", "data", ...(BACKEND === "webgpu" ? ["webgpu"] : [])];
}
function bytesOf(m, groups) {
  return Object.values(m.files).filter(([, , g]) => groups.includes(g)).reduce((s, [n]) => s + n, 0);
}

/** A context that records every request it makes (page, workers, service worker). */
async function openContext(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const requests = [];
  const problems = [];
  context.on("request", (r) => requests.push(r.url()));
  const page = await context.newPage();
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  return { context, page, requests, problems };
}

/** Every request went to `origin` (data: and blob: URLs aside). */
function assertOneOrigin(requests, origin) {
  const foreign = requests.filter((u) => {
    const url = new URL(u);
    return !["data:", "blob:"].includes(url.protocol) && url.origin !== origin;
  });
  assert.deepEqual(foreign, [], "requests to another host");
}

async function offlineState(page, states, timeout = 60_000) {
  await page.waitForFunction(
    (s) => s.includes(document.querySelector("[data-offline]")?.dataset.offline),
    states,
    { timeout },
  );
  return page.locator("[data-offline]");
}

async function engineReady(page, slug) {
  await page.waitForSelector(`section[data-chapter="${slug}"] h1`, { timeout: 30_000 });
  await page.waitForFunction(
    () => ["ready", "error"].includes(document.querySelector("[data-engine-state]")?.dataset.engineState),
    null,
    { timeout: READY_MS },
  );
  const status = page.locator("[data-engine-state]");
  assert.equal(await status.getAttribute("data-engine-state"), "ready", `${slug}: ${await status.innerText()}`);
}

/** The names of the offline caches, and the saved mark of this version's, from the page. */
function cacheState(page) {
  return page.evaluate(async () => {
    const names = (await caches.keys()).filter((n) => n.startsWith("tumbler-offline-"));
    const entries = {};
    for (const name of names) entries[name] = (await (await caches.open(name)).keys()).map((r) => r.url);
    return { names, entries };
  });
}

/** A copy of dist/ (hard links would let a write reach dist/): `change` edits it, then its manifest is rewritten. */
async function copyOfDist(change) {
  const dir = await mkdtemp(join(tmpdir(), "tumbler-dist-"));
  copies.push(dir);
  await cp(DIST, dir, { recursive: true });
  await change(dir);
  return dir;
}

test("the manifest: every file of the build with its size, digest and group; one changed byte, a new version", { skip: ENGINE_FREE }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "tumbler-manifest-"));
  copies.push(dir);
  await writeFile(join(dir, "index.html"), "<!doctype html>");
  await writeFile(join(dir, "tumbler-engine_bg.wasm"), "cpu");
  await writeFile(join(dir, "sw.js"), "const MANIFEST = null;\n");
  await mkdir(join(dir, "public/model/base"), { recursive: true });
  await writeFile(join(dir, "public/model/base/config.json"), "{}");
  const a = await manifest(dir);
  assert.deepEqual(Object.keys(a.files), ["index.html", "public/model/base/config.json", "tumbler-engine_bg.wasm"], "sw.js itself is not listed");
  // SHA-256("cpu"), its first 16 hex digits.
  assert.deepEqual(a.files["tumbler-engine_bg.wasm"], [3, "68ab84f7c6d0f578", "cpu"]);
  assert.equal(a.files["public/model/base/config.json"][2], "data");
  assert.deepEqual(["tumbler-engine-webgpu_loader.js", "tumbler-pipeline.js", "snippets/x/inline0.js"].map(groupOf), ["webgpu", "pipeline", "app"]);
  await writeFile(join(dir, "tumbler-engine_bg.wasm"), "cpU");
  const b = await stamp(dir);
  assert.notEqual(b.version, a.version);
  assert.deepEqual(await manifestOf(dir), b, "stamp writes the manifest into sw.js");
  assert.deepEqual((await stamp(dir)).version, b.version, "stamping again (sw.js is not listed) changes nothing");
});

test("Save stores the manifest's files; live chapters reload offline; a new deployment replaces the cache", async (t) => {
  const m = await manifestOf(DIST);
  const expected = bytesOf(m, savedGroups());
  let server = await serve();
  const origin = server.origin;
  const port = Number(new URL(origin).port);
  const { context, page, requests, problems } = await openContext();

  await page.goto(chapterUrl(origin, "arc"));
  await engineReady(page, "arc");
  const control = await offlineState(page, ["idle"]);
  assert.equal(Number(await control.getAttribute("data-offline-bytes")), expected, "Save's size is the manifest's");
  assert.equal(await control.getAttribute("data-offline-version"), m.version);
  const label = await control.locator("button.offline-save").innerText();
  assert.ok(label.includes(`${(expected / 1e6).toFixed(1)} MB`), `the button says how many MB: ${label}`);

  const started = Date.now();
  await control.locator("button.offline-save").click();
  await offlineState(page, ["saved", "error"], 300_000);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(await control.getAttribute("data-offline"), "saved", await control.innerText());
  assert.match(await control.innerText(), /Saved offline/);
  t.diagnostic(`Save stored ${(expected / 1e6).toFixed(1)} MB on the ${BACKEND} device in ${seconds.toFixed(1)} s`);

  // This version's cache holds every file of the saved groups (and the mark), and no other.
  const { names, entries } = await cacheState(page);
  assert.deepEqual(names, [`tumbler-offline-${m.version}`]);
  const cached = new Set(entries[names[0]].map((u) => u.slice(origin.length + 1)));
  const wanted = Object.entries(m.files).filter(([, [, , g]]) => savedGroups().includes(g)).map(([p]) => p);
  for (const path of wanted) assert.ok(cached.has(path), `${path} is cached`);
  assert.ok(cached.has("__tumbler-saved__"), "the copy is marked saved");

  // The network gone: the browser offline and the server closed.
  await context.setOffline(true);
  await server.close();
  for (const slug of LIVE) {
    // A fragment change alone would not reload the page: reload it, from the service worker.
    await page.goto(chapterUrl(origin, slug));
    await page.reload();
    await engineReady(page, slug);
    await offlineState(page, ["saved"]);
  }
  const dir = await artifacts();
  await page.screenshot({ path: join(dir, "offline-training.png") });

  // A new deployment: the same origin serves a build with one file changed (and its manifest
  // rewritten, as the build does). The old version's page reloads into the new one; the old
  // cache is gone.
  const next = await copyOfDist(async (d) => {
    const index = join(d, "index.html");
    const html = await readFile(index, "utf8");
    await unlink(index);
    await writeFile(index, html.replace("</body>", "<!-- deployment 2 --></body>"));
    await stamp(d);
  });
  const m2 = await manifestOf(next);
  assert.notEqual(m2.version, m.version, "a changed file changes the version");
  server = await serve(port, { mounts: { "/": next } });
  await context.setOffline(false);
  await page.reload();
  await page.waitForFunction(
    (v) => document.querySelector("[data-offline]")?.dataset.offlineVersion === v,
    m2.version,
    { timeout: 120_000 },
  );
  assert.match(await page.content(), /deployment 2/, "the page is the new build's");
  const after = await cacheState(page);
  assert.deepEqual(after.names, [`tumbler-offline-${m2.version}`], "the old version's cache was deleted");
  // The new version has not been saved: the control offers Save again.
  await offlineState(page, ["idle"]);
  await server.close();

  assertOneOrigin(requests, origin);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a file missing on the server: Save says so and marks nothing saved", { skip: ENGINE_FREE }, async () => {
  const broken = await copyOfDist(async (d) => {
    await stamp(d);
    // Deleted after the manifest was written: the manifest lists it, the server lacks it.
    await unlink(join(d, "public/vectors/glove-20k-50d.tgv"));
  });
  const server = await serve(0, { mounts: { "/": broken } });
  const { context, page, requests, problems } = await openContext();
  await page.goto(chapterUrl(server.origin, "arc"));
  const control = await offlineState(page, ["idle"]);
  await control.locator("button.offline-save").click();
  await offlineState(page, ["error"], 300_000);
  assert.match(await control.innerText(), /Not saved: .*glove-20k-50d\.tgv is not on the server/);
  const { entries } = await cacheState(page);
  for (const urls of Object.values(entries)) {
    assert.ok(!urls.some((u) => u.endsWith("__tumbler-saved__")), "no saved mark");
  }
  assert.ok(await control.locator("button", { hasText: "Try again" }).isVisible());
  assertOneOrigin(requests, server.origin);
  assert.deepEqual(problems, []);
  await context.close();
  await server.close();
});

test("a storage quota too small: Save says how much it needs", { skip: ENGINE_FREE }, async () => {
  const server = await serve();
  const { context, page, problems } = await openContext();
  await page.goto(chapterUrl(server.origin, "arc"));
  const control = await offlineState(page, ["idle"]);
  const cdp = await context.newCDPSession(page);
  await cdp.send("Storage.overrideQuotaForOrigin", { origin: server.origin, quotaSize: 12e6 });
  await control.locator("button.offline-save").click();
  await offlineState(page, ["error"]);
  // Caught before the download (the browser's estimate) or as the cache refuses a file: either
  // way a clear message, and no saved mark.
  assert.match(
    await control.innerText(),
    /Not saved: (saving needs [\d.]+ MB more, and this browser lets this site store only [\d.]+ MB more|the browser's storage for this site is full)/,
  );
  const { entries } = await cacheState(page);
  for (const urls of Object.values(entries)) {
    assert.ok(!urls.some((u) => u.endsWith("__tumbler-saved__")), "no saved mark");
  }
  assert.deepEqual(problems, []);
  await context.close();
  await server.close();
});

test("without service workers the control says offline saving is unavailable", { skip: ENGINE_FREE }, async () => {
  const server = await serve();
  const { context, page, problems } = await openContext({ serviceWorkers: "block" });
  await page.goto(chapterUrl(server.origin, "arc"));
  const control = await offlineState(page, ["unsupported"]);
  assert.match(await control.innerText(), /Can’t save offline/);
  assert.equal(await control.locator("button").count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
  await server.close();
});
