#!/usr/bin/env bash
# scripts/test.sh: set up whatever is missing, then run every test suite.
#
# Prints one line per suite and a closing "suites: N passed, N failed" line; the
# full output of each suite is in target/test-logs/<suite>.log, and the tail of a
# failing suite's log is printed. Exits non-zero if any suite fails.
#
# Run a subset with: scripts/test.sh fmt clippy native server wasm npm browser bench
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
LOGS="$ROOT/target/test-logs"
mkdir -p "$LOGS"

t_start=$(date +%s)
if ! bash scripts/setup.sh; then
  echo "FAIL setup (see the message above)"
  exit 1
fi

suite_fmt()     { cargo fmt --all --check; }
# The web crate twice: with the simulation (the default) and without it (the
# protocol-only module of `cipherflow/protocol`).
suite_clippy()  {
  cargo clippy --workspace --all-targets --locked -- -D warnings &&
    cargo clippy -p cipherflow-web --no-default-features --all-targets --locked -- -D warnings
}
suite_native()  { cargo test --workspace --locked --exclude cipherflow-server; }
# `cipherflow serve`: the real binary on random loopback ports, driven over
# sockets (Graph API, webhooks, control API, crash safety, load), and the
# README's integration examples (Node and Python) run against it.
suite_server()  { cargo test --locked -p cipherflow-server; }
# The core's tests compiled to wasm32 and run in Node by wasm-bindgen-test-runner.
suite_wasm()    { scripts/wasm-env cargo test --locked --target wasm32-unknown-unknown -p cipherflow-protocol -p cipherflow-flow; }
# The npm package, built, packed, installed into an empty folder and tested in
# Node; then its TypeScript declarations are type-checked by tsc (strict).
suite_npm()     { bash scripts/build-npm.sh && node --test tests/node/ && bash tests/node/typecheck.sh; }
# The Trunk-built app, served on 127.0.0.1 and driven in headless Chromium;
# its live mode against the real `cipherflow serve` binary.
suite_browser() { scripts/wasm-env trunk build --release --locked && cargo build --locked -p cipherflow-server && node --test tests/browser/; }
# The benchmarks' smoke mode: one tiny iteration of every benchmark suite, so they cannot rot.
suite_bench()   { CIPHERFLOW_SKIP_SETUP=1 bash scripts/bench.sh --smoke; }

# One word of detail per suite: how many tests ran, read from the runner's own summary.
count() {
  local log=$1
  local n
  n=$(grep -E '^test result: ' "$log" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{s+=$1} END {print s+0}')
  [ "$n" != 0 ] && { echo "$n tests"; return; }
  n=$(grep -E '^# pass [0-9]+' "$log" | awk '{s+=$3} END {print s+0}')
  [ "$n" != 0 ] && { echo "$n tests"; return; }
  echo "clean"
}

ALL=(fmt clippy native server wasm npm browser bench)
SUITES=("${@:-${ALL[@]}}")
passed=0 failed=0
for s in "${SUITES[@]}"; do
  declare -F "suite_$s" >/dev/null || { echo "unknown suite: $s (known: ${ALL[*]})"; exit 2; }
  log="$LOGS/$s.log"
  t0=$(date +%s)
  if "suite_$s" >"$log" 2>&1; then
    printf 'PASS %-8s %-12s %4ss\n' "$s" "$(count "$log")" "$(( $(date +%s) - t0 ))"
    passed=$((passed + 1))
  else
    printf 'FAIL %-8s %16ss  (log: %s)\n' "$s" "$(( $(date +%s) - t0 ))" "${log#"$ROOT"/}"
    # The cause first (a backtrace can push it out of the tail), then the end.
    grep -E -A 2 'panicked at|^error(\[|:)|not ok [0-9]' "$log" | head -n 30 | sed 's/^/    ! /' || true
    tail -n 25 "$log" | sed 's/^/    | /'
    failed=$((failed + 1))
  fi
done
echo "total time: $(( $(date +%s) - t_start ))s"
echo "suites: $passed passed, $failed failed"
[ "$failed" = 0 ]
