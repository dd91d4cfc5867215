// The panel opens and closes with a short animation, and with none for visitors who ask for
// reduced motion.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startBridge, launchBrowser, watchErrors } from "./harness.mjs";

let bridge;
let browser;

before(async () => {
  bridge = await startBridge();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await bridge?.stop();
});

async function openedPanelAnimation(reducedMotion) {
  const context = await browser.newContext({ reducedMotion });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(bridge.url);
  await page.getByRole("button", { name: "Open chat" }).click();
  const panel = page.getByRole("dialog");
  await panel.waitFor();
  const animation = await panel.evaluate((element) => getComputedStyle(element).animationName);
  await page.screenshot({ path: `test-results/motion-${reducedMotion}.png` });
  assert.deepEqual(errors, []);
  await context.close();
  return animation;
}

test("the panel opens with an animation, and without one under prefers-reduced-motion", async () => {
  assert.equal(await openedPanelAnimation("no-preference"), "baton-open");
  assert.equal(await openedPanelAnimation("reduce"), "none");
});

/**
 * Opens the panel, then closes it with `close(page)`; the panel's animation names while closing,
 * as a MutationObserver saw them (none at all when it went at once).
 */
async function closingAnimations(reducedMotion, close) {
  const context = await browser.newContext({ reducedMotion });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(bridge.url);
  await page.getByRole("button", { name: "Open chat" }).click();
  const panel = page.getByRole("dialog");
  await panel.waitFor();
  // Records the panel's computed animation each time its classes change, until it is removed.
  await panel.evaluate((element) => {
    window.seen = [];
    new MutationObserver(() => window.seen.push(getComputedStyle(element).animationName)).observe(element, {
      attributes: true,
      attributeFilter: ["class"],
    });
  });
  await close(page);
  await panel.waitFor({ state: "detached" });
  await page.getByRole("button", { name: "Open chat" }).waitFor();
  if (reducedMotion === "no-preference") await page.screenshot({ path: "test-results/motion-closed.png" });
  const seen = await page.evaluate(() => window.seen);
  assert.deepEqual(errors, []);
  await context.close();
  return seen;
}

test("the panel closes with a fade, by the launcher and by Escape, and at once under prefers-reduced-motion", async () => {
  const byLauncher = (page) => page.getByRole("button", { name: "Close chat" }).click();
  const byEscape = async (page) => {
    await page.getByRole("textbox", { name: "Message" }).focus();
    await page.keyboard.press("Escape");
  };
  assert.deepEqual(await closingAnimations("no-preference", byLauncher), ["baton-close"]);
  assert.deepEqual(await closingAnimations("no-preference", byEscape), ["baton-close"]);
  assert.deepEqual(await closingAnimations("reduce", byLauncher), [], "no fading class: it went at once");
});
