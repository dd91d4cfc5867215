// Times each streamed piece on the main thread (dispatch → DOM patched) in headless Chromium:
// 5,000 pieces into a transcript of 2,000 messages, and, for comparison, of 10.
// Usage: node www/bench/streaming.mjs DIR   (DIR holds wasm-bindgen's output of the bench build)
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { launchBrowser } from "../tests/harness.mjs";

const dir = resolve(process.argv[2] ?? "target/bench-pkg");
const page = `<!doctype html><meta charset="utf-8"><div id="host"></div>
<script type="module">
  import init, { bench_streaming } from "./baton_widget.js";
  window.run = async (messages, pieces) => {
    await init();
    const host = document.createElement("div");
    document.body.append(host);
    const timings = await bench_streaming(host, messages, pieces);
    host.remove();
    return Array.from(timings);
  };
  window.ready = true;
</script>`;
const types = { ".js": "text/javascript", ".wasm": "application/wasm" };
const server = createServer(async (req, res) => {
  if (req.url === "/") return res.writeHead(200, { "content-type": "text/html" }).end(page);
  try {
    const file = join(dir, new URL(req.url, "http://x").pathname);
    const body = await readFile(file);
    const ext = file.slice(file.lastIndexOf("."));
    res.writeHead(200, { "content-type": types[ext] ?? "application/octet-stream" }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((done) => server.listen(0, "127.0.0.1", done));

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const browser = await launchBrowser();
try {
  for (const messages of [2000, 10]) {
    const tab = await browser.newPage();
    await tab.goto(`http://127.0.0.1:${server.address().port}/`);
    await tab.waitForFunction(() => window.ready);
    const timings = await tab.evaluate((m) => window.run(m, 5000), messages);
    const sorted = [...timings].sort((a, b) => a - b);
    const mean = timings.reduce((a, b) => a + b, 0) / timings.length;
    console.log(
      `${timings.length} pieces into ${messages} messages: p50 ${percentile(sorted, 50).toFixed(3)} ms, ` +
        `p99 ${percentile(sorted, 99).toFixed(3)} ms, max ${sorted.at(-1).toFixed(3)} ms, mean ${mean.toFixed(3)} ms`,
    );
    await tab.close();
  }
} finally {
  await browser.close();
  server.close();
}
