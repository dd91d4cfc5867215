#!/usr/bin/env bash
# Where the widget's bytes go, so the next size cut starts from numbers: builds the shipped code
# (scripts/wasm-cargo.sh, the same toolchain and settings) keeping function names
# (wasm-bindgen --keep-debug, wasm-opt -g), reads it with twiggy, and prints the code and data by
# crate, largest first, with the 40 largest items. Needs twiggy (cargo install twiggy).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v twiggy >/dev/null || { echo "twiggy is missing: cargo install twiggy" >&2; exit 1; }
target_dir=${CARGO_TARGET_DIR:-target}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
scripts/wasm-cargo.sh
wasm-bindgen --target web --keep-debug --out-dir "$out" "$target_dir/wasm32-unknown-unknown/wasm/baton_widget.wasm"
www/node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused --zero-filled-memory -g --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-nontrapping-float-to-int \
  -o "$out/named.wasm" "$out/baton_widget_bg.wasm"
echo "built with $(cat "$target_dir/wasm-toolchain"); sizes are raw bytes of the wasm, names kept"
twiggy top -n 1000000 --format json "$out/named.wasm" > "$out/top.json"
node scripts/crate-sizes.mjs "$out/top.json"
