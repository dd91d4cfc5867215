#!/usr/bin/env bash
# Packs the npm package `baton-widget` from the built widget (pkg/) and its wrapper (www/npm/),
# stamped with the workspace version, into DIR (a new temporary directory when not given); prints
# the tarball's path. Run scripts/build-widget.sh first.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath "${1:-$(mktemp -d)}")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
mkdir -p "$stage/pkg" "$out"
cp www/npm/package.json www/npm/index.js www/npm/index.d.ts "$stage/"
cp pkg/baton_widget.js pkg/baton_widget_bg.wasm "$stage/pkg/"
sed -i "s/0\.0\.0-dev/$version/" "$stage/package.json" "$stage/index.js"
(cd "$stage" && npm pack --silent --pack-destination "$out" >/dev/null)
echo "$out/baton-widget-$version.tgz"
