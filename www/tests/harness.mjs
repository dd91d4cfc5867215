// Starts what the end-to-end tests drive: a real bridge on a free loopback port with a fresh
// database, and headless Debian Chromium through playwright-core.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const root = resolve(import.meta.dirname, "../..");
// Where `cargo build` put the binaries: CARGO_TARGET_DIR when the environment sets it.
const targetDir = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : join(root, "target");
const debugDir = join(targetDir, "debug");

/**
 * Starts the bridge; resolves once it prints the address it listens on. Its database and agents
 * file live in `dir`, so a developer's own `baton.toml` never leaks into a test. Pass the `port`
 * and `dir` of a stopped bridge to restart it on the same address and files.
 */
export async function startBridge({ env = {}, port = 0, dir = mkdtempSync(join(tmpdir(), "baton-e2e-")) } = {}) {
  const bin = process.env.BATON_BRIDGE_BIN ?? join(debugDir, "baton-bridge");
  const args = ["--addr", `127.0.0.1:${port}`, "--db", join(dir, "baton.db"), "--config", join(dir, "baton.toml")];
  const child = spawn(bin, [...args, "--site-dir", root], {
    env: { ...process.env, RUST_LOG: "warn", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolveUrl, reject) => {
    let out = "";
    child.once("exit", (code) => reject(new Error(`bridge exited with ${code}: ${out}`)));
    child.once("error", (error) => reject(new Error(`bridge did not start (${bin}): ${error.message}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const found = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (found) resolveUrl(found[0]);
    });
  });
  return {
    url,
    port: Number(new URL(url).port),
    dir,
    /** Stops the bridge; `keep` leaves its database for a restart. */
    async stop({ keep = false, signal = "SIGTERM" } = {}) {
      child.kill(signal);
      await new Promise((done) => (child.exitCode !== null ? done() : child.once("exit", done)));
      if (!keep) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts the Intercom sandbox on a free port; resolves once it prints its address. Point its
 * webhooks at a bridge with `sandbox.notify(bridgeUrl)`.
 */
export async function startSandbox() {
  const bin = process.env.BATON_SANDBOX_BIN ?? join(debugDir, "baton-intercom-sandbox");
  const child = spawn(bin, ["--addr", "127.0.0.1:0"], {
    env: { ...process.env, RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolveUrl, reject) => {
    let out = "";
    child.once("exit", (code) => reject(new Error(`sandbox exited with ${code}: ${out}`)));
    child.once("error", (error) => reject(new Error(`sandbox did not start (${bin}): ${error.message}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const found = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (found) resolveUrl(found[0].replace(/\/$/, ""));
    });
  });
  return {
    url,
    /** The environment that points a bridge at this sandbox. */
    bridgeEnv: {
      BATON_INTERCOM_BASE_URL: url,
      BATON_INTERCOM_TOKEN: "sandbox-token",
      BATON_INTERCOM_CLIENT_SECRET: "sandbox-secret",
    },
    /** Sends the sandbox's webhooks to the bridge at `bridgeUrl`. */
    async notify(bridgeUrl) {
      const response = await fetch(`${url}/_sandbox/webhook`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ url: new URL("/v1/intercom/webhooks", bridgeUrl).href }),
      });
      if (!response.ok) throw new Error(`the sandbox refused the webhook URL: ${response.status}`);
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((done) => (child.exitCode !== null ? done() : child.once("exit", done)));
    },
  };
}

/**
 * What most end-to-end files drive: the Intercom sandbox, a bridge connected to it both ways
 * (`env` added to the sandbox's; `toml` as its `baton.toml` when given) and a browser.
 * `stop()` ends all three.
 */
export async function startWithSandbox({ env = {}, toml } = {}) {
  const sandbox = await startSandbox();
  let bridge;
  let browser;
  const stop = async () => {
    await browser?.close();
    await bridge?.stop();
    await sandbox.stop();
  };
  try {
    const dir = mkdtempSync(join(tmpdir(), "baton-e2e-"));
    if (toml !== undefined) writeFileSync(join(dir, "baton.toml"), toml);
    bridge = await startBridge({ dir, env: { ...env, ...sandbox.bridgeEnv } });
    await sandbox.notify(bridge.url);
    browser = await launchBrowser();
  } catch (error) {
    await stop();
    throw error;
  }
  return { sandbox, bridge, browser, stop };
}

/** Headless Chromium with the flags this machine needs. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    ],
  });
}

/** Fails the test on any console error or uncaught exception of the page. */
export function watchErrors(page) {
  const errors = [];
  page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
  page.on("pageerror", (error) => errors.push(error.message));
  return errors;
}

/**
 * Serves `pages` (a map from path to `{body, type?, headers?}`, or a function of the path returning
 * one) on a free loopback port, as a host site on another origin than the bridge's.
 */
export async function servePages(pages) {
  const { createServer } = await import("node:http");
  const server = createServer((request, response) => {
    const path = new URL(request.url, "http://host").pathname;
    const page = typeof pages === "function" ? pages(path) : pages[path];
    if (!page) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": page.type ?? "text/html; charset=utf-8", ...page.headers });
    response.end(page.body);
  });
  await new Promise((listening) => server.listen(0, "127.0.0.1", listening));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((closed) => server.close(closed)),
  };
}
