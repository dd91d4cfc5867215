#!/usr/bin/env bash
# Builds the widget with its benchmark entry point (release settings) and times streamed pieces
# in headless Chromium: prints p50/p99 main-thread milliseconds per piece.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --lib --target wasm32-unknown-unknown --profile wasm --features bench
rm -rf target/bench-pkg
wasm-bindgen --target web --out-dir target/bench-pkg target/wasm32-unknown-unknown/wasm/baton_widget.wasm
node www/bench/streaming.mjs target/bench-pkg
