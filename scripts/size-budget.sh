#!/usr/bin/env bash
# Checks what a visitor downloads to open the chat (the wasm and its JS glue, compressed as the
# bridge serves them) against its budget, 140 KB gzip, and the script tag's loader, on every page
# that embeds Baton, against 1,400 bytes gzip; prints the figures. The budget is for the shipped
# build, nightly with std rebuilt for size (scripts/wasm-cargo.sh): it builds that first, or with
# --no-build checks the one in pkg/ after making sure it is that build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--no-build" ]; then
  built=$(cat "${CARGO_TARGET_DIR:-target}/wasm-toolchain" 2>/dev/null || echo unknown)
  if [ "$built" != nightly ]; then
    echo "pkg/ holds a $built build; the budget is for the nightly one (BATON_TOOLCHAIN=nightly scripts/build-widget.sh)" >&2
    exit 1
  fi
else
  BATON_TOOLCHAIN=nightly scripts/build-widget.sh
fi
node scripts/compress.mjs --budget $((140 * 1024)) pkg/baton_widget_bg.wasm pkg/baton_widget.js
node scripts/compress.mjs --budget 1400 pkg/baton.js
