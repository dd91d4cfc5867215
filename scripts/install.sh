#!/usr/bin/env bash
# Installs what building (`build`) or testing (`test`) Baton needs and this machine lacks.
# Idempotent: each step checks first and skips what is present.
set -euo pipefail
cd "$(dirname "$0")/.."

need=${1:-build}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The wasm target of the Rust toolchain.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

# The shipped widget is built on nightly with std rebuilt for size (scripts/wasm-cargo.sh), which
# needs nightly's rust-src; the size budget is for that build.
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal --component rust-src
elif ! rustup component list --toolchain nightly --installed | grep -q '^rust-src'; then
  rustup component add rust-src --toolchain nightly
fi

# wasm-bindgen's CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
version=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"$/\1/p')
if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $version" ]; then
  echo "installing wasm-bindgen-cli $version (about 3 minutes)"
  cargo install wasm-bindgen-cli --version "$version" --force
fi

# wasm-opt from npm's binaryen (the only build that reads wasm-bindgen's output), esbuild to
# minify the JS glue, and playwright-core, all pinned by www/package-lock.json.
if [ ! -x www/node_modules/.bin/wasm-opt ] || [ ! -x www/node_modules/.bin/esbuild ] \
  || [ www/package-lock.json -nt www/node_modules/.package-lock.json ]; then
  (cd www && npm ci --no-audit --no-fund)
fi

if [ "$need" = test ]; then
  # Debian's PostgreSQL 15, whose programs the PostgreSQL engine's tests start a throw-away
  # cluster with (the service it installs is not used), and `openssl`, which makes the
  # certificates of the TLS tests' cluster (PostgreSQL brings it through ssl-cert).
  if [ ! -x /usr/lib/postgresql/15/bin/initdb ] || ! command -v openssl >/dev/null; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 openssl
  fi
  # Debian's nginx, the load balancer of the end-to-end test with two bridges (started by the
  # test with its own configuration; the service it installs is not used).
  if [ ! -x /usr/sbin/nginx ]; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx
  fi
  # Debian's Chromium and its driver, for the wasm tests and the end-to-end tests.
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver
  fi
fi
