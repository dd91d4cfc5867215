// The dashboard in the browser, offline, against the Intercom sandbox: the product brief's steps
// from the Handoffs tab to "Save Changes" through the sandbox's consent page, disconnect and
// reconnect, a connection by a configured token, the configuration screen's behaviours (a refused
// save marks the row, AI assist off disables its fields, the unsaved guard), the preview's test
// handoff in the sandbox inbox and out of default analytics, the drill-down from a reason to its
// conversations, a second agent configured separately, and the sign-in page. Screenshots land in
// test-results/dashboard-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startBridge, startSandbox, launchBrowser, watchErrors } from "./harness.mjs";

const ADMIN_TOKEN = "test-admin";
const HOSTILE = "<img src=x onerror=alert(1)>";
const ACCESSES = ["People", "Companies", "Conversations", "Messages", "Teams and teammates"];
const WORKSPACE = "Lumen Coffee Roasters (sandbox)";

let sandbox;
/** Connected by the configured token, as `make demo` runs. */
let bridge;
/** Intercom configured for OAuth only: the brief's "Authorize access". */
let oauthBridge;
let browser;

before(async () => {
  sandbox = await startSandbox();
  const env = { BATON_ADMIN_TOKEN: ADMIN_TOKEN, BATON_AGENT_PACE_MS: "10" };
  bridge = await startBridge({ env: { ...env, ...sandbox.bridgeEnv } });
  oauthBridge = await startBridge({
    env: {
      ...env,
      BATON_INTERCOM_BASE_URL: sandbox.url,
      BATON_INTERCOM_CLIENT_ID: "sandbox-client",
      BATON_INTERCOM_CLIENT_SECRET: "sandbox-secret",
    },
  });
  await sandbox.notify(bridge.url);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await bridge?.stop();
  await oauthBridge?.stop();
  await sandbox?.stop();
});

/** The admin API of `on`, straight. */
async function admin(path, { on = bridge, method = "GET", body } = {}) {
  const response = await fetch(new URL(path, on.url), {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: body && JSON.stringify(body),
  });
  assert.ok(response.ok, `${path}: ${response.status}`);
  return response.status === 204 ? null : response.json();
}

/** A fresh page on `on`'s dashboard at `hash`, watched for errors; dialogs are recorded and dismissed. */
async function openDashboard({ on = bridge, hash = "", viewport = { width: 1280, height: 1000 }, signIn = true } = {}) {
  const page = await browser.newPage({ viewport });
  const errors = watchErrors(page);
  const dialogs = [];
  page.on("dialog", (dialog) => {
    dialogs.push({ type: dialog.type(), message: dialog.message() });
    dialog.dismiss();
  });
  await page.goto(new URL(`/dashboard${hash}`, on.url).href);
  if (signIn) {
    await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("#app:not([hidden])").waitFor();
  }
  return { page, errors, dialogs };
}

/** What `check()` resolves to once it is truthy, asking again every 50 ms. */
async function eventually(check) {
  for (;;) {
    const value = await check();
    if (value) return value;
    await new Promise((again) => setTimeout(again, 50));
  }
}

/** Writes `text` in the preview widget and sends it. */
async function ask(page, text) {
  await page.getByRole("textbox", { name: "Message", exact: true }).fill(text);
  await page.getByRole("button", { name: "Send", exact: true }).click();
}

/** Creates an agent from Your Agents; lands on its Handoffs tab. */
async function createAgent(page, name, company) {
  await page.goto(`${new URL(page.url()).origin}/dashboard#/agents`);
  await page.getByRole("heading", { name: "Your Agents" }).waitFor();
  await page.getByLabel("Agent name").fill(name);
  await page.getByLabel("Company").fill(company);
  await page.getByRole("button", { name: "Create agent" }).click();
  await page.getByRole("heading", { name: `${name} · ${company}` }).waitFor();
}

/** The errors a page may log: the refused calls a test provokes, as failed resource loads. */
const unexpected = (errors, statuses = []) =>
  errors.filter((error) => !statuses.some((status) => error.includes(`status of ${status}`)));

test("the brief's steps in order: Handoffs, + Add Handoff, Intercom, Connect, Authorize access, the pop-up, Save Changes", async () => {
  const { page, errors } = await openDashboard({ on: oauthBridge });
  await createAgent(page, "Maple", "Maple Books");
  const tab = page.getByRole("navigation", { name: "Agent pages" }).getByRole("link", { name: "Handoffs" });
  assert.equal(await tab.getAttribute("aria-current"), "page");
  await page.getByText(/^No handoff yet: /).waitFor();
  await page.screenshot({ path: "test-results/dashboard-1-handoffs.png", fullPage: true });

  await page.getByRole("button", { name: "+ Add Handoff" }).click();
  await page.getByRole("radio", { name: /Intercom/ }).check();
  await page.screenshot({ path: "test-results/dashboard-2-target.png", fullPage: true });
  await page.getByRole("button", { name: "Connect", exact: true }).click();

  const accesses = page.getByRole("list", { name: "What Baton accesses" }).getByRole("listitem");
  await accesses.first().waitFor();
  const listed = await accesses.locator("strong").allTextContents();
  assert.deepEqual(listed, ACCESSES);
  await page.screenshot({ path: "test-results/dashboard-3-authorize.png", fullPage: true });
  await page.getByRole("button", { name: "Authorize access" }).click();

  // Intercom's consent page (the sandbox's), then back to the dashboard.
  await page.waitForURL((url) => url.pathname === "/oauth");
  for (const access of ACCESSES) await page.getByRole("listitem").filter({ hasText: new RegExp(`^${access}$`) }).waitFor();
  await page.screenshot({ path: "test-results/dashboard-4-consent.png", fullPage: true });
  await page.getByRole("button", { name: "Authorize access" }).click();

  const popup = page.getByRole("dialog", { name: "Intercom is connected" });
  await popup.waitFor();
  assert.match(await popup.textContent(), new RegExp(`Handoffs will go to ${WORKSPACE.replace(/[()]/g, "\\$&")}`));
  assert.equal(new URL(page.url()).search, "", "the callback's mark is gone from the address");
  await page.screenshot({ path: "test-results/dashboard-5-popup.png", fullPage: true });
  await popup.getByRole("button", { name: "Continue" }).click();
  await popup.waitFor({ state: "hidden" });

  const card = page.getByRole("region", { name: "Intercom connection" });
  assert.match(await card.textContent(), new RegExp(WORKSPACE.replace(/[()]/g, "\\$&")));
  await page.getByLabel("Handoff Name").fill("Maple escalation");
  await page.getByLabel("When to trigger").fill("Hand off when someone asks about refunds.");
  await page.getByLabel("Suggested questions").fill("Where is my order?\n\n  Can I return a book?  ");
  await page.getByRole("switch", { name: "AI ASSIST" }).check();
  await page.getByRole("switch", { name: "Leave Note Instead of Replying" }).uncheck();
  const replyAs = page.getByLabel("Reply As");
  await replyAs.locator("option", { hasText: "Ana Torres" }).waitFor({ state: "attached" });
  await replyAs.selectOption({ label: "Ana Torres <ana@lumen.example>" });
  await page.getByLabel("Assignment Criteria").fill("Assign refunds to the billing team.");
  await page.getByRole("button", { name: "+ Add Mapping" }).click();
  await page.getByLabel("Email or domain").fill("maplebooks.example");
  await page.getByLabel("Assign to").selectOption({ label: "Billing" });
  await page.screenshot({ path: "test-results/dashboard-6-configuration.png", fullPage: true });
  await page.getByRole("button", { name: "Save Changes" }).click();
  await page.getByRole("status").filter({ hasText: /^Saved$/ }).waitFor();

  const saved = await admin("/v1/admin/agents/maple", { on: oauthBridge });
  assert.equal(saved.handoff.name, "Maple escalation");
  assert.equal(saved.handoff.when, "Hand off when someone asks about refunds.");
  assert.deepEqual(saved.copilot, { enabled: true, leave_note: false, reply_as: "991001" });
  assert.deepEqual(saved.routing.mappings, [{ match: "maplebooks.example", assign_to: { type: "team", id: "881002" } }]);
  assert.deepEqual(saved.suggestions, ["Where is my order?", "Can I return a book?"], "one per line, blank lines left out");
  assert.deepEqual(unexpected(errors), []);
});

test("a workspace connected with Authorize access can be disconnected and reconnected", async () => {
  const { page, errors } = await openDashboard({ on: oauthBridge, hash: "#/agents/demo/handoffs" });
  const card = page.getByRole("region", { name: "Intercom connection" });
  if (!(await admin("/v1/admin/intercom", { on: oauthBridge })).connected) {
    await page.getByRole("button", { name: "Reconnect" }).click();
    await page.waitForURL((url) => url.pathname === "/oauth");
    await page.getByRole("button", { name: "Authorize access" }).click();
    await page.getByRole("dialog", { name: "Intercom is connected" }).getByRole("button", { name: "Continue" }).click();
  }
  await card.getByText(WORKSPACE).waitFor();
  await card.getByRole("button", { name: "Disconnect" }).click();
  await card.getByText("Not connected").waitFor();
  assert.equal(await card.getByText(WORKSPACE).count(), 0);
  assert.equal(await card.getByRole("button", { name: "Disconnect" }).count(), 0);
  assert.equal((await admin("/v1/admin/intercom", { on: oauthBridge })).connected, false);
  await page.screenshot({ path: "test-results/dashboard-disconnected.png", fullPage: true });

  await card.getByRole("button", { name: "Reconnect" }).click();
  await page.waitForURL((url) => url.pathname === "/oauth");
  await page.getByRole("button", { name: "Authorize access" }).click();
  const popup = page.getByRole("dialog", { name: "Intercom is connected" });
  await popup.getByRole("button", { name: "Continue" }).click();
  await card.getByText(WORKSPACE).waitFor();
  const status = await admin("/v1/admin/intercom", { on: oauthBridge });
  assert.equal(status.connected, true);
  assert.equal(status.source, "oauth");
  assert.deepEqual(unexpected(errors), []);
});

test("a connection made by the configured token is shown as such, without Disconnect", async () => {
  const { page, errors } = await openDashboard({ hash: "#/agents/demo/handoffs" });
  const card = page.getByRole("region", { name: "Intercom connection" });
  await card.getByText("Connected, with the access token in the bridge's settings").waitFor();
  await card.getByText(WORKSPACE).waitFor();
  assert.match(await card.textContent(), /cannot be disconnected here: remove the token there/);
  assert.equal(await card.getByRole("button", { name: "Disconnect" }).count(), 0);
  assert.equal(await card.getByRole("button", { name: "Reconnect" }).count(), 0);
  await card.screenshot({ path: "test-results/dashboard-configured-token.png" });
  assert.deepEqual(unexpected(errors), []);
});

test("a refused save says why next to the faulty mapping row and marks it", async () => {
  const { page, errors } = await openDashboard({ hash: "#/agents/demo/handoffs/edit" });
  const targets = page.getByLabel("Assign to");
  await page.getByRole("button", { name: "+ Add Mapping" }).click();
  await page.getByRole("button", { name: "+ Add Mapping" }).click();
  await page.getByLabel("Email or domain").nth(0).fill("example.org");
  await page.getByLabel("Email or domain").nth(1).fill("example..com");
  await targets.nth(0).locator("option", { hasText: "Billing" }).waitFor({ state: "attached" });
  await targets.nth(0).selectOption({ label: "Billing" });
  await targets.nth(1).selectOption({ label: "Billing" });
  await page.getByRole("button", { name: "Save Changes" }).click();

  await page.getByRole("alert").filter({ hasText: "Not saved: see Auto Assignment row 2." }).waitFor();
  const rows = page.getByRole("list", { name: "Auto Assignment" }).getByRole("listitem");
  assert.match(await rows.nth(1).getAttribute("class"), /\binvalid\b/);
  assert.doesNotMatch(await rows.nth(0).getAttribute("class"), /\binvalid\b/);
  const faulty = page.getByLabel("Email or domain").nth(1);
  assert.equal(await faulty.getAttribute("aria-invalid"), "true");
  assert.match(await rows.nth(1).textContent(), /“example\.\.com” is neither an email address nor a domain/);
  assert.ok(await faulty.evaluate((input) => input === document.activeElement), "focus is on the faulty field");
  assert.doesNotMatch(await page.locator("#settings").textContent(), /agent `demo`/);
  await page.screenshot({ path: "test-results/dashboard-refused-row.png", fullPage: true });
  assert.deepEqual((await admin("/v1/admin/agents/demo")).routing.mappings, [], "nothing was saved");
  assert.deepEqual(unexpected(errors, [400]), []);
});

test("with AI assist off its fields are disabled; replying instead of noting warns first", async () => {
  const { page, errors } = await openDashboard({ hash: "#/agents/demo/handoffs/edit" });
  const assist = page.getByRole("switch", { name: "AI ASSIST" });
  const note = page.getByRole("switch", { name: "Leave Note Instead of Replying" });
  const replyAs = page.getByLabel("Reply As");
  await replyAs.locator("option", { hasText: "Ana Torres" }).waitFor({ state: "attached" });
  assert.equal(await assist.isChecked(), false);
  assert.equal(await note.isDisabled(), true);
  assert.equal(await replyAs.isDisabled(), true);

  await assist.check();
  assert.equal(await note.isDisabled(), false);
  assert.equal(await replyAs.isDisabled(), true, "notes are not sent as anyone");
  const warning = page.locator("#copilot-warning");
  assert.equal(await warning.textContent(), "");
  await note.uncheck();
  assert.equal(await replyAs.isDisabled(), false);
  await replyAs.selectOption({ label: "Ana Torres <ana@lumen.example>" });
  assert.match(await warning.textContent(), /Drafts will go straight to customers as replies under Ana Torres's name/);
  await page.screenshot({ path: "test-results/dashboard-ai-assist.png", fullPage: true });
  await assist.uncheck();
  assert.equal(await note.isDisabled(), true);
  assert.equal(await replyAs.isDisabled(), true);
  assert.equal(await warning.textContent(), "");
  assert.deepEqual(unexpected(errors), []);
});

test("leaving with unsaved edits asks first, in the dashboard and when the page goes away", async () => {
  const { page, errors, dialogs } = await openDashboard({ hash: "#/agents/demo/handoffs/edit" });
  const name = page.getByLabel("Handoff Name");
  await page.waitForFunction(() => document.getElementById("handoff-name").value !== "");
  await name.fill("Escalate to the night shift");
  await page.getByRole("link", { name: "Preview" }).click();
  await page.waitForFunction(() => location.hash === "#/agents/demo/handoffs/edit");
  assert.deepEqual(dialogs.map((dialog) => dialog.type), ["confirm"]);
  assert.match(dialogs[0].message, /unsaved changes/);
  assert.equal(await name.inputValue(), "Escalate to the night shift", "staying keeps the edit");
  assert.equal(await page.locator("#settings").isVisible(), true);

  // The browser asks before the page goes elsewhere; the dismissed question keeps it.
  const away = await page.goto("about:blank").then(() => "left", (error) => error.message);
  assert.match(away, /ERR_ABORTED/);
  assert.deepEqual(dialogs.map((dialog) => dialog.type), ["confirm", "beforeunload"]);
  assert.equal(await name.inputValue(), "Escalate to the night shift");

  const saved = await openDashboard({ hash: "#/agents/demo/handoffs/edit" });
  await saved.page.waitForFunction(() => document.getElementById("handoff-name").value !== "");
  await saved.page.getByRole("link", { name: "Preview" }).click();
  await saved.page.waitForFunction(() => location.hash === "#/agents/demo/preview");
  assert.deepEqual(saved.dialogs, [], "nothing edited, nothing asked");
  assert.deepEqual(unexpected([...errors, ...saved.errors]), []);
});

test("a preview handoff reaches the sandbox inbox marked as a test and stays out of default analytics", async () => {
  const { page, errors } = await openDashboard({ hash: "#/agents/demo/preview" });
  await ask(page, "I was charged twice for my order");
  const decisions = page.getByRole("region", { name: "Agent decisions" });
  await decisions.getByText(/^Test conversation: started here in the preview/).waitFor({ timeout: 15_000 });
  const handoffs = decisions.getByRole("list", { name: "Handoffs" });
  await handoffs.getByText("Connected", { exact: true }).waitFor({ timeout: 15_000 });
  await page.screenshot({ path: "test-results/dashboard-preview-test.png", fullPage: true });

  const inbox = await browser.newPage();
  await inbox.goto(sandbox.url);
  await inbox.getByRole("link", { name: /\[Test\] I was charged twice for my order/ }).first().click();
  await inbox.locator(".note", { hasText: "Internal note" }).filter({ hasText: "not by a customer" }).waitFor();
  await inbox.screenshot({ path: "test-results/dashboard-inbox-test.png", fullPage: true });
  await inbox.close();

  await page.getByRole("link", { name: "Analytics" }).click();
  const report = page.getByRole("region", { name: "Handoff Reasons" });
  await report.getByText("No handoffs in this period.").waitFor();
  await report.getByLabel("Include test conversations").check();
  const row = report.getByRole("row", { name: /Topic: billing/ });
  await row.waitFor();
  assert.equal(await row.getByRole("cell").first().textContent(), "1");
  await page.screenshot({ path: "test-results/dashboard-analytics-tests.png", fullPage: true });
  assert.deepEqual(unexpected(errors), []);
});

test("a reason opens the list of its conversations, each linked in Intercom; a reversed period is one error", async () => {
  const created = await (await fetch(new URL("/v1/conversations", bridge.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ agent: "demo" }),
  })).json();
  await fetch(new URL(`/v1/conversations/${created.id}/messages`, bridge.url), {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${created.token}` },
    body: JSON.stringify({ client_id: "m1", text: "Can I talk to a person?" }),
  });
  const handoff = await eventually(async () => {
    const { handoffs } = await admin(`/v1/admin/conversations/${created.id}/decisions`);
    return handoffs[0]?.external_id ? handoffs[0] : null;
  });
  const { page, errors } = await openDashboard({ hash: "#/agents/demo/analytics" });
  const report = page.getByRole("region", { name: "Handoff Reasons" });
  await report.getByRole("button", { name: /^Asked for a person/ }).click();
  const drill = page.getByRole("region", { name: "Conversations: Asked for a person" });
  const link = drill.getByRole("link", { name: /^Open in Intercom/ });
  await link.waitFor();
  assert.equal(await link.getAttribute("href"), `${sandbox.url}/inbox/${handoff.external_id}`);
  assert.match(await drill.textContent(), new RegExp(`conversation ${created.id.slice(0, 8)}`));
  await page.screenshot({ path: "test-results/dashboard-drill-down.png", fullPage: true });

  await page.getByLabel("From", { exact: true }).fill("2026-12-31");
  await page.getByLabel("To", { exact: true }).fill("2026-01-01");
  await page.getByLabel("To", { exact: true }).dispatchEvent("change");
  const alerts = report.getByRole("alert");
  await alerts.filter({ hasText: "the period is reversed" }).waitFor();
  assert.equal(await report.getByText(/No handoffs/).count(), 0, "one error, nothing else");
  assert.equal(await report.getByRole("table").count(), 0);
  await report.screenshot({ path: "test-results/dashboard-reversed.png" });
  assert.deepEqual(unexpected(errors), []);
});

test("a second agent is created and configured separately from the first", async () => {
  const { page, errors } = await openDashboard();
  await createAgent(page, "Fern", "Fern Garden Supplies");
  await page.getByRole("button", { name: "+ Add Handoff" }).click();
  await page.getByRole("radio", { name: /Intercom/ }).check();
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  // Already connected: straight to the configuration screen.
  await page.getByLabel("Handoff Name").fill("Fern to the garden team");
  await page.getByLabel("When to trigger").fill("Hand off when someone asks about deliveries.");
  await page.getByRole("button", { name: "Save Changes" }).click();
  await page.getByRole("status").filter({ hasText: /^Saved$/ }).waitFor();
  await page.getByRole("link", { name: "Your Agents" }).click();
  const list = page.getByRole("list", { name: "Your Agents" });
  await list.getByRole("link", { name: "Fern" }).waitFor();
  await list.getByRole("link", { name: "Juniper" }).waitFor();
  await page.screenshot({ path: "test-results/dashboard-agents.png", fullPage: true });

  const fern = await admin("/v1/admin/agents/fern");
  const demo = await admin("/v1/admin/agents/demo");
  assert.equal(fern.handoff.name, "Fern to the garden team");
  assert.equal(fern.greeting, "Hi! I'm Fern, Fern Garden Supplies's assistant. How can I help?");
  assert.equal(demo.handoff.name, "Escalate to support", "the first agent is untouched");
  assert.match(demo.handoff.when, /speak with a human/);
  assert.deepEqual(unexpected(errors), []);
});

test("a handoff is added and configured from the keyboard alone", async () => {
  await admin("/v1/admin/agents/oak", { method: "PUT", body: { name: "Oak", company: "Oak Tools", greeting: "Hi" } });
  const { page, errors } = await openDashboard({ hash: "#/agents/oak/handoffs" });
  await page.getByRole("button", { name: "+ Add Handoff" }).focus();
  await page.keyboard.press("Enter");
  await page.getByRole("radio", { name: /Intercom/ }).focus();
  await page.keyboard.press("Space");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Connect");
  await page.keyboard.press("Enter");
  const name = page.getByLabel("Handoff Name");
  await page.waitForFunction(() => document.activeElement?.id === "handoff-name");
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type("Oak escalation");
  await page.keyboard.press("Tab");
  await page.keyboard.type("Hand off when the user asks to speak with a human.");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Space");
  assert.equal(await page.getByRole("switch", { name: "AI ASSIST" }).isChecked(), true);
  await name.focus();
  await page.keyboard.press("Enter");
  await page.getByRole("status").filter({ hasText: /^Saved$/ }).waitFor();
  const oak = await admin("/v1/admin/agents/oak");
  assert.equal(oak.handoff.name, "Oak escalation");
  assert.equal(oak.copilot.enabled, true);
  assert.deepEqual(unexpected(errors), []);
});

test("hostile text typed in the preview shows as text in the decisions panel", async () => {
  const { page, errors, dialogs } = await openDashboard({ hash: "#/agents/demo/preview" });
  await page.getByRole("button", { name: "New conversation" }).click();
  await ask(page, HOSTILE);
  const decisions = page.getByRole("region", { name: "Agent decisions" });
  await decisions.getByText(HOSTILE, { exact: true }).waitFor({ timeout: 15_000 });
  await decisions.getByText("Outcome:").waitFor();
  assert.equal(await decisions.locator("img").count(), 0);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(unexpected(errors), []);
});

test("a wrong token is refused in plain words, and the sign-in page shows a token only for the demo", async () => {
  const { page, errors } = await openDashboard({ viewport: { width: 700, height: 900 }, signIn: false });
  assert.equal(await page.locator("#demo-token").isVisible(), false);
  assert.doesNotMatch(await page.locator("#sign-in").textContent(), /demo-admin|test-admin/);
  await page.getByLabel("Admin token").fill("not-the-token");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").filter({ hasText: "The bridge refused this admin token. Enter it again." }).waitFor();
  assert.equal(await page.getByLabel("Admin token").inputValue(), "");
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await page.screenshot({ path: "test-results/dashboard-refused.png" });
  assert.deepEqual(unexpected(errors, [401]), []);

  const demo = await startBridge({ env: { BATON_ADMIN_TOKEN: "demo-admin" } });
  try {
    const shown = await browser.newPage();
    await shown.goto(new URL("/dashboard", demo.url).href);
    await shown.getByText("This bridge runs as the demo (make demo): its token is demo-admin.").waitFor();
    await shown.close();
  } finally {
    await demo.stop();
  }
});
