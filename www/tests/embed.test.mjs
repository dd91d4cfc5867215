// The script tag on someone else's site: a plain page, a hostile one (CSS resets, `all: unset`,
// huge z-indexes, content-box, RTL) and one under a strict Content-Security-Policy. The widget
// works on each, logs no error, and leaves the host page's own layout exactly as it was. Also
// measures what the tag costs the page: the loader's size, the bytes downloaded before any
// interaction, and the time from DOMContentLoaded to the launcher.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startBridge, launchBrowser, watchErrors, servePages } from "./harness.mjs";

const root = resolve(import.meta.dirname, "../..");
const VERSION = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version = "(.*)"/m)[1];

const HOST_CSS = `body { margin: 0; font: 16px/1.5 Georgia, serif; }
header, footer { padding: 16px 24px; background: #1f3a2e; color: #fff; }
main { padding: 24px; max-width: 720px; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }
.card { border: 1px solid #ccc; padding: 12px; min-height: 120px; }`;

// What careless or unlucky site CSS does to everything it can reach.
const HOSTILE_CSS = `* { all: unset; }
*, *::before, *::after { box-sizing: content-box !important; }
html { direction: rtl; font-size: 22px; line-height: 2; }
head, script, style, title { display: none; }
header, main, footer, section, h1, p, div { display: block; position: relative; z-index: 2147483647 !important; }
div { margin: 4px !important; padding: 8px !important; border: 3px solid #c00 !important; }
button { display: inline-block; padding: 30px; background: #ff0; }`;

/** The host page: its own content, and the script tag when `tag` is given. */
function hostPage({ tag = "", hostile = false }) {
  return `<!doctype html>
<html lang="en"${hostile ? ' dir="rtl"' : ""}>
<head><meta charset="utf-8"><title>Northwind Outfitters</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/host.css">${hostile ? '<link rel="stylesheet" href="/hostile.css">' : ""}</head>
<body>
<header id="top">Northwind Outfitters</header>
<main>
  <h1 id="title">Waterproof jackets for the long walk home</h1>
  <p id="intro">Three layers, taped seams, a hood that stays put. Free returns for a year.</p>
  <button id="buy" type="button">Buy now</button>
  <section class="cards" id="cards">
    <div class="card" id="c1">Ridge, £180</div><div class="card" id="c2">Fell, £220</div>
    <div class="card" id="c3">Tarn, £140</div>
  </section>
</main>
<footer id="bottom">Northwind · Kendal</footer>
${tag}
</body></html>`;
}

let bridge;
let site;
let browser;

/** Strict: no inline script or style, no eval; only what the tag's documentation lists. */
const csp = () =>
  [
    "default-src 'none'",
    `script-src ${bridge.url.replace(/\/$/, "")} 'wasm-unsafe-eval'`,
    `connect-src ${bridge.url.replace(/\/$/, "")}`,
    "style-src 'self'",
    `img-src ${bridge.url.replace(/\/$/, "")} data:`,
    "base-uri 'none'",
  ].join("; ");

before(async () => {
  bridge = await startBridge({ env: { BATON_AGENT_PACE_MS: "5" } });
  browser = await launchBrowser();
  const tag = (extra = "") =>
    `<script async src="${bridge.url}pkg/baton.js" data-agent="demo" ${extra}></script>`;
  const pages = {
    "/host.css": { body: HOST_CSS, type: "text/css" },
    "/hostile.css": { body: HOSTILE_CSS, type: "text/css" },
    "/plain.html": { body: hostPage({}) },
    "/plain-tag.html": { body: hostPage({ tag: tag() }) },
    "/hostile.html": { body: hostPage({ hostile: true }) },
    "/hostile-tag.html": { body: hostPage({ hostile: true, tag: tag() }) },
    "/twice.html": { body: hostPage({ tag: tag() + tag('data-position="left"') }) },
    // The page's own script runs before the async tag: it sets up the queue and calls early.
    "/early.js": {
      type: "text/javascript",
      body: `window.Baton ??= Object.assign((...args) => window.Baton.q.push(args), { q: [] });
        Baton("on", "open", () => document.body.setAttribute("data-chat-opened", ""));
        Baton("open");`,
    },
    "/early.html": { body: hostPage({ tag: `<script src="/early.js"></script>${tag()}` }) },
    "/options.html": {
      body: hostPage({ tag: tag('data-position="left" data-theme="dark" data-locale="fr" data-accent-color="#0a7d55"') }),
    },
  };
  site = await servePages((path) => {
    if (path === "/strict.html" || path === "/strict-tag.html") {
      const body = hostPage({ tag: path === "/strict-tag.html" ? tag('data-accent-color="#0a7d55"') : "" });
      return { body, headers: { "content-security-policy": csp() } };
    }
    return pages[path];
  });
});

after(async () => {
  await browser?.close();
  await site?.close();
  await bridge?.stop();
});

/** A page that records CSP violations, DOMContentLoaded and when the launcher first shows. */
async function newPage() {
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (event) =>
      window.__violations.push(`${event.violatedDirective} ${event.blockedURI}`));
    document.addEventListener("DOMContentLoaded", () => (window.__dcl = performance.now()));
    new MutationObserver((_, observer) => {
      if (document.querySelector("[data-baton]")) {
        observer.disconnect();
        requestAnimationFrame(() => (window.__launcher = performance.now()));
      }
    }).observe(document, { childList: true, subtree: true });
  });
  return page;
}

/** Waits until the wasm widget has replaced the loader's launcher. */
async function widgetMounted(page) {
  await page.waitForFunction(() =>
    [...document.querySelectorAll("[data-baton]")].some((el) => el.shadowRoot?.querySelector(".baton")));
}

/** Holds the widget's code back until the returned function is called. */
async function holdWidget(page) {
  let release;
  const gate = new Promise((resolveGate) => (release = resolveGate));
  await page.route("**/pkg/baton_widget.js", async (route) => {
    await gate;
    await route.continue();
  });
  return release;
}

/** The host page's own boxes and scroll size: what the tag must leave untouched. */
function hostLayout(page) {
  return page.evaluate(() => ({
    scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight],
    boxes: [...document.body.querySelectorAll("*:not([data-baton]):not(script)")].map((el) => {
      const box = el.getBoundingClientRect();
      return `${el.tagName}#${el.id} ${box.x},${box.y} ${box.width}x${box.height}`;
    }),
  }));
}

/** The page above the launcher's corner, as PNG: with and without the tag it must be identical. */
function hostPixels(page) {
  return page.screenshot({ clip: { x: 0, y: 0, width: 1000, height: 580 } });
}

/** Opens the chat with the launcher, asks a question, waits for the answer. */
async function chat(page) {
  await page.getByRole("button", { name: "Open chat" }).click();
  const box = page.getByRole("textbox", { name: "Message" });
  await box.waitFor();
  await box.fill("How long does shipping take?");
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByRole("log").getByText(/Royal Mail Tracked 48/).waitFor();
}

for (const [name, path] of [["a plain page", "plain"], ["a hostile page", "hostile"], ["a strict CSP", "strict"]]) {
  test(`on ${name} the tag leaves the host's layout unchanged and the chat works, error-free`, async () => {
    const bare = await newPage();
    await bare.goto(`${site.url}/${path}.html`);
    const expected = await hostLayout(bare);
    const expectedPixels = await hostPixels(bare);
    await bare.close();

    const page = await newPage();
    const errors = watchErrors(page);
    await page.goto(`${site.url}/${path}-tag.html`);
    await page.getByRole("button", { name: "Open chat" }).waitFor();
    assert.deepEqual(await hostLayout(page), expected, "layout with only the loader's launcher");
    await widgetMounted(page);
    assert.deepEqual(await hostLayout(page), expected, "layout with the widget loaded");
    assert.ok(expectedPixels.equals(await hostPixels(page)), "the host page looks the same");
    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: `test-results/embed-${path}.png` });

    // Nothing of the page's CSS reaches in, not even through inheritance.
    const inside = await page.evaluate(() => {
      const root = [...document.querySelectorAll("[data-baton]")].find((el) => el.shadowRoot?.querySelector(".baton"));
      const style = getComputedStyle(root.shadowRoot.querySelector(".baton"));
      return [style.direction, style.fontSize, style.boxSizing];
    });
    assert.deepEqual(inside, ["ltr", "15px", "border-box"]);
    await chat(page);
    await page.screenshot({ path: `test-results/embed-${path}-open.png` });
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test("Baton(...) calls queue before the widget loads and run after; shutdown forgets the visitor", async () => {
  const page = await newPage();
  const errors = watchErrors(page);
  // Hold the widget back until the page has called the global a few times.
  const release = await holdWidget(page);
  const puts = [];
  const created = [];
  page.on("request", (request) => {
    if (request.method() === "PUT") puts.push(request.url());
    if (request.method() === "POST" && request.url().endsWith("/v1/conversations")) created.push(request.postDataJSON());
  });
  await page.goto(`${site.url}/plain-tag.html`);
  await page.getByRole("button", { name: "Open chat" }).waitFor();
  assert.equal(await page.evaluate(() => Baton("version")), VERSION);
  await page.evaluate(() => {
    window.__events = [];
    for (const name of ["open", "close", "message", "handoff"]) {
      Baton("on", name, (detail) => window.__events.push(detail ? `${name}:${detail.author}` : name));
    }
    Baton("identify", { email: "ada@example.com", name: "Ada" });
    Baton("open");
  });
  release();
  const box = page.getByRole("textbox", { name: "Message" });
  await box.waitFor();
  await page.waitForFunction(() => window.__events.includes("open"));
  await box.fill("How long does shipping take?");
  await page.getByRole("button", { name: "Send" }).click();
  await page.waitForFunction(() => window.__events.includes("message:agent"));
  // Identified before there was a conversation: the conversation starts with the visitor.
  assert.deepEqual(created.map((body) => body.visitor), [{ email: "ada@example.com", name: "Ada" }]);
  await box.fill("Can I talk to a person please?");
  await page.getByRole("button", { name: "Send" }).click();
  await page.waitForFunction(() => window.__events.includes("handoff"));
  // No inbox is connected, so the handoff fails; the visitor's email is known, so is not asked for.
  await page.getByText("We couldn't reach our team just now.", { exact: false }).waitFor();
  assert.equal(await page.getByRole("textbox", { name: "Your email" }).count(), 0);

  // Once a conversation exists, identify updates it on the bridge.
  await page.evaluate(() => Baton("identify", { name: "Ada Lovelace" }));
  await page.waitForFunction(() => performance.getEntriesByType("resource").some((e) => e.name.endsWith("/visitor")));
  assert.equal(puts.filter((url) => url.endsWith("/visitor")).length, 1);

  await page.evaluate(() => Baton("close"));
  await page.waitForFunction(() => window.__events.includes("close"));
  await page.getByRole("button", { name: "Open chat" }).waitFor();
  assert.equal(await page.evaluate(() => Baton("version")), VERSION);

  const stored = () => page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith("baton:")));
  assert.notDeepEqual(await stored(), []);
  await page.evaluate(() => Baton("shutdown"));
  assert.deepEqual(await stored(), []);
  // A fresh launcher for the next visitor, whose chat starts empty.
  await page.getByRole("button", { name: "Open chat" }).click();
  await page.getByRole("log").getByText("Ask me about orders").waitFor();
  assert.equal(await page.getByRole("log").getByText("How long does shipping take?").count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("a keyboard user on the loader's launcher keeps focus when the widget replaces it", async () => {
  const page = await newPage();
  const errors = watchErrors(page);
  const release = await holdWidget(page);
  await page.goto(`${site.url}/plain-tag.html`);
  await page.getByRole("button", { name: "Open chat" }).focus();
  release();
  await widgetMounted(page);
  await page.waitForFunction(() =>
    document.activeElement?.shadowRoot?.activeElement?.matches(".baton-launcher"));
  await page.keyboard.press("Enter");
  await page.waitForFunction(() =>
    document.activeElement?.shadowRoot?.activeElement?.getAttribute("aria-label") === "Message");
  assert.deepEqual(errors, []);
  await page.close();
});

test("calls the page queued before the tag ran are replayed", async () => {
  const page = await newPage();
  const errors = watchErrors(page);
  await page.goto(`${site.url}/early.html`);
  await page.getByRole("textbox", { name: "Message" }).waitFor();
  await page.locator("body[data-chat-opened]").waitFor({ state: "attached" });
  assert.deepEqual(errors, []);
  await page.close();
});

test("two script tags make one widget", async () => {
  const page = await newPage();
  const errors = watchErrors(page);
  await page.goto(`${site.url}/twice.html`);
  await widgetMounted(page);
  assert.equal(await page.locator("[data-baton]").count(), 1);
  assert.equal(await page.getByRole("button", { name: "Open chat" }).count(), 1);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the tag's data attributes reach the launcher and the widget", async () => {
  const page = await newPage();
  const errors = watchErrors(page);
  // The loader's launcher stays until the widget is let through.
  const release = await holdWidget(page);
  await page.goto(`${site.url}/options.html`);
  const launcher = page.getByRole("button", { name: "Ouvrir le chat" });
  await launcher.waitFor();
  const corner = () => launcher.evaluate((el) => [el.getBoundingClientRect().left, getComputedStyle(el).backgroundColor]);
  assert.deepEqual(await corner(), [20, "rgb(10, 125, 85)"], "the loader's launcher");
  release();
  await widgetMounted(page);
  assert.deepEqual(await corner(), [20, "rgb(10, 125, 85)"], "the widget's launcher");
  const root = await page.evaluate(() => {
    const baton = document.querySelector("[data-baton]").shadowRoot.querySelector(".baton");
    return [baton.classList.contains("baton-left"), baton.classList.contains("baton-dark"), baton.lang];
  });
  assert.deepEqual(root, [true, true, "fr"]);
  assert.deepEqual(errors, []);
  await page.close();
});

test("the tag costs the page little: measured loader size, bytes before interaction, time to launcher", async () => {
  const loaderGzip = readFileSync(join(root, "pkg/baton.js.gz")).length;
  assert.ok(loaderGzip <= 1400, `the loader is ${loaderGzip} B gzip, over 1,400 B`);

  const page = await newPage();
  // Each request's phase is decided when it starts: before the widget's first request, or after.
  const transfers = [];
  const phases = new Map();
  let idle = false;
  page.on("request", (request) => {
    idle ||= /baton_widget/.test(request.url());
    phases.set(request, idle ? "idle" : "before");
  });
  page.on("requestfinished", async (request) => {
    const sizes = await request.sizes().catch(() => null);
    if (sizes) {
      const bytes = sizes.responseBodySize + sizes.responseHeadersSize;
      transfers.push({ url: request.url(), phase: phases.get(request), bytes, body: sizes.responseBodySize });
    }
  });
  await page.goto(`${site.url}/plain-tag.html`, { waitUntil: "load" });
  await page.getByRole("button", { name: "Open chat" }).waitFor();
  const timing = await page.evaluate(() => {
    const navigation = performance.getEntriesByType("navigation")[0];
    const widget = performance.getEntriesByType("resource").filter((e) => /baton_widget/.test(e.name));
    return {
      launcher: window.__launcher - window.__dcl,
      load: navigation.loadEventStart,
      firstWidgetFetch: widget.length ? Math.min(...widget.map((e) => e.startTime)) : null,
    };
  });
  // Nothing of the widget before the page's own load event: it waits for the idle browser.
  assert.ok(timing.firstWidgetFetch === null || timing.firstWidgetFetch >= timing.load, JSON.stringify(timing));
  await widgetMounted(page);
  await page.waitForTimeout(200);
  const beforeIdle = transfers.filter((t) => t.phase === "before");
  assert.deepEqual(beforeIdle.map((t) => new URL(t.url).pathname).sort(), ["/host.css", "/pkg/baton.js", "/plain-tag.html"]);
  const sum = (list) => list.reduce((total, t) => total + t.bytes, 0);
  const figures = {
    version: VERSION,
    loaderGzipBytes: loaderGzip,
    bytesBeforeIdle: sum(beforeIdle),
    loaderBodyBytes: beforeIdle.find((t) => t.url.endsWith("/pkg/baton.js")).body,
    bytesOnceIdleWithoutInteraction: sum(transfers),
    domContentLoadedToLauncherMs: Math.round(timing.launcher * 10) / 10,
  };
  mkdirSync("test-results", { recursive: true });
  writeFileSync("test-results/embed-figures.json", `${JSON.stringify(figures, null, 2)}\n`);
  console.log("embed figures:", figures);
  assert.ok(figures.domContentLoadedToLauncherMs < 1000, JSON.stringify(figures));
  await page.close();
});
