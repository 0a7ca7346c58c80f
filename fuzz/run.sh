#!/usr/bin/env bash
# Run certpack's fuzz targets with stable Rust (RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its nightly flags).
#   fuzz/run.sh time SECONDS [TARGET...]   each target for SECONDS (CI: scripts/test-all)
#   fuzz/run.sh runs N [TARGET...]         each target for N executions (the campaign in docs/robustness.md)
# No target: all of them. Needs cargo-fuzz on PATH. The corpus is seeded from testdata by seed.sh (not committed);
# a crash, timeout (>10 s) or out-of-memory (>2 GiB) stops the run, leaves the input in fuzz/artifacts/<target>/
# and makes this script exit non-zero. Reproduce: cargo fuzz run -s none <target> fuzz/artifacts/<target>/<file>.
set -euo pipefail
cd "$(dirname "$0")"
MODE=${1:?usage: fuzz/run.sh time SECONDS|runs N [TARGET...]}
LIMIT=${2:?usage: fuzz/run.sh time SECONDS|runs N [TARGET...]}
shift 2
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(load_any pem_scan aws_json bundle_assemble convert_all pack_all inspect_report)
fi
case $MODE in
  time) BOUND=(-max_total_time="$LIMIT") ;;
  runs) BOUND=(-runs="$LIMIT") ;;
  *) echo "fuzz/run.sh: mode is time or runs, not $MODE" >&2; exit 2 ;;
esac
export RUSTC_BOOTSTRAP=1
# Safe Rust (core forbids unsafe code): no AddressSanitizer, which runs ~5x slower; debug assertions stay on.
FUZZ=(cargo fuzz run --sanitizer none --debug-assertions)
./seed.sh >/dev/null
cargo fuzz build --sanitizer none --debug-assertions
for t in "${TARGETS[@]}"; do
  log="${TMPDIR:-/tmp}/certpack-fuzz-$t.log"
  if ! "${FUZZ[@]}" "$t" -- "${BOUND[@]}" -dict=certpack.dict -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 >"$log" 2>&1; then
    tail -n 80 "$log"
    echo "fuzz $t: FAILED (full log $log; inputs in fuzz/artifacts/$t/)" >&2
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
  echo "fuzz $t: ${runs:-?} executions, no crash, peak RSS ${rss:-?} MB"
done
