#!/usr/bin/env bash
# Builds the WebAssembly package: the size-optimised wasm, wasm-bindgen for node (pkg/node, CommonJS) and the web
# (pkg/web, ES module), and the self-contained page folder www/ (www/pkg/ gets the web glue plus the wasm as a
# JS module, so the page needs no fetch and its CSP can say connect-src 'none').
# Needs: the wasm32-unknown-unknown target and wasm-bindgen-cli of the version in Cargo.lock on PATH
# (scripts/test-all installs both). Prints the gzipped sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# Source paths in panic locations are written relative (crates/<crate>/..., certpack/...): the package holds no path
# of the machine that built it, and its bytes and size do not depend on where the checkout or the registry is.
REMAP="--remap-path-prefix=$PWD=certpack"
cargo fetch --locked --quiet
shopt -s nullglob
for registry in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  REMAP="$REMAP --remap-path-prefix=${registry%/}=crates"
done
RUSTFLAGS="${RUSTFLAGS:-} $REMAP" cargo build -p certpack-wasm --target wasm32-unknown-unknown --profile wasm-release --locked
WASM="$TARGET_DIR/wasm32-unknown-unknown/wasm-release/certpack_wasm.wasm"
rm -rf wasm/pkg wasm/www/pkg
wasm-bindgen --target nodejs --remove-name-section --remove-producers-section --out-dir wasm/pkg/node "$WASM"
# The name section (symbol names for debuggers) is a quarter of the file and of no use to the page.
wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir wasm/pkg/web "$WASM"
echo '{"type": "commonjs"}' > wasm/pkg/node/package.json
echo '{"type": "module"}' > wasm/pkg/web/package.json
mkdir -p wasm/www/pkg
cp wasm/pkg/web/certpack_wasm.js wasm/pkg/web/certpack_wasm.d.ts wasm/www/pkg/
node wasm/tools/embed-wasm.mjs wasm/pkg/web/certpack_wasm_bg.wasm wasm/www/pkg/certpack_wasm_bytes.js
for f in wasm/pkg/web/certpack_wasm_bg.wasm wasm/www/pkg/certpack_wasm_bytes.js; do
  printf '%-40s %8d bytes, %8d gzipped (gzip -9)\n' "$(basename "$f")" "$(wc -c < "$f")" "$(gzip -9 -c "$f" | wc -c)"
done
