#!/usr/bin/env bash
# Builds the release widget into pkg/: cargo (the size-optimised `wasm` profile), then
# wasm-bindgen for the ES-module glue, then wasm-opt -Oz and esbuild --minify, then gzip and
# brotli copies that the bridge serves precompressed.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --lib --target wasm32-unknown-unknown --profile wasm
rm -rf pkg
wasm-bindgen --target web --out-dir pkg target/wasm32-unknown-unknown/wasm/baton_widget.wasm
www/node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  -o pkg/baton_widget_bg.wasm pkg/baton_widget_bg.wasm
www/node_modules/.bin/esbuild pkg/baton_widget.js --minify --format=esm --log-level=warning \
  --allow-overwrite --outfile=pkg/baton_widget.js
node scripts/compress.mjs pkg/baton_widget_bg.wasm pkg/baton_widget.js
