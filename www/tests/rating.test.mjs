// A visitor's rating of a closed conversation, end to end against the Intercom sandbox: a
// teammate closes the conversation from the inbox page; the rating (through the widget API, then
// in the widget itself, by keyboard) appears as a note in the sandbox conversation, the widget
// shows it as given after a reload, and the dashboard's Analytics counts it with its comment.
// Screenshots land in test-results/rating-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { watchErrors, startWithSandbox } from "./harness.mjs";

const ADMIN_TOKEN = "test-admin";
let sandbox;
let bridge;
let browser;
let stack;

before(async () => {
  stack = await startWithSandbox({ env: { BATON_ADMIN_TOKEN: ADMIN_TOKEN, BATON_AGENT_PACE_MS: "10" } });
  ({ sandbox, bridge, browser } = stack);
});

after(() => stack?.stop());

/** Calls the bridge at `path` with `token` (a visitor's or the admin's); the status and JSON. */
async function call(path, { method = "GET", token, body } = {}) {
  const response = await fetch(new URL(path, bridge.url), {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body && JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

/** What `check()` resolves to once it is truthy, asking again every 50 ms. */
async function eventually(check) {
  for (;;) {
    const value = await check();
    if (value) return value;
    await new Promise((next) => setTimeout(next, 50));
  }
}

/**
 * The rating note on the teammate's inbox page of Intercom conversation `id`: the page's own live
 * part is asked (as its refresh does) until the note is there, then the page is reloaded once
 * (reloading in a loop raced the page's own navigation).
 */
async function ratingNote(teammate, id) {
  await eventually(async () => {
    const response = await fetch(`${sandbox.url}/inbox/${id}/parts`, { cache: "no-store" });
    return response.ok && (await response.text()).includes("Visitor rating");
  });
  await teammate.reload();
  const note = teammate.locator(".note").filter({ hasText: "Visitor rating" });
  assert.equal(await note.count(), 1, "one note");
  return note;
}

test("the team closes, the visitor rates, the team reads the note and Analytics counts it", async () => {
  const created = (await call("/v1/conversations", { method: "POST", body: { agent: "demo" } })).json;
  const token = created.token;
  await call(`/v1/conversations/${created.id}/messages`, {
    method: "POST",
    token,
    body: { client_id: "m1", text: "Can I talk to a person please?" },
  });
  const handoff = await eventually(async () => {
    const { json } = await call(`/v1/admin/conversations/${created.id}/decisions`, { token: ADMIN_TOKEN });
    return json.handoffs[0]?.external_id ? json.handoffs[0] : null;
  });
  const early = await call(`/v1/conversations/${created.id}/rating`, { method: "POST", token, body: { rating: "good" } });
  assert.equal(early.json.error.code, "not_closed");

  const teammate = await browser.newPage();
  await teammate.goto(`${sandbox.url}/inbox/${handoff.external_id}`);
  await Promise.all([
    teammate.waitForURL(/\/inbox\/[^/]+$/, { waitUntil: "load" }),
    teammate.getByRole("button", { name: "Close conversation" }).click(),
  ]);
  await eventually(async () => {
    const { json } = await call(`/v1/conversations/${created.id}`, { token });
    return json.mode === "closed";
  });
  const body = { rating: "good", comment: "Quick & kind <3" };
  const rated = await call(`/v1/conversations/${created.id}/rating`, { method: "POST", token, body });
  assert.equal(rated.status, 204);
  const again = await call(`/v1/conversations/${created.id}/rating`, { method: "POST", token, body: { rating: "bad" } });
  assert.deepEqual([again.status, again.json.error.code], [409, "already_rated"]);

  const note = await ratingNote(teammate, handoff.external_id);
  assert.match(await note.textContent(), /Visitor rating: Good/);
  assert.match(await note.textContent(), /Quick & kind <3/);
  await teammate.screenshot({ path: "test-results/rating-inbox-note.png", fullPage: true });

  const dashboard = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors = watchErrors(dashboard);
  await dashboard.goto(new URL("/dashboard#/agents/demo/analytics", bridge.url).href);
  await dashboard.getByLabel("Admin token").fill(ADMIN_TOKEN);
  await dashboard.getByRole("button", { name: "Sign in" }).click();
  const ratings = dashboard.getByRole("region", { name: "Ratings" });
  await ratings.getByText("100% good").waitFor();
  assert.match(await ratings.textContent(), /1 rating in this period \(1 good, 0 bad\)/);
  await ratings.getByText("Quick & kind <3").waitFor();
  await dashboard.screenshot({ path: "test-results/rating-analytics.png", fullPage: true });
  assert.deepEqual(errors, []);
});

test("in the widget: the team closes, the visitor rates by keyboard, and after a reload it shows as given", async () => {
  const visitor = await browser.newPage();
  const errors = watchErrors(visitor);
  await visitor.goto(bridge.url);
  await visitor.getByRole("button", { name: "Open chat" }).click();
  const box = visitor.getByRole("textbox", { name: "Message" });
  await box.fill("Can I talk to a person please?");
  await box.press("Enter");
  await visitor.getByText("Waiting for a teammate").first().waitFor({ timeout: 15_000 });
  // The widget's session (`baton:<endpoint>:<agent>`) names the conversation.
  const session = await visitor.evaluate(() =>
    Object.entries(localStorage).find(([key]) => key.startsWith("baton:") && key.endsWith(":demo"))?.[1],
  );
  assert.ok(session, "the conversation is remembered");
  const decided = await eventually(async () => {
    const path = `/v1/admin/conversations/${JSON.parse(session).id}/decisions`;
    const { json } = await call(path, { token: ADMIN_TOKEN });
    return json.handoffs[0]?.external_id;
  });

  const teammate = await browser.newPage();
  await teammate.goto(`${sandbox.url}/inbox/${decided}`);
  await Promise.all([
    teammate.waitForURL(/\/inbox\/[^/]+$/, { waitUntil: "load" }),
    teammate.getByRole("button", { name: "Close conversation" }).click(),
  ]);

  const rating = visitor.getByRole("group", { name: "How was this conversation?" });
  await rating.waitFor({ timeout: 15_000 });
  await rating.getByRole("button", { name: "Bad" }).waitFor();
  await rating.getByRole("textbox", { name: "Anything to add? (optional)" }).fill("Took too long");
  await visitor.screenshot({ path: "test-results/rating-form.png" });
  // Keyboard alone: from the comment, Tab reaches "Good", Tab again "Bad"; Enter sends.
  await visitor.keyboard.press("Tab");
  await visitor.keyboard.press("Tab");
  await visitor.keyboard.press("Enter");
  await visitor.getByRole("status").filter({ hasText: "Thanks for your rating!" }).waitFor();
  await visitor.screenshot({ path: "test-results/rating-given.png" });

  await visitor.reload();
  await visitor.getByRole("button", { name: "Open chat" }).click();
  await visitor.getByText("Thanks for your rating!").waitFor();
  assert.equal(await rating.count(), 0, "not asked twice");
  await visitor.getByRole("button", { name: "Start a new conversation" }).waitFor();

  const note = await ratingNote(teammate, decided);
  assert.match(await note.textContent(), /Visitor rating: Bad/);
  assert.match(await note.textContent(), /Took too long/);
  await teammate.screenshot({ path: "test-results/rating-widget-note.png", fullPage: true });
  assert.deepEqual(errors, []);
});
