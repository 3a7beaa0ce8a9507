// The service worker: the guide offline. Trunk copies this file into the build and its
// post-build hook (scripts/offline-manifest.mjs) fills in MANIFEST: every file of the build with
// its size, digest and group, and a version digest of the whole list. So each build has its own
// `sw.js` and its own cache, `tumbler-offline-<version>`:
//
// - install: the app and the CPU engine (which every device runs) are cached, each checked
//   against its digest; then the new version takes over at once and deletes older caches;
// - a page loaded by an older version reloads when this one takes over (the page does that, on
//   `controllerchange`), so a page and its workers always come from one build;
// - fetch: the build's files (and navigations, as index.html) are answered from the cache, else
//   from the network, and cached on the way if their digest matches the manifest ("runtime
//   caching": a reader who never presses Save keeps what they fetched). Other requests pass by;
// - messages from the page: "status" (sizes, what is cached, whether it was saved), "seen" (files
//   the page loaded before this worker controlled it), "save" (every file of some groups, with
//   progress; only when all arrive is the copy marked saved) and "remove".

const MANIFEST = null;

const PREFIX = "tumbler-offline-";
const CACHE = MANIFEST && PREFIX + MANIFEST.version;
/** The entry that says a Save finished: its body holds the groups saved. */
const SAVED = "__tumbler-saved__";
/** Cached at install: what every device needs to open the guide. */
const SHELL = ["app", "cpu"];

/** The path of `url` in the manifest ("public/model/base/config.json"), or null. */
function manifestPath(url) {
  const scope = self.registration.scope;
  if (!url.startsWith(scope)) return null;
  const path = decodeURIComponent(url.slice(scope.length).split(/[?#]/)[0]);
  return MANIFEST.files[path === "" ? "index.html" : path] ? (path || "index.html") : null;
}

function keyOf(path) {
  return new Request(self.registration.scope + path);
}

async function sha16(buffer) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
  return Array.from(digest.slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A file of another build: the server has been updated since this version installed. */
class StaleFile extends Error {}

/**
 * Fetches `path` from the network and stores it, after checking it is this build's file.
 * Throws on a failed request, a file of another build, or a full disk (the browser's error).
 */
async function fetchAndStore(cache, path) {
  const response = await fetch(keyOf(path), { cache: "no-cache" });
  if (!response.ok) throw new Error(`the server answered ${response.status} for ${path}`);
  // A static host that answers a missing file with the app's index.html is saying it is not there.
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("text/html") && !path.endsWith(".html")) {
    throw new Error(`${path} is not on the server (404)`);
  }
  const body = await response.clone().arrayBuffer();
  const [bytes, sha] = MANIFEST.files[path];
  if (body.byteLength !== bytes || (await sha16(body)) !== sha) {
    throw new StaleFile(`${path} on the server is not this version's`);
  }
  await cache.put(keyOf(path), response);
  return bytes;
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      if (!MANIFEST) throw new Error("sw.js has no manifest: build with Trunk (its post-build hook)");
      const cache = await caches.open(CACHE);
      const shell = Object.keys(MANIFEST.files).filter((p) => SHELL.includes(MANIFEST.files[p][2]));
      for (const path of shell) await fetchAndStore(cache, path);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

async function answer(request, path) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(keyOf(path));
  if (hit) {
    return request.method === "HEAD"
      ? new Response(null, { status: hit.status, statusText: hit.statusText, headers: hit.headers })
      : hit;
  }
  if (request.method === "HEAD") return fetch(request);
  try {
    await fetchAndStore(cache, path);
    return await cache.match(keyOf(path));
  } catch {
    // Not cached (a file of a newer build, which serves the page about to reload into that build;
    // a full quota; a failed request): the network's answer as it is, so caching never breaks
    // the page. Offline, the page sees its request fail.
    return fetch(request);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (!MANIFEST || (request.method !== "GET" && request.method !== "HEAD")) return;
  const path = request.mode === "navigate" ? "index.html" : manifestPath(request.url);
  if (!path) return;
  event.respondWith(answer(request, path));
});

/** Bytes per group in the manifest, and bytes of each group in the cache now. */
async function status() {
  const cache = await caches.open(CACHE);
  const cachedPaths = new Set(
    (await cache.keys()).map((r) => r.url.slice(self.registration.scope.length)),
  );
  const groups = {};
  for (const [path, [bytes, , group]] of Object.entries(MANIFEST.files)) {
    const g = (groups[group] ??= { bytes: 0, cached: 0, files: 0 });
    g.bytes += bytes;
    g.files += 1;
    if (cachedPaths.has(path)) g.cached += bytes;
  }
  const marker = await cache.match(keyOf(SAVED));
  return { version: MANIFEST.version, groups, saved: marker ? await marker.json() : null };
}

/** Why a save failed, for the reader. */
function reason(e, path) {
  if (e && e.name === "QuotaExceededError") {
    return "the browser's storage for this site is full; free some space (or allow more) and try again";
  }
  if (e instanceof StaleFile) return "a newer version of the guide is on the server: reload the page, then save again";
  return `could not download ${path} (${e && e.message ? e.message : e}); check the connection and try again`;
}

/** Stores every file of `groups`, posting progress on `port`; marks the copy saved at the end. */
async function save(groups, port) {
  const cache = await caches.open(CACHE);
  await cache.delete(keyOf(SAVED));
  const cachedPaths = new Set((await cache.keys()).map((r) => r.url.slice(self.registration.scope.length)));
  const wanted = Object.entries(MANIFEST.files).filter(([, [, , g]]) => groups.includes(g));
  const total = wanted.reduce((s, [, [n]]) => s + n, 0);
  let done = 0;
  for (const [path, [bytes]] of wanted) {
    if (!cachedPaths.has(path)) {
      try {
        await fetchAndStore(cache, path);
      } catch (e) {
        port.postMessage({ type: "failed", message: reason(e, path), done, total });
        return;
      }
    }
    done += bytes;
    port.postMessage({ type: "progress", done, total });
  }
  const saved = { groups, bytes: total, at: new Date().toISOString() };
  try {
    await cache.put(keyOf(SAVED), new Response(JSON.stringify(saved), { headers: { "content-type": "application/json" } }));
  } catch (e) {
    port.postMessage({ type: "failed", message: reason(e, SAVED), done, total });
    return;
  }
  port.postMessage({ type: "saved", saved, done, total });
}

/** Deletes what Save added: every cached file outside the shell, and the mark. */
async function remove() {
  const cache = await caches.open(CACHE);
  await cache.delete(keyOf(SAVED));
  for (const request of await cache.keys()) {
    const entry = MANIFEST.files[request.url.slice(self.registration.scope.length)];
    if (!entry || !SHELL.includes(entry[2])) await cache.delete(request);
  }
}

/**
 * Caches what the page loaded before this worker controlled it (best effort): the `urls` it
 * fetched and every file of `groups` (the engine worker it started).
 */
async function seen(urls, groups) {
  const cache = await caches.open(CACHE);
  const paths = new Set(urls.map(manifestPath).filter(Boolean));
  for (const [path, [, , group]] of Object.entries(MANIFEST.files)) {
    if (groups.includes(group)) paths.add(path);
  }
  for (const path of paths) {
    if (!(await cache.match(keyOf(path)))) await fetchAndStore(cache, path).catch(() => {});
  }
}

self.addEventListener("message", (event) => {
  const { type } = event.data ?? {};
  const port = event.ports[0];
  if (!MANIFEST || !port) return;
  const work = (async () => {
    try {
      if (type === "status") port.postMessage(await status());
      else if (type === "save") await save(event.data.groups, port);
      else if (type === "remove") {
        await remove();
        port.postMessage(await status());
      } else if (type === "seen") {
        await seen(event.data.urls ?? [], event.data.groups ?? []);
        port.postMessage({ type: "seen" });
      }
    } catch (e) {
      port.postMessage({ type: "failed", message: String(e && e.message ? e.message : e) });
    }
  })();
  event.waitUntil(work);
});
