// Office hours: a visitor handed off while the team is away reads when it is back, and the
// team's usual reply time, instead of waiting on a promise nobody keeps.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { watchErrors, startWithSandbox } from "./harness.mjs";

const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

let sandbox;
let bridge;
let browser;
let stack;

before(async () => {
  // Open tomorrow only (UTC), so now is outside the hours whatever the time of the run.
  const tomorrow = WEEKDAYS[(new Date().getUTCDay() + 1) % 7];
  const toml = `[agents.demo]
name = "Juniper"
company = "Lumen Coffee Roasters"
greeting = "Hi! Ask me about orders, subscriptions or brewing."

[agents.demo.handoff]
when = "Hand off when the user asks to speak with a human."

[agents.demo.office_hours]
days = ["${tomorrow}"]
opens = "09:00"
closes = "17:00"
utc_offset = "+00:00"

[intercom]
expected_reply_minutes = 10
`;
  stack = await startWithSandbox({ env: { BATON_AGENT_PACE_MS: "20" }, toml });
  ({ sandbox, bridge, browser } = stack);
});

after(() => stack?.stop());

test("handed off outside office hours, the visitor reads when the team is back and its reply time", async () => {
  const context = await browser.newContext({ timezoneId: "UTC" });
  const visitor = await context.newPage();
  const errors = watchErrors(visitor);
  await visitor.goto(bridge.url);
  await visitor.getByRole("button", { name: "Open chat" }).click();
  const box = visitor.getByRole("textbox", { name: "Message" });
  await box.fill("Can I talk to a person please?");
  await box.press("Enter");
  const away = visitor.getByText("Our team is away until tomorrow 09:00 and will reply here then.");
  await away.waitFor({ timeout: 15_000 });
  await visitor.getByRole("log").getByText(/usually replies within 10 minutes/).waitFor();
  await visitor.screenshot({ path: "test-results/hours-away.png" });
  assert.deepEqual(errors, []);
  await context.close();
});
