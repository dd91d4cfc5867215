// The panel opens with a short animation, and with none for visitors who ask for reduced motion.
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
