// How the widget looks and reads: contrast in both themes, the language of the page, inline
// mode, left placement, and the phone keyboard. Screenshots land in test-results/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startBridge, launchBrowser, watchErrors } from "./harness.mjs";

let bridge;
let browser;
before(async () => {
  bridge = await startBridge({ env: { BATON_AGENT_PACE_MS: "5" } });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await bridge?.stop();
});

/** A page on the bridge's origin that mounts the widget with `options`. */
async function pageWith(options, { lang = "en", viewport } = {}) {
  const page = await browser.newPage(viewport ? { viewport } : {});
  const errors = watchErrors(page);
  const url = `${bridge.url}test-page`;
  await page.route(url, (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><link rel="icon" href="data:,">
        <meta name="viewport" content="width=device-width, initial-scale=1"></head>
        <body style="margin:0;background:#e9e4dc"><div id="chat" style="width:380px;height:560px;margin:20px"></div>
        <script type="module">
          import init, { mount } from "/pkg/baton_widget.js";
          await init();
          mount(document.getElementById("chat"), { agent: "demo", endpoint: location.origin, ...${JSON.stringify(options)} });
        </script></body></html>`,
    }),
  );
  await page.goto(url);
  return { page, errors };
}

/** WCAG contrast of every text element in the widget against what is behind it. */
function contrasts(page) {
  return page.evaluate(() => {
    const root = document.getElementById("chat").shadowRoot;
    const rgb = (css) => css.match(/[\d.]+/g).map(Number);
    const luminance = ([r, g, b]) => {
      const c = [r, g, b].map((v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    };
    const background = (el) => {
      for (let node = el; node; node = node.parentElement ?? node.getRootNode().host) {
        const bg = rgb(getComputedStyle(node).backgroundColor);
        if (bg.length < 4 || bg[3] > 0) return bg;
      }
      return [255, 255, 255];
    };
    const selectors = [".baton-title", ".baton-subtitle", ".baton-text p", ".baton-plain", ".baton-system", ".baton-send:not(:disabled)", ".baton-input"];
    return selectors.flatMap((selector) =>
      [...root.querySelectorAll(selector)].map((el) => {
        const [a, b] = [luminance(rgb(getComputedStyle(el).color)), luminance(background(el))];
        return { selector, ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
      }),
    );
  });
}

for (const theme of ["light", "dark"]) {
  test(`text keeps AA contrast in the ${theme} theme`, async () => {
    const { page, errors } = await pageWith({ inline: true, theme });
    await page.getByRole("textbox", { name: "Message" }).fill("Do you sell gift cards?");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("log").getByText("never expire").waitFor();
    await page.getByRole("textbox", { name: "Message" }).fill("typing");
    const measured = await contrasts(page);
    assert.ok(measured.length >= 6, JSON.stringify(measured));
    for (const { selector, ratio } of measured) assert.ok(ratio >= 4.5, `${selector}: ${ratio.toFixed(2)}:1`);
    await page.screenshot({ path: `test-results/inline-${theme}.png` });
    assert.deepEqual(errors, []);
    await page.close();
  });
}

test("the widget speaks the page's language", async () => {
  const { page } = await pageWith({ inline: true }, { lang: "fr" });
  await page.getByRole("textbox", { name: "Message" }).waitFor();
  assert.equal(await page.getByRole("button", { name: "Envoyer" }).count(), 1);
  assert.equal(await page.getByPlaceholder("Écrivez un message…").count(), 1);
  await page.close();
});

test("an accent colour and the left corner are options", async () => {
  const { page } = await pageWith({ position: "left", accentColor: "#0b6e4f" });
  const launcher = page.getByRole("button", { name: "Open chat" });
  const box = await launcher.boundingBox();
  assert.ok(box.x < 100, `launcher at x=${box.x}`);
  const background = await launcher.evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(background, "rgb(11, 110, 79)");
  await page.close();
});

test("on a phone the composer stays above the keyboard", async () => {
  const { page } = await pageWith({}, { viewport: { width: 375, height: 667 } });
  await page.getByRole("button", { name: "Open chat" }).click();
  await page.getByRole("textbox", { name: "Message" }).focus();
  // What an on-screen keyboard does to the visible area.
  await page.setViewportSize({ width: 375, height: 380 });
  await page.waitForTimeout(100);
  const composer = await page.getByRole("textbox", { name: "Message" }).boundingBox();
  assert.ok(composer.y + composer.height <= 380, `composer bottom at ${composer.y + composer.height}`);
  await page.screenshot({ path: "test-results/phone-keyboard.png" });
  await page.close();
});
