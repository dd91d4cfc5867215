// The npm package as a front-end developer uses it: packed from pkg/ and www/npm/, installed from
// the tarball into a fresh Vite app beside Vite itself, type-checked against the package's types,
// built with no special configuration, served, mounted inline, and chatted with. Needs the npm
// registry for Vite and TypeScript.
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
window.chat = chat;
window.bundledVersion = version;
`;

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };

let work;
let tarball;
let bridge;
let site;
let browser;

before(async () => {
  work = mkdtempSync(join(tmpdir(), "baton-npm-"));
  tarball = execFileSync(join(root, "scripts/pack-npm.sh"), [work], { encoding: "utf8" }).trim();
  const app = join(work, "app");
  mkdirSync(join(app, "src"), { recursive: true });
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "help-centre", private: true, type: "module" }));
  writeFileSync(join(app, "index.html"), APP_HTML);
  writeFileSync(join(app, "src/main.ts"), APP_TS);
  const npm = (args) => execFileSync("npm", args, { cwd: app, stdio: ["ignore", "ignore", "inherit"] });
  npm(["install", "--no-audit", "--no-fund", VITE, TYPESCRIPT, tarball]);
  const tsc = ["--noEmit", "--strict", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler"];
  execFileSync(join(app, "node_modules/.bin/tsc"), [...tsc, "--lib", "es2022,dom", "src/main.ts"], {
    cwd: app,
    stdio: "inherit",
  });
  execFileSync(join(app, "node_modules/.bin/vite"), ["build", "--logLevel", "warn"], { cwd: app, stdio: "inherit" });
  const dist = join(app, "dist");
  site = await servePages((path) => {
    try {
      const file = join(dist, path === "/" ? "index.html" : path);
      if (!file.startsWith(dist)) return undefined;
      return { body: readFileSync(file), type: TYPES[extname(file)] ?? "application/octet-stream" };
    } catch {
      return undefined;
    }
  });
  bridge = await startBridge({ env: { BATON_AGENT_PACE_MS: "5" } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await site?.close();
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

test("a Vite app bundles the package, mounts the chat inline and talks to the bridge", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  const origins = new Set();
  page.on("request", (request) => origins.add(new URL(request.url()).origin));
  await page.goto(`${site.url}/?endpoint=${encodeURIComponent(bridge.url.replace(/\/$/, ""))}`);

  const box = page.getByRole("textbox", { name: "Message" });
  await box.waitFor();
  assert.equal(await page.getByRole("button", { name: "Open chat" }).count(), 0, "inline: no launcher");
  await box.fill("How long does shipping take?");
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByRole("log").getByText(/Royal Mail Tracked 48/).waitFor();
  assert.equal(await page.evaluate(() => window.bundledVersion), VERSION);
  // Everything came from the app's own origin and the bridge: no CDN.
  assert.deepEqual([...origins].sort(), [site.url, bridge.url.replace(/\/$/, "")].sort());

  await page.evaluate(() => window.chat.destroy());
  assert.equal(await page.evaluate(() => document.getElementById("chat").shadowRoot.childElementCount), 0);
  assert.deepEqual(errors, []);
  await page.close();
});
