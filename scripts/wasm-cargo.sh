#!/usr/bin/env bash
# Compiles the widget's wasm as it ships (the `wasm` profile), passing extra arguments to cargo
# (`--features bench`). Nightly with rust-src is preferred: std is rebuilt for size and a panic
# aborts on the spot, so no panic message, formatting machinery or source path reaches the wasm
# (about 20 KB gzip less than stable). Without it, stable builds the same code, larger, with a
# warning. BATON_TOOLCHAIN=nightly or =stable decides instead. Records the toolchain it used in
# $CARGO_TARGET_DIR/wasm-toolchain, which scripts/size-budget.sh checks.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}

has_nightly() {
  sysroot=$(rustup run nightly rustc --print sysroot 2>/dev/null) && [ -d "$sysroot/lib/rustlib/src/rust/library" ]
}

toolchain=${BATON_TOOLCHAIN:-}
if [ -z "$toolchain" ]; then
  if has_nightly; then toolchain=nightly; else toolchain=stable; fi
  [ "$toolchain" = nightly ] || echo "warning: no nightly with rust-src (scripts/install.sh adds it): stable build, over the size budget" >&2
fi

case "$toolchain" in
  nightly)
    has_nightly || { echo "BATON_TOOLCHAIN=nightly, but nightly or its rust-src is missing: run scripts/install.sh" >&2; exit 1; }
    RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none" \
      cargo +nightly build --lib --target wasm32-unknown-unknown --profile wasm -Zbuild-std=std,panic_abort "$@"
    ;;
  stable)
    cargo +stable build --lib --target wasm32-unknown-unknown --profile wasm "$@"
    ;;
  *)
    echo "BATON_TOOLCHAIN must be nightly or stable, not $toolchain" >&2
    exit 1
    ;;
esac
mkdir -p "$target_dir"
echo "$toolchain" > "$target_dir/wasm-toolchain"
