// The demo page as a visitor uses it: open the chat, ask a question, watch the answer stream in.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startBridge, launchBrowser, watchErrors } from "./harness.mjs";

let bridge;
let browser;

before(async () => {
  bridge = await startBridge({ env: { BATON_AGENT_PACE_MS: "60" } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await bridge?.stop();
});

test("a visitor opens the chat, sends a message and watches the answer stream in", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(bridge.url);

  await page.getByRole("button", { name: "Open chat" }).click();
  await assert.doesNotReject(page.getByRole("button", { name: "Close chat" }).waitFor());
  const log = page.getByRole("log");
  await log.getByText("Ask me about orders").waitFor();

  await page.getByRole("textbox", { name: "Message" }).fill("How long does shipping take?");
  await page.getByRole("button", { name: "Send" }).click();
  await log.getByText("How long does shipping take?").waitFor();

  // Sample the answer bubble while it streams: it must grow through several lengths.
  const answer = page.locator(".baton-from-agent").nth(1);
  const lengths = new Set();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const text = (await answer.count()) ? await answer.innerText() : "";
    if (text) lengths.add(text.length);
    if (text.includes("Every order email has a tracking link.")) break;
    await page.waitForTimeout(50);
  }
  const finalText = await answer.innerText();
  assert.match(finalText, /Royal Mail Tracked 48/);
  assert.ok(lengths.size >= 3, `the answer grew piece by piece, seen lengths: ${[...lengths]}`);
  assert.deepEqual(errors, []);
  await page.screenshot({ path: "test-results/chat-answered.png" });
});

test("the composer keeps Enter for sending and Shift+Enter for a new line", async () => {
  const page = await browser.newPage();
  await page.goto(bridge.url);
  await page.getByRole("button", { name: "Open chat" }).click();
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill("Do you sell");
  await box.press("Shift+Enter");
  await box.pressSequentially("gift cards?");
  assert.equal(await box.inputValue(), "Do you sell\ngift cards?");
  await box.press("Enter");
  assert.equal(await box.inputValue(), "");
  await page.getByRole("log").getByText("never expire").waitFor();
});
