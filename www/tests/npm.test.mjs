// The npm package as a front-end developer uses it: packed once from pkg/ and www/npm/, installed
// from the tarball into a fresh app beside Vite, esbuild, Rollup and webpack, type-checked against
// the package's types, built by each bundler as the README says (Vite and webpack with no
// configuration; esbuild and Rollup copying the wasm through the `baton-widget/widget.wasm`
// export), served, mounted inline, and chatted with. Needs the npm registry for the bundlers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, resolve } from "node:path";
import { startBridge, launchBrowser, watchErrors, servePages } from "./harness.mjs";

const root = resolve(import.meta.dirname, "../..");
const VERSION = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version = "(.*)"/m)[1];
const VITE = "vite@8.3.8";
const TYPESCRIPT = "typescript@5.9.3";
const BUNDLERS = [
  "esbuild@0.28.2", "rollup@4.68.5", "@rollup/plugin-node-resolve@16.0.3", "@rollup/plugin-url@8.0.2",
  "webpack@5.112.2", "webpack-cli@6.0.1",
];

const APP_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Help centre</title><link rel="icon" href="data:,"></head>
<body><h1>Help centre</h1><div id="chat"></div><script type="module" src="/src/main.ts"></script></body></html>`;

const APP_TS = `import { mount, version, type Chat } from "baton-widget";
declare global {
  interface Window { chat: Chat; bundledVersion: string }
}
const endpoint = new URLSearchParams(location.search).get("endpoint") ?? "";
const element = document.getElementById("chat")!;
element.style.height = "520px";
const chat = await mount(element, { agent: "demo", endpoint, inline: true });
chat.on("message", ({ author, text }) => console.log(author, text.length));
const conversation: string | null = chat.conversationId();
console.log(conversation === null ? "no conversation yet" : conversation);
window.chat = chat;
window.bundledVersion = version;
`;

/** The same app in plain JS for esbuild and Rollup, which need the wasm imported as a file URL. */
const APP_JS_WASM_URL = `import { mount, version } from "baton-widget";
import wasmUrl from "baton-widget/widget.wasm";
const endpoint = new URLSearchParams(location.search).get("endpoint") ?? "";
const element = document.getElementById("chat");
element.style.height = "520px";
mount(element, { agent: "demo", endpoint, inline: true, wasmUrl }).then((chat) => {
  window.chat = chat;
  window.bundledVersion = version;
});
`;

/** And for webpack, which needs nothing: its default entry, src/index.js. */
const APP_JS = APP_JS_WASM_URL.replace(/^import wasmUrl.*\n/m, "").replace("inline: true, wasmUrl", "inline: true");

const ROLLUP_CONFIG = `import resolve from "@rollup/plugin-node-resolve";
import url from "@rollup/plugin-url";
export default {
  input: "src/bundled.js",
  output: { dir: "dist-rollup", format: "es" },
  plugins: [resolve(), url({ include: ["**/*.wasm"], limit: 0 })],
};
`;

const bundledPage = (script) => APP_HTML.replace(/<script[^>]*><\/script>/, `<script type="module" src="${script}"></script>`);

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };

let work;
let tarball;
let bridge;
let browser;
/** One static server per bundler's output. */
const sites = {};

function serveDir(dist) {
  return servePages((path) => {
    try {
      const file = join(dist, path === "/" ? "index.html" : path);
      if (!file.startsWith(dist)) return undefined;
      return { body: readFileSync(file), type: TYPES[extname(file)] ?? "application/octet-stream" };
    } catch {
      return undefined;
    }
  });
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), "baton-npm-"));
  tarball = execFileSync(join(root, "scripts/pack-npm.sh"), [work], { encoding: "utf8" }).trim();
  const app = join(work, "app");
  mkdirSync(join(app, "src"), { recursive: true });
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "help-centre", private: true, type: "module" }));
  writeFileSync(join(app, "index.html"), APP_HTML);
  writeFileSync(join(app, "src/main.ts"), APP_TS);
  writeFileSync(join(app, "src/bundled.js"), APP_JS_WASM_URL);
  writeFileSync(join(app, "src/index.js"), APP_JS);
  writeFileSync(join(app, "rollup.config.mjs"), ROLLUP_CONFIG);
  const npm = (args) => execFileSync("npm", args, { cwd: app, stdio: ["ignore", "ignore", "inherit"] });
  npm(["install", "--no-audit", "--no-fund", VITE, TYPESCRIPT, ...BUNDLERS, tarball]);
  const bin = (name, args) => execFileSync(join(app, "node_modules/.bin", name), args, { cwd: app, stdio: "inherit" });
  const tsc = ["--noEmit", "--strict", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler"];
  bin("tsc", [...tsc, "--lib", "es2022,dom", "src/main.ts"]);
  bin("vite", ["build", "--logLevel", "warn"]);
  bin("esbuild", ["src/bundled.js", "--bundle", "--format=esm", "--outdir=dist-esbuild", "--loader:.wasm=file", "--log-level=warning"]);
  bin("rollup", ["--config", "rollup.config.mjs", "--silent"]);
  bin("webpack", ["--mode", "production", "--output-path", "dist-webpack", "--no-stats"]);
  writeFileSync(join(app, "dist-esbuild/index.html"), bundledPage("./bundled.js"));
  writeFileSync(join(app, "dist-rollup/index.html"), bundledPage("./bundled.js"));
  writeFileSync(join(app, "dist-webpack/index.html"), bundledPage("./main.js"));
  for (const [bundler, dist] of [["vite", "dist"], ["esbuild", "dist-esbuild"], ["rollup", "dist-rollup"], ["webpack", "dist-webpack"]]) {
    sites[bundler] = await serveDir(join(app, dist));
  }
  bridge = await startBridge({ env: { BATON_AGENT_PACE_MS: "5" } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  for (const site of Object.values(sites)) await site.close();
  await bridge?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("npm pack holds only the wrapper, its types and the built widget, at the workspace version", () => {
  const files = execFileSync("tar", ["tzf", tarball], { encoding: "utf8" }).trim().split("\n").sort();
  assert.deepEqual(files, [
    "package/index.d.ts", "package/index.js", "package/package.json",
    "package/pkg/baton_widget.js", "package/pkg/baton_widget_bg.wasm",
  ]);
  assert.ok(tarball.endsWith(`baton-widget-${VERSION}.tgz`), tarball);
});

test("importing the package touches no browser global, so server-side rendering can import it", () => {
  const out = execFileSync(
    process.execPath,
    ["--input-type=module", "-e", "const m = await import('baton-widget'); console.log(typeof m.mount, m.version);"],
    { cwd: join(work, "app"), encoding: "utf8" },
  );
  assert.equal(out.trim(), `function ${VERSION}`);
});

/** Mounts the app built by `bundler`, chats through it and destroys it. */
async function chatThrough(bundler) {
  const site = sites[bundler];
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const origins = new Set();
  page.on("request", (request) => origins.add(new URL(request.url()).origin));
  await page.goto(`${site.url}/?endpoint=${encodeURIComponent(bridge.url.replace(/\/$/, ""))}`);

  const box = page.getByRole("textbox", { name: "Message" });
  await box.waitFor();
  assert.equal(await page.getByRole("button", { name: "Open chat" }).count(), 0, "inline: no launcher");
  assert.equal(await page.evaluate(() => window.chat.conversationId()), null, "no conversation before a message");
  await box.fill("How long does shipping take?");
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByRole("log").getByText(/Royal Mail Tracked 48/).waitFor();
  assert.equal(await page.evaluate(() => window.bundledVersion), VERSION);
  // Everything came from the app's own origin and the bridge: no CDN.
  assert.deepEqual([...origins].sort(), [site.url, bridge.url.replace(/\/$/, "")].sort());
  assert.match(await page.evaluate(() => window.chat.conversationId()), /\S/, "the conversation is named");

  await page.evaluate(() => window.chat.restart());
  await page.getByRole("log").getByText(/Royal Mail Tracked 48/).waitFor({ state: "detached" });
  assert.equal(await page.evaluate(() => window.chat.conversationId()), null, "restart forgets it");

  await page.evaluate(() => window.chat.destroy());
  assert.equal(await page.evaluate(() => document.getElementById("chat").shadowRoot.childElementCount), 0);
  assert.deepEqual(errors, []);
  await page.close();
}

test("a Vite app bundles the package, mounts the chat inline and talks to the bridge", () => chatThrough("vite"));

for (const bundler of ["esbuild", "rollup", "webpack"]) {
  test(`an app built with ${bundler} as the README says mounts the chat and talks to the bridge`, () =>
    chatThrough(bundler));
}
