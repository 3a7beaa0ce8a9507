// The offline manifest: Trunk's post-build hook (Trunk.toml) lists every file of the build with
// its size, the first 16 hex digits of its SHA-256 and its group, and writes the list into the
// service worker (`sw.js`, copied from app/sw.js). The worker's cache is named after a digest of
// the list, so any changed file makes a new `sw.js`, which the browser installs as a new version
// with a new cache (the old one is deleted when it takes over): one build's page, workers and data
// are never mixed. The worker files and public/ keep their names from build to build, so the
// worker also checks each file's digest before caching it.
//
//   node scripts/offline-manifest.mjs [DIR]   (DIR: $TRUNK_STAGING_DIR, else dist/)
//
// Groups: "app" (index.html, the page's JS/wasm/CSS, icon, snippets), "cpu" and "webgpu" (the two
// engine workers), "pipeline" (the corpus pipeline worker), "data" (public/: model, tokenizers,
// vectors, samples), "prerender" (each chapter's first-paint snapshot, tests/e2e/prerender.mjs:
// cached as the reader opens chapters, never saved: offline, the page draws without it).
// Only the standard library of Node.

import { createHash } from "node:crypto";
import { readdir, readFile, writeFile, rename } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/** The group a file belongs to, from its path relative to the build folder ("/"-separated). */
export function groupOf(path) {
  if (path.startsWith("public/")) return "data";
  if (path.startsWith("prerender/")) return "prerender";
  if (path.startsWith("tumbler-engine-webgpu")) return "webgpu";
  if (path.startsWith("tumbler-engine")) return "cpu";
  if (path.startsWith("tumbler-pipeline")) return "pipeline";
  return "app";
}

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

/** The manifest of the build in `dir`: `{ version, files: { path: [bytes, sha16, group] } }`. */
export async function manifest(dir) {
  const paths = [];
  for await (const file of walk(dir)) {
    const path = relative(dir, file).split(sep).join("/");
    if (path !== "sw.js") paths.push(path);
  }
  paths.sort();
  const files = {};
  for (const path of paths) {
    const bytes = await readFile(join(dir, path));
    const sha = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
    files[path] = [bytes.length, sha, groupOf(path)];
  }
  const version = createHash("sha256").update(JSON.stringify(files)).digest("hex").slice(0, 16);
  return { version, files };
}

/** The line of app/sw.js the manifest replaces (the whole line, so that it can be rewritten). */
const LINE = /^const MANIFEST = .*;$/m;

/** Writes the manifest of `dir` into `dir/sw.js`; returns it. */
export async function stamp(dir) {
  const sw = join(dir, "sw.js");
  const source = await readFile(sw, "utf8");
  if (!LINE.test(source)) throw new Error(`${sw} has no \`const MANIFEST = …;\` line to fill`);
  const m = await manifest(dir);
  // A function replacement: the JSON is inserted as is ("$" in it is not a pattern).
  const out = source.replace(LINE, () => `const MANIFEST = ${JSON.stringify(m)};`);
  // Written beside and renamed: never a half-written sw.js, nor a write through a hard link.
  await writeFile(`${sw}.tmp`, out);
  await rename(`${sw}.tmp`, sw);
  return m;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? process.env.TRUNK_STAGING_DIR ?? "dist";
  const m = await stamp(dir);
  const total = Object.values(m.files).reduce((s, [n]) => s + n, 0);
  const count = Object.keys(m.files).length;
  console.log(`offline manifest: ${count} files, ${(total / 1e6).toFixed(1)} MB, version ${m.version}`);
}
