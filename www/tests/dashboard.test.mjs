// The dashboard in the browser, offline: sign in with the admin token, change "When to trigger",
// save, ask the preview something the new clause catches, and follow that one decision into the
// decisions panel, the Intercom sandbox's inbox and the Handoff Reasons report. Also: hostile
// text typed in the preview stays text, a wrong token or invalid settings are said plainly, and
// the form's own behaviours. Screenshots land in test-results/dashboard-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startBridge, startSandbox, launchBrowser, watchErrors } from "./harness.mjs";

const ADMIN_TOKEN = "test-admin";
const QUESTION = "Do you do wholesale pricing for cafés?";
const HOSTILE = "<img src=x onerror=alert(1)>";
const CRITERIA = "Assign wholesale conversations to the billing team.";

let sandbox;
let bridge;
let browser;

before(async () => {
  sandbox = await startSandbox();
  bridge = await startBridge({
    env: { BATON_ADMIN_TOKEN: ADMIN_TOKEN, BATON_AGENT_PACE_MS: "10", ...sandbox.bridgeEnv },
  });
  await sandbox.notify(bridge.url);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await bridge?.stop();
  await sandbox?.stop();
});

/** The bridge's admin API, straight. */
async function admin(path) {
  const response = await fetch(new URL(path, bridge.url), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return response.json();
}

/** A fresh browser page on the dashboard, watched for errors and dialogs. */
async function openDashboard(viewport = { width: 1280, height: 1100 }) {
  const page = await browser.newPage({ viewport });
  const errors = watchErrors(page);
  const dialogs = [];
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    dialog.dismiss();
  });
  await page.goto(new URL("/dashboard", bridge.url).href);
  return { page, errors, dialogs };
}

async function signIn(page, token = ADMIN_TOKEN) {
  await page.getByLabel("Admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** The preview's conversation id, as the widget keeps it. */
function previewConversation(page) {
  return page.evaluate(() => JSON.parse(localStorage.getItem(`baton:${location.origin}:demo`) ?? "null")?.id ?? null);
}

/** Writes `text` in the preview widget and sends it. */
async function ask(page, text) {
  await page.getByRole("textbox", { name: "Message", exact: true }).fill(text);
  await page.getByRole("button", { name: "Send", exact: true }).click();
}

test("a saved trigger clause catches the preview's question, hands off to Intercom and is counted", async () => {
  const { page, errors, dialogs } = await openDashboard();
  await signIn(page);
  const when = page.getByLabel("When to trigger");
  await page.waitForFunction(() => document.getElementById("handoff-when").value.includes("speak with a human"));
  await when.fill("Hand off when someone asks about wholesale.");
  await page.getByLabel("Assignment criteria").fill(CRITERIA);
  const settings = page.getByRole("form", { name: "Agent settings" });
  await settings.getByRole("button", { name: "Save" }).click();
  await settings.getByRole("status").filter({ hasText: /^Saved$/ }).waitFor();
  await page.screenshot({ path: "test-results/dashboard-saved.png", fullPage: true });
  const saved = await admin("/v1/admin/agents/demo");
  assert.equal(saved.handoff.when, "Hand off when someone asks about wholesale.");
  assert.equal(saved.routing.criteria, CRITERIA);
  assert.equal(saved.greeting, "Hi! I'm Juniper, Lumen's assistant. Ask me about orders, subscriptions or brewing.");

  await ask(page, QUESTION);
  const decisions = page.getByRole("region", { name: "Agent decisions" });
  await decisions.getByText(QUESTION, { exact: true }).waitFor({ timeout: 15_000 });
  const clause = decisions.getByRole("list", { name: "Trigger clauses" }).getByRole("listitem")
    .filter({ hasText: "someone asks about wholesale" });
  await clause.waitFor();
  assert.match(await clause.textContent(), /✓ fired/);
  assert.match(await clause.getAttribute("class"), /\bfired\b/);
  assert.match(await decisions.getByText("Outcome:").textContent(), /Handed off \(Topic: wholesale\)/);
  await decisions.getByText("Wholesale for cafés and offices").waitFor();

  const handoffs = decisions.getByRole("list", { name: "Handoffs" });
  await handoffs.getByText("Connected", { exact: true }).waitFor({ timeout: 15_000 });
  const answer = await admin(`/v1/admin/conversations/${await previewConversation(page)}/decisions`);
  const [handoff] = answer.handoffs;
  assert.equal(handoff.reason, "Topic: wholesale");
  assert.equal(handoff.route.target.name, "Billing");
  const routeShown = handoffs.getByRole("definition").filter({ hasText: /^Team Billing — / });
  assert.equal(await routeShown.textContent(), `Team Billing — ${handoff.route.why}`);
  const link = handoffs.getByRole("link", { name: handoff.external_id });
  assert.equal(await link.getAttribute("href"), `${sandbox.url}/inbox/${handoff.external_id}`);
  await page.screenshot({ path: "test-results/dashboard-decisions.png", fullPage: true });

  const report = page.getByRole("region", { name: "Handoff Reasons" });
  const row = report.getByRole("row", { name: /Topic: wholesale/ });
  await row.waitFor({ timeout: 10_000 });
  assert.equal(await row.getByRole("cell").first().textContent(), "1");
  await report.screenshot({ path: "test-results/dashboard-report.png" });

  const inbox = await browser.newPage();
  await inbox.goto(sandbox.url);
  await inbox.getByRole("link", { name: new RegExp(QUESTION) }).first().click();
  await inbox.locator(".note", { hasText: "Internal note" }).filter({ hasText: "someone asks about wholesale" }).waitFor();
  await inbox.screenshot({ path: "test-results/dashboard-inbox.png", fullPage: true });
  await inbox.close();

  await page.getByRole("button", { name: "New conversation" }).click();
  await decisions.getByText(/No conversation yet/).waitFor();
  assert.equal(await previewConversation(page), null);
  assert.equal(await decisions.getByText(QUESTION).count(), 0);
  assert.deepEqual(errors, []);
  assert.deepEqual(dialogs, []);
});

test("hostile text typed in the preview shows as text in the decisions panel", async () => {
  const { page, errors, dialogs } = await openDashboard();
  await signIn(page);
  await ask(page, HOSTILE);
  const decisions = page.getByRole("region", { name: "Agent decisions" });
  await decisions.getByText(HOSTILE, { exact: true }).waitFor({ timeout: 15_000 });
  await decisions.getByText("Outcome:").waitFor();
  assert.equal(await decisions.locator("img").count(), 0);
  await page.screenshot({ path: "test-results/dashboard-hostile.png", fullPage: true });
  assert.deepEqual(dialogs, []);
  assert.deepEqual(errors, []);
});

test("a wrong token and invalid settings are refused in plain words; the form behaves as the product does", async () => {
  const { page, errors } = await openDashboard({ width: 700, height: 1000 });
  await signIn(page, "not-the-token");
  await page.getByRole("alert").filter({ hasText: "The bridge refused this admin token. Enter it again." }).waitFor();
  assert.equal(await page.getByLabel("Admin token").inputValue(), "");
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await page.screenshot({ path: "test-results/dashboard-refused.png" });

  await signIn(page);
  await page.waitForFunction(() => document.getElementById("handoff-name").value !== "");
  await page.getByLabel("Handoff name").fill("");
  const settings = page.getByRole("form", { name: "Agent settings" });
  await settings.getByRole("button", { name: "Save" }).click();
  const refused = settings.getByRole("alert").filter({ hasText: /handoff\.name/ });
  await refused.waitFor();
  assert.match(await refused.textContent(), /must be 1 to 120 characters/);
  assert.equal((await admin("/v1/admin/agents/demo")).handoff.name, "Escalate to support");

  const replyAs = page.getByLabel("Reply as");
  await replyAs.locator("option", { hasText: "Ana Torres" }).waitFor({ state: "attached" });
  assert.equal(await page.getByLabel("AI assist").isChecked(), false);
  assert.equal(await page.getByLabel("Leave note instead of replying").isChecked(), true);
  assert.equal(await replyAs.isDisabled(), true);
  await page.getByLabel("Leave note instead of replying").uncheck();
  assert.equal(await replyAs.isDisabled(), false);
  await replyAs.selectOption({ label: "Ana Torres <ana@lumen.example>" });
  assert.equal(await replyAs.inputValue(), "991001");

  await page.getByRole("button", { name: "+ Add mapping" }).click();
  await page.getByRole("button", { name: "+ Add mapping" }).click();
  await page.getByLabel("Email or domain").first().fill("example.com");
  await page.getByLabel("Assign to").first().selectOption({ label: "Billing" });
  assert.equal(await page.getByLabel("Assign to").first().inputValue(), "team:881002");
  await page.getByRole("button", { name: "Remove" }).nth(1).click();
  assert.equal(await page.getByLabel("Email or domain").count(), 1);
  await page.screenshot({ path: "test-results/dashboard-narrow.png", fullPage: true });

  // The browser reports each refused call as a failed resource load, and nothing else.
  assert.deepEqual(errors.filter((error) => !/status of (401|400)/.test(error)), []);
  assert.ok(errors.length >= 2, errors.join("\n"));
});
