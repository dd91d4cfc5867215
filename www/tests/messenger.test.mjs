// The visitor's chat as a messenger (issue 16): the log follows the conversation and keeps a
// visitor's place when they scrolled up; who is speaking; time and delivery; any brand colour
// readable; the composer on a phone.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { watchErrors, startWithSandbox } from "./harness.mjs";

let sandbox;
let bridge;
let browser;
let stack;
before(async () => {
  stack = await startWithSandbox({ env: { BATON_AGENT_PACE_MS: "5" } });
  ({ sandbox, bridge, browser } = stack);
});
after(() => stack?.stop());

async function ask(page, text) {
  await page.getByRole("textbox", { name: "Message" }).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

/**
 * Waits (up to 5 s) until the log's newest entry ends inside the log's visible area; returns
 * whether it did. The log scrolls after it rendered, which can be a frame after the text appears.
 */
function newestInView(log) {
  return log.evaluate((el) => new Promise((done) => {
    const deadline = Date.now() + 5000;
    const check = () => {
      const box = el.getBoundingClientRect();
      const newest = el.lastElementChild.getBoundingClientRect();
      if (newest.bottom <= box.bottom + 1 && newest.bottom > box.top) done(true);
      else if (Date.now() > deadline) done(false);
      else requestAnimationFrame(check);
    };
    check();
  }));
}

/** Scrolls the log to its top and resolves once the log has handled the scroll. */
function scrollUp(log) {
  return log.evaluate((el) => new Promise((done) => {
    el.addEventListener("scroll", () => requestAnimationFrame(() => done(el.scrollTop)), { once: true });
    el.scrollTop = 0;
  }));
}

const QUESTIONS = [
  ["How do I brew a pour-over?", "Bloom with 40 g of water"],
  ["What are the shipping costs?", "free on UK orders over £30"],
  ["Do you sell gift cards?", "never expire"],
  ["How do I track my order?", "chase the courier"],
];

test("the log follows each answer, and shows the latest on open and after a reload", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  try {
    await page.goto(bridge.url);
    await page.getByRole("button", { name: "Open chat" }).click();
    const log = page.getByRole("log");
    for (const [question, answer] of QUESTIONS) {
      await ask(page, question);
      await log.getByText(answer).waitFor();
      assert.ok(await newestInView(log), `the answer to "${question}" is in view`);
    }
    assert.ok(await log.evaluate((el) => el.scrollHeight > el.clientHeight), "the log is long enough to scroll");
    await page.screenshot({ path: "test-results/messenger-follow.png" });

    await page.reload();
    await page.getByRole("button", { name: "Open chat" }).click();
    await log.getByText(QUESTIONS.at(-1)[1]).waitFor();
    assert.ok(await newestInView(log), "after a reload the latest message is in view");
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test("scrolled up, the visitor keeps their place and a New messages button takes them down", async () => {
  const context = await browser.newContext();
  const reader = await context.newPage();
  const errors = watchErrors(reader);
  try {
    await reader.goto(bridge.url);
    await reader.getByRole("button", { name: "Open chat" }).click();
    const log = reader.getByRole("log");
    for (const [question, answer] of QUESTIONS.slice(0, 3)) {
      await ask(reader, question);
      await log.getByText(answer).waitFor();
    }
    // The visitor scrolls up once the answer is whole: a piece rendered in the same frame as
    // the scroll would still find them at the bottom.
    await log.locator(".baton-streaming").waitFor({ state: "detached" });
    assert.equal(await scrollUp(log), 0);

    // The same visitor writes from a second tab; the first one, scrolled up, hears of it.
    const writer = await context.newPage();
    await writer.goto(bridge.url);
    await writer.getByRole("button", { name: "Open chat" }).click();
    await writer.getByRole("log").getByText(QUESTIONS[2][1]).waitFor();
    await ask(writer, QUESTIONS[3][0]);
    const jump = reader.getByRole("button", { name: "New messages" });
    await jump.waitFor();
    await log.getByText(QUESTIONS[3][1]).waitFor();
    assert.equal(await log.evaluate((el) => el.scrollTop), 0, "the place is kept");
    assert.equal(await newestInView(log), false);
    await reader.screenshot({ path: "test-results/messenger-new-messages.png" });

    await jump.click();
    assert.ok(await newestInView(log), "the button takes the visitor to the newest message");
    await jump.waitFor({ state: "detached" });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("after a handoff the AI's answers stay labelled and a teammate's reply comes into view", async () => {
  const visitor = await browser.newPage();
  const errors = watchErrors(visitor);
  try {
    await visitor.goto(bridge.url);
    await visitor.getByRole("button", { name: "Open chat" }).click();
    const log = visitor.getByRole("log");
    for (const [question, answer] of QUESTIONS.slice(0, 3)) {
      await ask(visitor, question);
      await log.getByText(answer).waitFor();
    }
    await ask(visitor, "Can I talk to a person please?");
    await visitor.getByText("Waiting for a teammate").first().waitFor({ timeout: 15_000 });
    const answer = log.locator(".baton-from-agent").filter({ hasText: QUESTIONS[0][1] });
    assert.equal(await answer.locator(".baton-author").textContent(), "JuniperAI");

    const teammate = await browser.newPage();
    await teammate.goto(sandbox.url);
    await teammate.getByRole("link", { name: /pour-over|shipping costs|gift cards/ }).first().click();
    await teammate.getByLabel("Reply as").selectOption({ label: "Ana Torres" });
    await teammate.getByLabel("Reply", { exact: true }).fill("Hi! I'm Ana. Let me look at your order.");
    await Promise.all([
      teammate.waitForURL(/\/inbox\/[^/]+$/, { waitUntil: "load" }),
      teammate.getByRole("button", { name: "Send reply" }).click(),
    ]);
    await teammate.close();

    await log.getByText("Let me look at your order.").waitFor({ timeout: 15_000 });
    assert.ok(await newestInView(log), "the teammate's reply is in view");
    const reply = log.locator(".baton-from-teammate").filter({ hasText: "Let me look at your order." });
    assert.equal(await reply.locator(".baton-author").textContent(), "Ana Torres");
    assert.equal(await reply.locator(".baton-author .baton-avatar").count(), 1, "with the avatar");
    await visitor.getByRole("dialog").getByText("Ana Torres · Support team").waitFor();
    await visitor.screenshot({ path: "test-results/messenger-teammate.png" });
    assert.deepEqual(errors, []);
  } finally {
    await visitor.close();
  }
});

/** The demo page with the script tag given a light yellow accent. */
async function yellowPage(page) {
  await page.route(bridge.url, async (route) => {
    const response = await route.fetch();
    const body = (await response.text()).replace('data-agent="demo"', 'data-agent="demo" data-accent-color="#f2c94c"');
    await route.fulfill({ response, body });
  });
  await page.goto(bridge.url);
}

/**
 * WCAG contrast of the `property` colour of elements under `host` against the colours in
 * `against` (CSS properties of the same element, or of the element itself for `background`
 * resolved up the tree). Runs in the page.
 */
function measureContrast([host, checks]) {
  const rgb = (css) => css.match(/[\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map((v) => ((v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const ratio = (x, y) => {
    const [a, b] = [luminance(rgb(x)), luminance(rgb(y))];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  };
  const background = (el) => {
    for (let node = el; node; node = node.parentElement ?? node.getRootNode().host) {
      const bg = getComputedStyle(node).backgroundColor;
      const parts = rgb(bg);
      if (parts.length < 4 || parts[3] > 0) return bg;
    }
    return "rgb(255, 255, 255)";
  };
  const root = document.querySelector(host).shadowRoot;
  return checks.map(({ selector, colour, against }) => {
    const el = root.querySelector(selector);
    if (!el) return { selector, ratio: 0 };
    const style = getComputedStyle(el);
    const fore = colour === "boxShadow" ? style.boxShadow.match(/rgba?\([^)]*\)/)[0] : style[colour];
    const back = against === "parent" ? background(el.parentElement) : background(el);
    return { selector, colour, ratio: ratio(fore, back) };
  });
}

test("a light brand colour gets dark text that passes AA, in the stub launcher and the widget", async () => {
  // The stub: the widget never loads on this page.
  const stub = await browser.newPage();
  await stub.route("**/baton_widget.js", (route) => route.abort());
  await yellowPage(stub);
  await stub.getByRole("button", { name: "Open chat" }).waitFor();
  const [launcher] = await stub.evaluate(measureContrast, ["[data-baton]", [{ selector: "button", colour: "color" }]]);
  assert.ok(launcher.ratio >= 4.5, `stub launcher: ${launcher.ratio.toFixed(2)}:1`);
  await stub.close();

  const page = await browser.newPage();
  const errors = watchErrors(page);
  try {
    await yellowPage(page);
    await page.getByRole("button", { name: "Open chat" }).click();
    await ask(page, "Do you sell gift cards?");
    await page.getByRole("log").getByText("never expire").waitFor();
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("typing");
    await box.focus();
    const measured = await page.evaluate(measureContrast, ["[data-baton]", [
      { selector: ".baton-launcher", colour: "color" },
      { selector: ".baton-title", colour: "color" },
      { selector: ".baton-subtitle", colour: "color" },
      { selector: ".baton-from-visitor .baton-plain", colour: "color" },
      { selector: ".baton-send", colour: "color" },
      { selector: ".baton-input", colour: "borderTopColor" },
      { selector: ".baton-input", colour: "borderTopColor", against: "parent" },
      { selector: ".baton-input", colour: "boxShadow", against: "parent" },
    ]]);
    for (const { selector, colour, ratio } of measured) {
      const needed = colour === "color" ? 4.5 : 3;
      assert.ok(ratio >= needed, `${selector} ${colour}: ${ratio.toFixed(2)}:1, needs ${needed}`);
    }
    await page.screenshot({ path: "test-results/messenger-yellow.png" });
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test("the composer grows with the text, has 16 px text on a phone, and the launcher is drawn", async () => {
  const page = await browser.newPage({ viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
  const errors = watchErrors(page);
  try {
    await page.goto(bridge.url);
    const launcher = page.getByRole("button", { name: "Open chat" });
    // The widget's own launcher, once it replaced the loader's.
    await page.locator("[data-baton] >> svg.baton-launcher-icon").waitFor();
    await page.screenshot({ path: "test-results/messenger-launcher-phone.png" });
    await launcher.tap();
    const box = page.getByRole("textbox", { name: "Message" });
    assert.equal(await box.evaluate((el) => getComputedStyle(el).fontSize), "16px", "iOS does not zoom in");
    const oneLine = (await box.boundingBox()).height;
    await box.fill("My parcel arrived\nwith the bag torn\nand beans everywhere");
    const threeLines = (await box.boundingBox()).height;
    assert.ok(threeLines > oneLine * 2, `grew from ${oneLine} to ${threeLines} px`);
    assert.equal(await box.evaluate((el) => el.scrollHeight <= el.clientHeight), true, "all of it shows");
    await box.fill(Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n"));
    assert.ok((await box.boundingBox()).height <= 121, "up to a limit, then it scrolls");
    await page.screenshot({ path: "test-results/messenger-composer-phone.png" });
    await box.press("Enter");
    await page.getByRole("log").getByText("line 19").waitFor();
    assert.equal((await box.boundingBox()).height, oneLine, "one line again after sending");
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});

test("messages carry a time label, and the visitor's newest says Sending… then Delivered", async () => {
  const page = await browser.newPage();
  const errors = watchErrors(page);
  try {
    // Hold the first send back, to see it on its way.
    let release;
    const held = new Promise((resolve) => (release = resolve));
    await page.route("**/v1/conversations**", async (route) => {
      if (route.request().method() === "POST") await held;
      await route.continue();
    });
    await page.goto(bridge.url);
    await page.getByRole("button", { name: "Open chat" }).click();
    const log = page.getByRole("log");
    await ask(page, QUESTIONS[0][0]);
    const newest = log.locator(".baton-from-visitor").last();
    await newest.getByText("Sending…").waitFor();
    release();
    await newest.getByText("Delivered").waitFor();
    await log.getByText(QUESTIONS[0][1]).waitFor();
    const label = await log.locator(".baton-time").first().textContent();
    const now = new Date();
    assert.match(label, /^\d{2}:\d{2}$/);
    const minutes = Number(label.slice(0, 2)) * 60 + Number(label.slice(3));
    assert.ok(Math.abs(now.getHours() * 60 + now.getMinutes() - minutes) <= 1, `${label} is the local time`);

    await ask(page, QUESTIONS[1][0]);
    await log.getByText(QUESTIONS[1][1]).waitFor();
    await log.locator(".baton-from-visitor").last().getByText("Delivered").waitFor();
    assert.equal(await log.getByText("Delivered").count(), 2, "each message was delivered");
    assert.equal(await log.getByText("Delivered", { exact: true }).filter({ visible: true }).count(), 1, "shown on the newest");
    assert.equal(await log.locator(".baton-time").count(), 1, "one group: minutes have not passed");
    await page.screenshot({ path: "test-results/messenger-time.png" });
    assert.deepEqual(errors, []);
  } finally {
    await page.close();
  }
});
