#!/usr/bin/env bash
# Builds the release widget and checks what a visitor downloads to open the chat (the wasm and
# its JS glue, compressed as the bridge serves them) against the budget: 180 KB gzip; and the
# script tag's loader, on every page that embeds Baton, against 2 KB gzip.
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET_BYTES=$((180 * 1024))
[ "${1:-}" = "--no-build" ] || scripts/build-widget.sh
node scripts/compress.mjs --budget "$BUDGET_BYTES" pkg/baton_widget_bg.wasm pkg/baton_widget.js
node scripts/compress.mjs --budget 2048 pkg/baton.js
