#!/usr/bin/env bash
# Builds the widget with its benchmark entry point (the shipped build's toolchain and settings,
# scripts/wasm-cargo.sh) and times streamed pieces in headless Chromium: prints p50/p99
# main-thread milliseconds per piece.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/wasm-cargo.sh --features bench
target_dir=${CARGO_TARGET_DIR:-target}
rm -rf "$target_dir/bench-pkg"
wasm-bindgen --target web --out-dir "$target_dir/bench-pkg" "$target_dir/wasm32-unknown-unknown/wasm/baton_widget.wasm"
node www/bench/streaming.mjs "$target_dir/bench-pkg"
