// The widget as visitors meet it: a reload mid-conversation, the bridge going away and coming
// back, the keyboard alone, and a phone-sized screen.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startBridge, launchBrowser, watchErrors } from "./harness.mjs";

let browser;
before(async () => (browser = await launchBrowser()));
after(async () => browser?.close());

async function ask(page, text) {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

test("a reload mid-conversation shows the same conversation and carries on", async () => {
  const bridge = await startBridge({ env: { BATON_AGENT_PACE_MS: "5" } });
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(bridge.url);
    await page.getByRole("button", { name: "Open chat" }).click();
    await ask(page, "Do you sell gift cards?");
    await page.getByRole("log").getByText("never expire").waitFor();

    await page.reload();
    await page.getByRole("button", { name: "Open chat" }).click();
    const log = page.getByRole("log");
    await log.getByText("Do you sell gift cards?").waitFor();
    await log.getByText("never expire").waitFor();
    await ask(page, "What are the shipping costs?");
    await log.getByText("free on UK orders over £30").waitFor();
    assert.equal(await log.getByText("Do you sell gift cards?").count(), 1, "nothing repeated");

    // A second tab of the same site continues the same conversation.
    const second = await context.newPage();
    await second.goto(bridge.url);
    await second.getByRole("button", { name: "Open chat" }).click();
    await second.getByRole("log").getByText("free on UK orders over £30").waitFor();
    await context.close();
  } finally {
    await bridge.stop();
  }
});

test("when the bridge goes away the visitor is told, and nothing is lost when it returns", async () => {
  let bridge = await startBridge({ env: { BATON_AGENT_PACE_MS: "5" } });
  const page = await browser.newPage();
  try {
    await page.goto(bridge.url);
    await page.getByRole("button", { name: "Open chat" }).click();
    await ask(page, "How do I track my order?");
    const log = page.getByRole("log");
    await log.getByText("chase the courier").waitFor();

    await bridge.stop({ keep: true, signal: "SIGKILL" });
    await page.getByText("You're offline. Reconnecting…").waitFor();
    await ask(page, "Can I pay with PayPal?");
    await page.getByRole("button", { name: "Retry" }).waitFor();

    bridge = await startBridge({ port: bridge.port, dir: bridge.dir, env: { BATON_AGENT_PACE_MS: "5" } });
    await page.getByRole("button", { name: "Retry" }).click();
    await log.getByText("Apple Pay, Google Pay and PayPal").waitFor({ timeout: 40_000 });
    await page.getByText("You're offline. Reconnecting…").waitFor({ state: "detached", timeout: 40_000 });
    assert.equal(await log.getByText("Can I pay with PayPal?").count(), 1);
    assert.equal(await log.getByText("chase the courier").count(), 1);
  } finally {
    await page.close();
    await bridge.stop();
  }
});

/**
 * Waits (up to 5 s) for focus to reach `locator`'s element in its shadow root. Focus moves once
 * the widget has rendered, which under load can come a frame after the element appears.
 */
async function focusReaches(locator, message) {
  const reached = await locator.evaluate((el) => new Promise((done) => {
    const deadline = Date.now() + 5000;
    const check = () => {
      if (el.getRootNode().activeElement === el) done(true);
      else if (Date.now() > deadline) done(false);
      else requestAnimationFrame(check);
    };
    check();
  }));
  assert.ok(reached, message);
}

test("keyboard only: open, write, send, and Escape back to the launcher", async () => {
  const bridge = await startBridge({ env: { BATON_AGENT_PACE_MS: "5" } });
  const page = await browser.newPage();
  const errors = watchErrors(page);
  try {
    await page.goto(bridge.url);
    const launcher = page.getByRole("button", { name: "Open chat" });
    await launcher.focus();
    await page.keyboard.press("Enter");
    const box = page.getByRole("textbox", { name: "Message" });
    await assert.doesNotReject(box.waitFor());
    await focusReaches(box, "focus moved into the panel");
    await page.keyboard.type("How do I brew a pour-over?");
    await page.keyboard.press("Enter");
    await page.getByRole("log").getByText("Bloom with 40 g of water").waitFor();
    await page.keyboard.press("Escape");
    const reopen = page.getByRole("button", { name: "Open chat" });
    await reopen.waitFor();
    await focusReaches(reopen, "focus returned to the launcher");
    assert.equal(await page.getByRole("log").count(), 0, "the panel closed");
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
    await bridge.stop();
  }
});

test("on a phone the panel fills the screen and the composer stays visible", async () => {
  const bridge = await startBridge({ env: { BATON_AGENT_PACE_MS: "5" } });
  const page = await browser.newPage({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
  try {
    await page.goto(bridge.url);
    await page.getByRole("button", { name: "Open chat" }).tap();
    const panel = page.getByRole("dialog");
    const box = await panel.boundingBox();
    assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 375, 667]);
    await ask(page, "What grind sizes do you offer?");
    await page.getByRole("log").getByText("cafetière").waitFor();
    const composer = await page.getByRole("textbox", { name: "Message" }).boundingBox();
    assert.ok(composer.y + composer.height <= 667, "the composer is on screen");
    await page.screenshot({ path: "test-results/phone.png" });
  } finally {
    await page.close();
    await bridge.stop();
  }
});
