// Two bridges on one PostgreSQL behind nginx, set up as the README's "Running several bridges"
// says: the widget in Chromium streams answers through the proxy piece by piece, carries on
// through the other bridge when one stops mid-conversation (a rolling deploy), and the bridges
// see each visitor's own address through the trusted proxy, with one rate limit across both.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { startBridge, launchBrowser, watchErrors } from "./harness.mjs";
import { startNginx, startPostgres } from "./cluster.mjs";

let postgres;
let bridges;
let nginx;
let browser;
let env;

before(async () => {
  postgres = await startPostgres();
  env = {
    BATON_DATABASE_URL: postgres.url,
    BATON_SECRET_KEY: randomBytes(32).toString("hex"),
    BATON_TRUSTED_PROXIES: "127.0.0.3",
    BATON_AGENT_PACE_MS: "60",
    BATON_CONVERSATIONS_PER_IP_PER_MINUTE: "2",
  };
  // Started together: the schema's migration runs once, under its lock.
  bridges = await Promise.all([startBridge({ env }), startBridge({ env })]);
  nginx = await startNginx({ upstreams: bridges.map((bridge) => bridge.port) });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await nginx?.stop();
  await Promise.all((bridges ?? []).map((bridge) => bridge.stop()));
  await postgres?.stop();
});

/** Sends `text` and returns the lengths the newest answer showed while it streamed in. */
async function askAndWatch(page, text, ending) {
  const answers = page.locator(".baton-from-agent");
  const before = await answers.count();
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByRole("log").getByText(text).waitFor();
  await answers.nth(before).waitFor();
  const answer = answers.nth(before);
  const lengths = new Set();
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const shown = await answer.innerText();
    lengths.add(shown.length);
    if (shown.includes(ending)) break;
    await page.waitForTimeout(30);
  }
  assert.match(await answer.innerText(), new RegExp(ending.replace(/[.?]/g, "\\$&")));
  return lengths;
}

/** `POST /v1/conversations` through nginx from the loopback address `from`; the status. */
function startConversation(from, headers = {}) {
  const { hostname, port } = new URL(nginx.url);
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ agent: "demo" });
    const sent = request(
      { hostname, port, path: "/v1/conversations", method: "POST", localAddress: from, headers: { "content-type": "application/json", ...headers } },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode));
      },
    );
    sent.on("error", reject);
    sent.end(body);
  });
}

test("behind nginx each visitor has their own limit, and it holds across the bridges", async () => {
  // Two conversations a minute per visitor; nginx alternates the requests between the bridges,
  // so with a bucket per bridge the third would pass.
  assert.equal(await startConversation("127.0.0.7"), 201);
  assert.equal(await startConversation("127.0.0.7"), 201);
  assert.equal(await startConversation("127.0.0.7"), 429, "the third, on either bridge");
  assert.equal(
    await startConversation("127.0.0.7", { "x-forwarded-for": "203.0.113.9" }),
    429,
    "a forged forwarding header does not buy a new bucket",
  );
  assert.equal(await startConversation("127.0.0.8"), 201, "another visitor has their own");
});

test("through nginx the answer streams piece by piece, and the chat carries on when a bridge stops", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  await page.goto(nginx.url);
  await page.getByRole("button", { name: "Open chat" }).click();
  await page.getByRole("log").getByText("Ask me about orders").waitFor();

  const lengths = await askAndWatch(page, "How long does shipping take?", "Every order email has a tracking link.");
  assert.ok(lengths.size >= 3, `the proxy passed the answer on as it came, seen lengths: ${[...lengths]}`);
  await page.screenshot({ path: "test-results/scaleout-streamed.png" });

  // A rolling deploy: one bridge stops. nginx sends what follows to the other, which has the
  // conversation (the same database) and streams from where the widget was.
  const [stopping, staying] = bridges;
  await stopping.stop();
  bridges = [staying];
  await askAndWatch(page, "Do you sell gift cards?", "never expire");
  const log = page.getByRole("log");
  assert.equal(await log.getByText("How long does shipping take?").count(), 1, "nothing repeated");
  assert.equal(await log.getByText("Do you sell gift cards?").count(), 1, "nothing repeated");
  await page.screenshot({ path: "test-results/scaleout-after-a-bridge-stopped.png" });

  const served = new Set(nginx.log().filter(([, path]) => path.startsWith("/v1/")).map(([, , , upstream]) => upstream));
  assert.ok(served.has(`127.0.0.1:${staying.port}`) && served.has(`127.0.0.1:${stopping.port}`), [...served].join(", "));
  assert.deepEqual(errors.filter((error) => !error.includes("net::ERR")), []);
});
