// Sums twiggy's items by crate (`twiggy top --format json`), for scripts/size-report.sh. A method
// `<T as Trait>::f` counts for the crate of T (of Trait when T is a primitive such as f64); the
// standard library is split by module (core::fmt, alloc::collections…), as those are what a size
// cut chooses between. The name sections kept for this report are left out of the total.
import { readFileSync } from "node:fs";

const items = JSON.parse(readFileSync(process.argv[2], "utf8"));
const STD = new Set(["core", "alloc", "std"]);

/** The crate (or std module) a path such as `yew::html::Html` belongs to, if it is one. */
function crateOf(path) {
  const segments = path.replace(/^[&*\s]*(mut |dyn |const )?/, "").match(/^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)?/);
  if (!segments || !segments[0].includes("::")) return null;
  const [crate, module] = segments[0].split("::");
  return STD.has(crate) ? `${crate}::${module}` : crate.replace(/_/g, "-");
}

function owner(rawName) {
  const name = rawName.replace(/\[[0-9a-f]{16}\]/g, "");
  if (/subsection$|^custom section/.test(name)) return null;
  if (name.startsWith("data segment")) return "static data (strings, CSS, tables)";
  if (/shim$|^export "|^import |^__externref|^__wbindgen|^__wbg_|^wasm_bindgen::/.test(name)) return "wasm-bindgen";
  if (/^code\[\d+\]$/.test(name)) return "unnamed code";
  if (/^[a-z]+\[\d+\]$/.test(name)) return "wasm tables and types";
  const method = name.match(/^<(.+?) as (.+?)>::/);
  if (method) return crateOf(method[1]) ?? crateOf(method[2]) ?? "other";
  return crateOf(name.replace(/^</, "")) ?? "other";
}

const byCrate = new Map();
let total = 0;
for (const { name, shallow_size: size } of items) {
  const key = owner(name);
  if (key === null) continue;
  byCrate.set(key, (byCrate.get(key) ?? 0) + size);
  total += size;
}
const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)} %`;
console.log(`\n${"crate".padEnd(40)} ${"bytes".padStart(8)}  share`);
for (const [crate, size] of [...byCrate].sort((a, b) => b[1] - a[1])) {
  if (size >= 100) console.log(`${crate.padEnd(40)} ${String(size).padStart(8)}  ${pct(size)}`);
}
console.log(`${"total (without the name sections)".padEnd(40)} ${String(total).padStart(8)}`);
console.log("\nlargest items:");
const shown = items.filter((item) => owner(item.name) !== null).sort((a, b) => b.shallow_size - a.shallow_size);
for (const { name, shallow_size: size } of shown.slice(0, 40)) {
  const short = name.replace(/\[[0-9a-f]{16}\]/g, "");
  console.log(`${String(size).padStart(8)}  ${short.length > 110 ? `${short.slice(0, 107)}...` : short}`);
}
