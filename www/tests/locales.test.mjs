// French beyond the controls: on a French page the greeting is the agents file's French one,
// the builtin agent's fallback answers in French, and "Je voudrais parler à un conseiller" hands
// the conversation to the team.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { watchErrors, startWithSandbox } from "./harness.mjs";

const GREETING = "Bonjour ! Posez-moi vos questions sur les commandes ou l'infusion.";

let sandbox;
let bridge;
let browser;
let stack;

before(async () => {
  const toml = `[agents.demo]
name = "Juniper"
company = "Lumen Coffee Roasters"
greeting = "Hi! Ask me about orders, subscriptions or brewing."

[agents.demo.handoff]
when = "Hand off when the user asks to speak with a human."

[agents.demo.locales.fr]
greeting = "${GREETING}"
`;
  stack = await startWithSandbox({ env: { BATON_AGENT_PACE_MS: "20" }, toml });
  ({ sandbox, bridge, browser } = stack);
});

after(() => stack?.stop());

test("a French visitor is greeted, answered and handed off in French", async () => {
  const visitor = await browser.newPage();
  const errors = watchErrors(visitor);
  await visitor.route(bridge.url, async (route) => {
    const response = await route.fetch();
    const body = (await response.text()).replace('<html lang="en">', '<html lang="fr">');
    await route.fulfill({ response, body });
  });
  await visitor.goto(bridge.url);
  await visitor.getByRole("button", { name: "Ouvrir le chat" }).click();
  const log = visitor.getByRole("log");
  await log.getByText(GREETING).waitFor();
  const box = visitor.getByRole("textbox", { name: "Message" });
  await box.fill("Je voudrais connaître l'histoire de votre entreprise");
  await box.press("Enter");
  await log.getByText(/Désolé, je n'ai pas encore de réponse à cela/).waitFor({ timeout: 15_000 });
  await log.getByText(/demandez à parler à un conseiller/).waitFor();
  await visitor.screenshot({ path: "test-results/locales-fr-fallback.png" });

  await box.fill("Je voudrais parler à un conseiller");
  await box.press("Enter");
  await visitor.getByText("En attente d'un conseiller").first().waitFor({ timeout: 15_000 });
  await visitor.screenshot({ path: "test-results/locales-fr-handoff.png" });
  const teammate = await browser.newPage();
  await teammate.goto(sandbox.url);
  await teammate.locator('a[href^="/inbox/"]').first().click();
  await teammate.getByText("Internal note").first().waitFor();
  const page = await teammate.content();
  assert.match(page, /Asked for a person/, "the team's inbox has it as a request for a person");
  assert.match(page, /Je voudrais parler à un conseiller/);
  assert.deepEqual(errors, []);
});
