#!/usr/bin/env bash
# Builds the release widget into pkg/: cargo (scripts/wasm-cargo.sh: the size-optimised `wasm`
# profile, on nightly with std rebuilt for size when available), then wasm-bindgen for the
# ES-module glue, then wasm-opt -Oz to a fixed point (told what holds for every Rust wasm: the
# first 1 KB of memory is unused and memory starts zeroed) and esbuild --minify, then the script
# tag's loader (pkg/baton.js, carrying the workspace version), then gzip and brotli copies that
# the bridge serves precompressed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/wasm-cargo.sh
rm -rf pkg
wasm-bindgen --target web --out-dir pkg "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/wasm/baton_widget.wasm"
www/node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused --zero-filled-memory --strip-debug --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-nontrapping-float-to-int \
  -o pkg/baton_widget_bg.wasm pkg/baton_widget_bg.wasm
www/node_modules/.bin/esbuild pkg/baton_widget.js --minify --format=esm --log-level=warning \
  --allow-overwrite --outfile=pkg/baton_widget.js
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
www/node_modules/.bin/esbuild www/loader/baton.js --minify --log-level=warning \
  --define:BATON_VERSION="\"$version\"" --outfile=pkg/baton.js
node scripts/compress.mjs pkg/baton_widget_bg.wasm pkg/baton_widget.js pkg/baton.js
