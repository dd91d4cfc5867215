// Issue 16's polish beside Intercom Messenger's, in the browser against a bridge and the Intercom
// sandbox: suggested first questions from the agent's settings (in the page's language) that
// send themselves, and, while the panel is closed, a preview of a teammate's reply beside the
// launcher with an unread count, cleared by opening the chat; and the visitor's newest message
// "Seen" once a teammate answered after it.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { watchErrors, startWithSandbox } from "./harness.mjs";

let sandbox;
let bridge;
let browser;
let stack;

before(async () => {
  const toml = `[agents.demo]
name = "Juniper"
company = "Lumen Coffee Roasters"
greeting = "Hi! Ask me about orders, subscriptions or brewing."
suggestions = ["How long does shipping take?", "Can I pause my subscription?"]

[agents.demo.handoff]
when = "Hand off when the user asks to speak with a human."

[agents.demo.locales.fr]
suggestions = ["Quels sont les délais de livraison ?"]
`;
  stack = await startWithSandbox({ env: { BATON_AGENT_PACE_MS: "20" }, toml });
  ({ sandbox, bridge, browser } = stack);
});

after(() => stack?.stop());

test("a suggested first question sends itself as the visitor's message and the agent answers it", async () => {
  const visitor = await browser.newPage();
  const errors = watchErrors(visitor);
  await visitor.goto(bridge.url);
  await visitor.getByRole("button", { name: "Open chat" }).click();
  const question = visitor.getByRole("button", { name: "How long does shipping take?" });
  await question.waitFor();
  await visitor.getByRole("button", { name: "Can I pause my subscription?" }).waitFor();
  await visitor.screenshot({ path: "test-results/polish-suggestions.png" });
  await question.click();
  const log = visitor.getByRole("log");
  await log.locator(".baton-from-visitor").getByText("How long does shipping take?").waitFor();
  await log.getByText(/Royal Mail Tracked 48/).waitFor({ timeout: 15_000 });
  assert.equal(await visitor.locator(".baton-suggestion").count(), 0, "gone once the conversation has a message");
  await visitor.screenshot({ path: "test-results/polish-suggestion-answered.png" });

  // After a reload the conversation still has its messages: no questions come back.
  await visitor.reload();
  await visitor.getByRole("button", { name: "Open chat" }).click();
  await visitor.getByRole("log").getByText(/Royal Mail Tracked 48/).waitFor();
  assert.equal(await visitor.locator(".baton-suggestion").count(), 0);
  assert.deepEqual(errors, []);
});

test("a French page offers the French suggested questions", async () => {
  const visitor = await browser.newPage();
  const errors = watchErrors(visitor);
  await visitor.route(bridge.url, async (route) => {
    const response = await route.fetch();
    const body = (await response.text()).replace('<html lang="en">', '<html lang="fr">');
    await route.fulfill({ response, body });
  });
  await visitor.goto(bridge.url);
  await visitor.getByRole("button", { name: "Ouvrir le chat" }).click();
  await visitor.getByRole("button", { name: "Quels sont les délais de livraison ?" }).waitFor();
  assert.equal(await visitor.locator(".baton-suggestion").count(), 1);
  assert.deepEqual(errors, []);
});

/** Answers the sandbox conversation about `subject` as Ana Torres, from the inbox page. */
async function reply(teammate, subject, text) {
  await teammate.goto(sandbox.url);
  await teammate.getByRole("link", { name: subject }).first().click();
  await teammate.getByLabel("Reply as").selectOption({ label: "Ana Torres" });
  await teammate.getByLabel("Reply", { exact: true }).fill(text);
  await Promise.all([
    teammate.waitForURL(/\/inbox\/[^/]+$/, { waitUntil: "load" }),
    teammate.getByRole("button", { name: "Send reply" }).click(),
  ]);
  await teammate.locator(".admin").getByText(text).waitFor();
}

/** Opens the chat, asks `question`, and once it is answered asks for a person; the composer. */
async function askForAPerson(visitor, question) {
  await visitor.goto(bridge.url);
  await visitor.getByRole("button", { name: "Open chat" }).click();
  const box = visitor.getByRole("textbox", { name: "Message" });
  await box.fill(question);
  await box.press("Enter");
  await visitor.locator(".baton-from-agent").nth(1).waitFor({ timeout: 15_000 });
  await box.fill("Can I talk to a person please?");
  await box.press("Enter");
  await visitor.getByText("Waiting for a teammate").first().waitFor({ timeout: 15_000 });
  return box;
}

test("with the chat closed a teammate's reply shows a preview and a count beside the launcher; opening clears them", async () => {
  const visitor = await browser.newPage();
  const errors = watchErrors(visitor);
  const box = await askForAPerson(visitor, "My grinder arrived broken");
  const state = visitor.locator(".baton-delivered").filter({ visible: true });
  assert.equal(await state.textContent(), "Delivered", "nobody has read it yet");
  await visitor.getByRole("button", { name: "Close chat" }).click();
  await visitor.getByRole("button", { name: "Open chat" }).waitFor();

  const teammate = await browser.newPage();
  const long = "Hi! I'm Ana from Lumen. I am so sorry about the grinder: we will send a new one today, " +
    "and here is a prepaid label for the broken one so you can return it whenever suits you.";
  await reply(teammate, /My grinder arrived broken/, long);

  const preview = visitor.locator(".baton-preview");
  await preview.waitFor({ timeout: 15_000 });
  assert.equal(await preview.getAttribute("role"), "status", "announced politely");
  assert.equal(await preview.locator(".baton-preview-author").textContent(), "Ana Torres");
  const shown = await preview.locator(".baton-preview-text").textContent();
  assert.ok(shown.startsWith("Hi! I'm Ana from Lumen.") && shown.endsWith("…"), shown);
  assert.ok(shown.length <= 100, `cut to a line or two: ${shown}`);
  assert.equal(await visitor.locator(".baton-badge [aria-hidden]").textContent(), "1");
  await visitor.screenshot({ path: "test-results/polish-preview.png" });

  // Closed, it stays away until a newer message; the count stays.
  await visitor.getByRole("button", { name: "Close preview" }).click();
  await preview.waitFor({ state: "detached" });
  assert.equal(await visitor.locator(".baton-badge [aria-hidden]").textContent(), "1");
  await reply(teammate, /My grinder arrived broken/, "Are you still there?");
  await preview.getByText("Are you still there?").waitFor({ timeout: 15_000 });
  assert.equal(await visitor.locator(".baton-badge [aria-hidden]").textContent(), "2");

  // Clicking the preview opens the chat on the reply; preview and count are gone.
  await preview.getByRole("button", { name: /Ana Torres/ }).click();
  await visitor.getByRole("log").getByText("Are you still there?").waitFor();
  await visitor.getByRole("button", { name: "Close chat" }).waitFor();
  assert.equal(await state.textContent(), "Seen", "the teammate answered after it");
  await visitor.screenshot({ path: "test-results/polish-seen.png" });
  assert.equal(await visitor.locator(".baton-preview").count(), 0, "none while the panel is open");
  await visitor.getByRole("button", { name: "Close chat" }).click();
  await visitor.getByRole("button", { name: "Open chat" }).waitFor();
  assert.equal(await visitor.locator(".baton-preview, .baton-badge").count(), 0, "seen: nothing to preview");
  await visitor.screenshot({ path: "test-results/polish-preview-cleared.png" });
  await visitor.getByRole("button", { name: "Open chat" }).click();
  await box.fill("Yes, thanks!");
  await box.press("Enter");
  await visitor.locator(".baton-delivered").filter({ visible: true, hasText: "Delivered" }).waitFor();
  assert.equal(await state.count(), 1, "only the newest says where it stands");
  assert.deepEqual(errors, []);
});

test("a teammate who reads the conversation in the inbox and leaves a note makes the visitor's message Seen", async () => {
  const visitor = await browser.newPage();
  const errors = watchErrors(visitor);
  const box = await askForAPerson(visitor, "My kettle leaks");
  const state = visitor.locator(".baton-delivered").filter({ visible: true });
  assert.equal(await state.textContent(), "Delivered");

  const teammate = await browser.newPage();
  await teammate.goto(sandbox.url);
  await teammate.getByRole("link", { name: /My kettle leaks/ }).first().click();
  await teammate.getByLabel("Note", { exact: true }).fill("Looking into the kettle");
  await Promise.all([
    teammate.waitForURL(/\/inbox\/[^/]+$/, { waitUntil: "load" }),
    teammate.getByRole("button", { name: "Add note" }).click(),
  ]);
  await visitor.locator(".baton-delivered").filter({ visible: true, hasText: "Seen" }).waitFor({ timeout: 15_000 });
  assert.equal(await visitor.getByText("Looking into the kettle").count(), 0, "the note stays internal");
  await visitor.screenshot({ path: "test-results/polish-seen-read.png" });
  assert.deepEqual(errors, []);
});
