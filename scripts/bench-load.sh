#!/usr/bin/env bash
# Builds the bridge and the load benchmark (release) and measures Baton against the bare in-memory
# baseline: `baton-load --compare` starts each server on loopback in turn (the bridge fresh, with
# its rate limits and per-client caps off) and prints both with the ratios. Arguments go to
# baton-load, e.g. `scripts/bench-load.sh --conversations 10000`; `--postgres --bridges 2` adds a
# bridge on a throw-away PostgreSQL (Debian's PostgreSQL 15) and two bridges on it behind Debian's
# nginx, all in one table.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p baton-bridge -p baton-load
target="${CARGO_TARGET_DIR:-target}"
exec "$target/release/baton-load" --compare "$@"
