// Files both ways, in the browser, offline: a visitor attaches a photo from the widget and it
// reaches the Intercom sandbox's conversation as an attachment (downloaded there from the
// bridge's signed address); a teammate attaches a label in the sandbox's inbox and the visitor
// sees it in the widget. A file the bridge would refuse is refused at once, with a reason.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { deflateSync } from "node:zlib";
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

/** A `width`×`height` PNG, a brown parcel on white with a dark crack across it. */
function parcelPng(width = 160, height = 120) {
  const crc = (bytes) => {
    let c = ~0;
    for (const byte of bytes) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
    }
    return ~c >>> 0;
  };
  const chunk = (type, data) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const box = x > 20 && x < width - 20 && y > 20 && y < height - 20;
      const crack = box && Math.abs(y - 30 - (x * 60) / width) < 3;
      const [r, g, b] = crack ? [40, 20, 10] : box ? [181, 129, 74] : [250, 250, 250];
      row.set([r, g, b], 1 + x * 3);
    }
    rows.push(row);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(Buffer.concat(rows))), chunk("IEND", Buffer.alloc(0))]);
}

/** Waits until the picture `image` shows has loaded with real pixels. */
async function loaded(image) {
  await image.waitFor();
  await image.evaluate((img) => (img.complete ? null : new Promise((done) => img.addEventListener("load", done, { once: true }))));
  assert.ok((await image.evaluate((img) => img.naturalWidth)) > 0, "the picture loaded");
}

test("a photo sent from the widget reaches the sandbox conversation, and a teammate's label reaches the widget", async () => {
  const visitor = await browser.newPage();
  const errors = watchErrors(visitor);
  await visitor.goto(bridge.url);
  await visitor.getByRole("button", { name: "Open chat" }).click();
  const log = visitor.getByRole("log");
  const box = visitor.getByRole("textbox", { name: "Message" });
  await box.fill("Can I talk to a person please?");
  await box.press("Enter");
  await visitor.getByText("Waiting for a teammate").first().waitFor({ timeout: 15_000 });

  // A file the bridge would refuse is refused before any upload, and says why.
  const picker = visitor.locator("input[type=file]");
  await picker.setInputFiles({ name: "page.html", mimeType: "text/html", buffer: Buffer.from("<script>alert(1)</script>") });
  await visitor.getByRole("alert").filter({ hasText: "Only images" }).waitFor();

  await visitor.getByRole("button", { name: "Attach a file" }).waitFor();
  await picker.setInputFiles({ name: "parcel.png", mimeType: "image/png", buffer: parcelPng() });
  // Previewed before it is sent, and removable.
  await visitor.getByRole("button", { name: "Remove parcel.png" }).waitFor();
  await visitor.screenshot({ path: "test-results/files-preview.png" });
  await box.fill("It arrived broken");
  await box.press("Enter");
  // Shown at once from the page, then from the bridge's signed address once stored.
  const stored = log.locator('img[alt="parcel.png"][src*="/v1/files/"]');
  await stored.waitFor({ timeout: 15_000 });
  await loaded(stored);
  assert.match(await stored.getAttribute("src"), /\/v1\/files\/[0-9a-f]+\?expires=\d+&signature=[0-9a-f]+$/);
  await visitor.screenshot({ path: "test-results/files-sent.png" });

  const teammate = await browser.newPage();
  await teammate.goto(sandbox.url);
  // The one conversation of this sandbox.
  await teammate.locator("tbody a").first().click();
  await teammate.getByText("It arrived broken").waitFor({ timeout: 15_000 });
  await loaded(teammate.getByRole("img", { name: "parcel.png" }));
  await teammate.getByText(/parcel\.png \(\d+ KB\)/).waitFor();

  await teammate.getByLabel("Reply as").selectOption({ label: "Ana Torres" });
  await teammate.getByLabel("Reply", { exact: true }).fill("Sorry about that! Here is a return label.");
  await teammate.getByLabel(/Attach the shipping label/).check();
  await Promise.all([
    teammate.waitForURL(/\/inbox\/[^/]+$/, { waitUntil: "load" }),
    teammate.getByRole("button", { name: "Send reply" }).click(),
  ]);
  await loaded(teammate.getByRole("img", { name: "label.png" }));
  await teammate.screenshot({ path: "test-results/files-inbox.png", fullPage: true });

  await log.getByText("Sorry about that! Here is a return label.").waitFor({ timeout: 15_000 });
  await loaded(log.getByRole("img", { name: "label.png" }));
  await visitor.screenshot({ path: "test-results/files-teammate.png" });
  assert.deepEqual(errors, []);
});
