#!/usr/bin/env bash
# scripts/bench.sh: run every benchmark suite and write bench/RESULTS.md.
#
#   scripts/bench.sh            the full run (about 25 minutes on 2 cores)
#   scripts/bench.sh --smoke    one tiny iteration of each suite (a test that the
#                               benchmarks still run, not a measurement); works in
#                               target/bench/smoke/, writes its RESULTS.md there
#                               and leaves bench/RESULTS.md alone
#
# Steps, one line each, then "bench: N passed, N failed"; a failing step's log
# tail is printed, its full log is in target/bench/logs/<step>.log (smoke:
# target/bench/smoke/logs/), and the script exits non-zero:
#   deps      npm ci of bench/ from bench/package-lock.json (skipped when done)
#   npm       scripts/build-npm.sh, and the packed tarball installed into
#             target/bench/app as a user would install it
#   native    core/protocol/benches/protocol.rs: cipherflow-protocol vs vodozemac
#   flow      core/flow/benches/flow_scale.rs: 10k, 100k, 1M messages, peak memory
#   serve     server/benches/serve_throughput.rs: cipherflow serve over loopback
#             at 10, 100, 1,000 consumers, beside the in-process simulation
#   node      bench/node/run.mjs: the npm package vs @signalapp/libsignal-client
#             and @privacyresearch/libsignal-protocol-typescript, in Node
#   browser   bench/browser/run.mjs: the same vs libsignal-protocol-typescript
#             in headless Chromium
#   app       the Yew app's release wasm (trunk build --release) when dist/ has
#             none; skipped in smoke mode (the size table then says "not built")
#   size      bench/size.mjs: the gzipped size table, and where the npm wasm's
#             bytes go (bench/wasm-breakdown.mjs)
#   report    bench/report.mjs: the results file, from target/bench/*.json
#
# Env knobs: CIPHERFLOW_BENCH_LOCK=FILE runs each heavy step under `flock FILE`
# (for a machine shared with other builds); CIPHERFLOW_SKIP_SETUP=1 skips
# scripts/setup.sh (scripts/test.sh has just run it).
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"

SMOKE=0
for a in "$@"; do
  case "$a" in
    --smoke) SMOKE=1 ;;
    *) echo "usage: scripts/bench.sh [--smoke]" >&2; exit 2 ;;
  esac
done

# A smoke run works in its own folder, so it never spoils a full run's files.
OUT="$ROOT/target/bench"
[ "$SMOKE" = 1 ] && OUT="$ROOT/target/bench/smoke"
LOGS="$OUT/logs"
rm -rf "$OUT"/*.json "$LOGS"
mkdir -p "$LOGS"
APP="$OUT/app"
LOCK="${CIPHERFLOW_BENCH_LOCK:-}"
heavy() { if [ -n "$LOCK" ]; then flock "$LOCK" "$@"; else "$@"; fi; }

if [ "$SMOKE" = 1 ]; then
  RESULTS="$OUT/RESULTS.md"
  CRITERION_ARGS=(-- --test)          # criterion's smoke mode: every benchmark once
  JS_ARGS=(--setups 2 --messages 20 --slow-setups 1 --slow-messages 4 --rounds 1)
else
  RESULTS="$ROOT/bench/RESULTS.md"
  CRITERION_ARGS=()
  # libsignal-protocol-typescript runs fewer setups and messages per round (its
  # rates are per setup and per message); see bench/lib/harness.mjs.
  JS_ARGS=(--setups 200 --messages 10000 --slow-setups 20 --slow-messages 1000 --rounds 5)
fi

t_start=$(date +%s)
# What is measured is the tree as it is now: the report names this commit even
# if commits land while the benchmarks run.
dirty=false
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] && dirty=true
printf '{ "commit": "%s", "dirty": %s, "started": "%s" }\n' \
  "$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)" "$dirty" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$OUT/start.json"
if [ "${CIPHERFLOW_SKIP_SETUP:-0}" != 1 ] && ! bash scripts/setup.sh; then
  echo "bench: setup failed (see the message above)"
  exit 1
fi

step_deps() {
  local sum
  sum=$(sha256sum bench/package-lock.json | cut -d' ' -f1)
  if [ "$(cat bench/node_modules/.cipherflow-lock 2>/dev/null)" != "$sum" ]; then
    (cd bench && npm ci --no-audit --no-fund --loglevel=error) || return 1
    echo "$sum" > bench/node_modules/.cipherflow-lock
  fi
  echo "bench/node_modules matches bench/package-lock.json"
}

step_npm() {
  heavy bash scripts/build-npm.sh || return 1
  rm -rf "$APP" && mkdir -p "$APP"
  cp target/npm/cipherflow-*.tgz "$APP/cipherflow.tgz"
  echo '{ "name": "cipherflow-bench-app", "private": true }' > "$APP/package.json"
  (cd "$APP" && npm install --no-audit --no-fund --offline --no-save --ignore-scripts ./cipherflow.tgz)
}

step_native() {
  local only=()
  [ "$SMOKE" = 1 ] || only=(env CIPHERFLOW_BENCH_SUMMARY_ONLY=1)
  heavy env CIPHERFLOW_BENCH_JSON="$OUT/native.json" "${only[@]}" \
    cargo bench --locked -p cipherflow-protocol --bench protocol "${CRITERION_ARGS[@]}"
}

step_flow() {
  heavy env CIPHERFLOW_BENCH_JSON="$OUT/flow.json" \
    cargo bench --locked -p cipherflow-flow --bench flow_scale "${CRITERION_ARGS[@]}"
}

step_serve() {
  local smoke=()
  [ "$SMOKE" = 1 ] && smoke=(-- --test)
  heavy env CIPHERFLOW_BENCH_JSON="$OUT/serve.json" \
    cargo bench --locked -p cipherflow-server --bench serve_throughput "${smoke[@]}"
}

step_node() {
  heavy node bench/node/run.mjs --app "$APP" --out "$OUT/node.json" "${JS_ARGS[@]}"
}

step_browser() {
  heavy node bench/browser/run.mjs --app "$APP" --work "$OUT/browser" --out "$OUT/browser.json" "${JS_ARGS[@]}"
}

step_app() {
  if [ "$SMOKE" = 1 ]; then echo "smoke mode: the app is not built"; return 0; fi
  if compgen -G "dist/*.wasm" >/dev/null; then echo "dist/ has a wasm build already"; return 0; fi
  heavy scripts/wasm-env trunk build --release --locked
}

step_size() {
  # The npm wasm once more with its symbol names kept (build-npm.sh strips
  # them), for the table of where its bytes go.
  local named="$OUT/size/named"
  rm -rf "$named" && mkdir -p "$named"
  # shellcheck disable=SC2016
  heavy scripts/wasm-env bash -c 'wasm-bindgen --target web --out-dir "$1" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/cipherflow_web.wasm" &&
    wasm-opt -Oz -g "$1/cipherflow_web_bg.wasm" -o "$1/named.wasm"' _ "$named" || return 1
  node bench/size.mjs --app "$APP" --dist "$ROOT/dist" --work "$OUT/size" --out "$OUT/size.json" --named "$named/named.wasm"
}

step_report() {
  local mode=()
  [ "$SMOKE" = 1 ] && mode=(--smoke)
  node bench/report.mjs --dir "$OUT" --out "$RESULTS" "${mode[@]}"
}

STEPS=(deps npm native flow serve node browser app size report)
passed=0 failed=0
for s in "${STEPS[@]}"; do
  log="$LOGS/$s.log"
  t0=$(date +%s)
  if "step_$s" >"$log" 2>&1; then
    printf 'PASS %-8s %5ss\n' "$s" "$(( $(date +%s) - t0 ))"
    passed=$((passed + 1))
  else
    printf 'FAIL %-8s %5ss  (log: %s)\n' "$s" "$(( $(date +%s) - t0 ))" "${log#"$ROOT"/}"
    tail -n 30 "$log" | sed 's/^/    | /'
    failed=$((failed + 1))
  fi
done
echo "results: ${RESULTS#"$ROOT"/}"
echo "total time: $(( $(date +%s) - t_start ))s"
echo "bench: $passed passed, $failed failed"
[ "$failed" = 0 ]
