// Writes FILE.gz and FILE.br beside each FILE given, at the highest levels, so the bridge serves
// them precompressed; prints raw, gzip and brotli sizes. With --budget BYTES, exits 1 when the
// gzip total exceeds it.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const args = process.argv.slice(2);
const at = args.indexOf("--budget");
const budget = at >= 0 ? Number(args.splice(at, 2)[1]) : Infinity;
const totals = { raw: 0, gzip: 0, brotli: 0 };
const kb = (n) => `${(n / 1024).toFixed(1)} KB (${n.toLocaleString("en")} B)`;

/** GNU gzip -9 packs wasm about 2% tighter than zlib; zlib when gzip is not installed. */
function bestGzip(file, raw) {
  try {
    return execFileSync("gzip", ["-9", "-n", "-c", file], { maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return gzipSync(raw, { level: 9 });
  }
}

for (const file of args) {
  const raw = readFileSync(file);
  const gzip = bestGzip(file, raw);
  const brotli = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  });
  writeFileSync(`${file}.gz`, gzip);
  writeFileSync(`${file}.br`, brotli);
  totals.raw += raw.length;
  totals.gzip += gzip.length;
  totals.brotli += brotli.length;
  console.log(`${file}: ${kb(raw.length)} raw, ${kb(gzip.length)} gzip, ${kb(brotli.length)} brotli`);
}
console.log(`total: ${kb(totals.raw)} raw, ${kb(totals.gzip)} gzip, ${kb(totals.brotli)} brotli`);
if (totals.gzip > budget) {
  console.error(`over budget: ${kb(totals.gzip)} gzip > ${kb(budget)}`);
  process.exit(1);
}
if (Number.isFinite(budget)) console.log(`within budget: ${kb(totals.gzip)} gzip <= ${kb(budget)}`);
