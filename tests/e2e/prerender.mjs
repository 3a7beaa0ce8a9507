// Every chapter's first paint, made by the build: each chapter rendered once by the release app
// in Chromium, its markup at the moment the app mounted written to dist/prerender/<slug>.html.
// index.html shows that snapshot, inert, before the page's wasm has arrived; the app replaces it
// when it mounts (app/src/main.rs). `cargo xtask build` (and serve, test, bench) run this after
// `trunk build`, then write the offline manifest again, since it lists the new files.
//
//   node tests/e2e/prerender.mjs    (after `trunk build --release`)
//
// The snapshot keeps what the page looks like and drops what code or tests find it by: every
// data-* attribute, so that nothing waiting for the live app
// (`section[data-chapter]`, `[data-token-id]`, …) takes the snapshot for it. Form controls keep
// the values the app gave them. The engine workers are not started: a snapshot is the page before
// its model loads, as a reader first sees it.

import { mkdir, writeFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DIST, chapters, serve, launch, openPage } from "./harness.mjs";
import { stamp } from "../../scripts/offline-manifest.mjs";

/** The first line of every snapshot; index.html shows a file only if it starts with it. */
export const MARK = "<!--tumbler-prerender-->";
/**
 * The data-* attributes kept in the snapshot: none. (The styles select on `data-engine-state`,
 * for the status dot's colour, but tests and checkers find the live status by it.)
 */
const STYLED = [];

/** The markup the app mounted for chapter `slug` in `page`, as a snapshot, or null before it has. */
function snapshotOf({ slug, styled }) {
  if (!document.querySelector(`section.chapter[data-chapter="${slug}"]`)) return null;
  const parts = [];
  for (const el of document.body.children) {
    if (["SCRIPT", "NOSCRIPT", "TEMPLATE", "LINK", "STYLE"].includes(el.tagName) || el.id === "prerender") continue;
    if (el.classList.contains("font-probe")) continue; // index.html's own, already on the page
    const copy = el.cloneNode(true);
    const from = [el, ...el.querySelectorAll("*")];
    const to = [copy, ...copy.querySelectorAll("*")];
    from.forEach((live, i) => {
      const out = to[i];
      // Values the app set as properties, which the markup would otherwise lose.
      if (live instanceof HTMLTextAreaElement) out.textContent = live.value;
      else if (live instanceof HTMLInputElement && ["checkbox", "radio"].includes(live.type)) {
        out.toggleAttribute("checked", live.checked);
      } else if (live instanceof HTMLInputElement && live.type !== "file") out.setAttribute("value", live.value);
      else if (live instanceof HTMLSelectElement) {
        [...out.options].forEach((o, j) => o.toggleAttribute("selected", j === live.selectedIndex));
      }
      for (const { name } of [...out.attributes]) {
        if (name.startsWith("data-") && !styled.includes(name)) out.removeAttribute(name);
      }
    });
    copy.querySelectorAll("script").forEach((s) => s.remove());
    parts.push(copy.outerHTML);
  }
  return parts.join("\n");
}

/**
 * The two layouts a chapter's markup comes in: a phone's (`widgets/screen.rs`: at most 40rem wide,
 * where flow diagrams and charts are laid out again) and every wider screen's. index.html picks
 * the snapshot by the same media query, so the live page replaces it without moving anything.
 */
export const LAYOUTS = [
  { dir: "", viewport: { width: 1280, height: 900 } },
  { dir: "narrow", viewport: { width: 360, height: 740 } },
];

/**
 * Renders every chapter from `origin` in each layout and writes `DIST/prerender/<slug>.html`
 * (and `prerender/narrow/<slug>.html`); returns bytes per file.
 */
export async function prerender(browser, origin) {
  const out = join(DIST, "prerender");
  await rm(out, { recursive: true, force: true });
  const sizes = {};
  for (const { dir, viewport } of LAYOUTS) {
    const { page, context } = await openPage(browser, origin, viewport, {
      serviceWorkers: "block",
      // index.html relabels the theme button of a snapshot shown in the dark theme.
      colorScheme: "light",
    });
    // No engine: the snapshot is the page before its model arrives.
    await context.route(/tumbler-(engine|pipeline)/, (route) => route.abort());
    await mkdir(join(out, dir), { recursive: true });
    await snapshotAll(page, origin, join(out, dir), dir, sizes);
    await context.close();
  }
  return sizes;
}

async function snapshotAll(page, origin, out, dir, sizes) {
  for (const [slug] of chapters()) {
    await page.goto("about:blank");
    await page.goto(`${origin}/#/${slug}`);
    const handle = await page.waitForFunction(snapshotOf, { slug, styled: STYLED }, { timeout: 60_000 });
    const html = `${MARK}\n${await handle.jsonValue()}\n`;
    await writeFile(join(out, `${slug}.html`), html);
    sizes[join(dir, slug)] = Buffer.byteLength(html);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await serve();
  const browser = await launch();
  try {
    const sizes = await prerender(browser, server.origin);
    const total = Object.values(sizes).reduce((a, b) => a + b, 0);
    const largest = Object.entries(sizes).sort(([, a], [, b]) => b - a)[0];
    console.log(
      `prerendered ${chapters().length} chapters in ${LAYOUTS.length} layouts (${Object.keys(sizes).length} files) into ${join(DIST, "prerender")}: ` +
        `${(total / 1e6).toFixed(2)} MB in all, largest ${largest[0]} (${(largest[1] / 1e3).toFixed(0)} KB)`,
    );
  } finally {
    await browser.close();
    await server.close();
  }
  const m = await stamp(DIST);
  console.log(`offline manifest written again: ${Object.keys(m.files).length} files, version ${m.version}`);
}
