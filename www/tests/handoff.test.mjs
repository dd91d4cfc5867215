// The whole handoff loop in the browser, offline: a visitor on the demo page asks for a person,
// sees the transition, a teammate answers from the Intercom sandbox's inbox page, and the
// visitor sees the answer in the widget.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { watchErrors, startWithSandbox } from "./harness.mjs";

let sandbox;
let bridge;
let browser;
let stack;

before(async () => {
  stack = await startWithSandbox({ env: { BATON_AGENT_PACE_MS: "20" } });
  ({ sandbox, bridge, browser } = stack);
});

after(() => stack?.stop());

test("a visitor asks for a person, a teammate answers from the inbox, the visitor sees it", async () => {
  const visitor = await browser.newPage();
  const errors = watchErrors(visitor);
  await visitor.goto(bridge.url);
  await visitor.getByRole("button", { name: "Open chat" }).click();
  const log = visitor.getByRole("log");
  const box = visitor.getByRole("textbox", { name: "Message" });
  await box.fill("How long does shipping take?");
  await box.press("Enter");
  await log.getByText(/Royal Mail Tracked 48/).waitFor();
  await box.fill("Can I talk to a person please?");
  await box.press("Enter");
  await visitor.getByText("Waiting for a teammate").first().waitFor({ timeout: 15_000 });
  await visitor.screenshot({ path: "test-results/handoff-waiting.png" });

  const teammate = await browser.newPage();
  await teammate.goto(sandbox.url);
  // The inbox lists the conversation by what it is about, not by the request for a person.
  await teammate.getByRole("link", { name: /How long does shipping take/ }).first().click();
  await teammate.getByText("Internal note").first().waitFor();
  const page = await teammate.content();
  assert.match(page, /Asked for a person/);
  assert.match(page, /How long does shipping take\?/);
  await teammate.getByLabel("Reply as").selectOption({ label: "Ana Torres" });
  await teammate.getByLabel("Reply", { exact: true }).fill("Hi! I'm Ana from Lumen. How can I help?");
  // The form posts and the inbox page reloads: wait for the reloaded page to show the reply
  // before touching it again.
  await Promise.all([
    teammate.waitForURL(/\/inbox\/[^/]+$/, { waitUntil: "load" }),
    teammate.getByRole("button", { name: "Send reply" }).click(),
  ]);
  await teammate.locator(".admin").getByText("Hi! I'm Ana from Lumen. How can I help?").waitFor();
  await teammate.screenshot({ path: "test-results/handoff-inbox.png" });

  await log.getByText("Hi! I'm Ana from Lumen. How can I help?").waitFor({ timeout: 15_000 });
  await log.getByText("Ana Torres joined the conversation").waitFor();
  await box.fill("My order never arrived");
  await box.press("Enter");
  await teammate.getByText("My order never arrived").waitFor({ timeout: 15_000 });
  await visitor.screenshot({ path: "test-results/handoff-answered.png" });
  assert.deepEqual(errors, []);
});

test("a visitor on a French page is reported to the team as French whatever the browser's language", async () => {
  const visitor = await browser.newPage({ locale: "en-US" });
  const errors = watchErrors(visitor);
  await visitor.route(bridge.url, async (route) => {
    const response = await route.fetch();
    const body = (await response.text()).replace('<html lang="en">', '<html lang="fr">');
    await route.fulfill({ response, body });
  });
  await visitor.goto(bridge.url);
  await visitor.getByRole("button", { name: "Ouvrir le chat" }).click();
  const created = visitor.waitForRequest(
    (request) => request.method() === "POST" && request.url().endsWith("/v1/conversations"),
  );
  const box = visitor.getByRole("textbox", { name: "Message" });
  await box.fill("Bonjour");
  await box.press("Enter");
  assert.equal((await created).postDataJSON().locale, "fr");
  assert.deepEqual(errors, []);
});
