#!/usr/bin/env bash
# Fuzzes every hand-written parser of cipherflow with cargo-fuzz (libFuzzer),
# one target at a time: the wire format (envelope_decode), transactional
# decrypt (decrypt_arbitrary), two-party conversations (interaction), session
# and account pickles plain and sealed (pickles), the QR code's fingerprint
# (scannable_fingerprint), the flow's readers: the application message inside
# the ciphertext, Graph API send bodies, trace JSON, phone numbers, wamids and
# base64 (flow_parsers), and the webhook signature check (webhook_signature).
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [target...]
#   SECONDS_PER_TARGET  how long each target runs (default 60)
#   target...           any of the targets above (default: all)
#
# Needs a nightly toolchain (cargo-fuzz builds with -Z flags); installs cargo-fuzz
# from crates.io if it is missing. Seeds (a few genuine envelopes, a bundle, a
# header, a key) are generated into core/protocol/fuzz/corpus/<target>/, where the corpus
# also grows from run to run; crashes land in core/protocol/fuzz/artifacts/<target>/. Both
# are gitignored. Targets run one after another, never in parallel.
#
# Prints one line per target: executions, seconds, and ok or CRASH (with the
# input and the command that replays it). Exits 1 if any target crashed or
# failed, 2 on a usage or toolchain error.
#
# Environment:
#   FUZZ_SANITIZER  none (default) or address. The crate forbids unsafe code, so
#                   ASan only watches the dependencies; it costs about a third of
#                   the execution rate.
#   FUZZ_ARGS       extra libFuzzer flags, e.g. "-seed=1 -max_len=512".
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fuzz_dir="$root/core/protocol/fuzz"
all_targets=(envelope_decode decrypt_arbitrary interaction pickles scannable_fingerprint flow_parsers webhook_signature)

die() {
    echo "fuzz.sh: $*" >&2
    exit 2
}

seconds="${1:-60}"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] ||
    die "SECONDS_PER_TARGET must be a positive integer, got '$seconds' (usage: scripts/fuzz.sh [SECONDS] [target...])"
[[ $# -gt 0 ]] && shift
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
    [[ " ${all_targets[*]} " == *" $t "* ]] || die "unknown target '$t' (known: ${all_targets[*]})"
done

sanitizer="${FUZZ_SANITIZER:-none}"
[[ "$sanitizer" == none || "$sanitizer" == address ]] ||
    die "FUZZ_SANITIZER must be none or address, got '$sanitizer'"
read -r -a extra_args <<<"${FUZZ_ARGS:-}"

command -v rustup >/dev/null 2>&1 ||
    die "rustup not found: cargo-fuzz needs a nightly toolchain managed by rustup"
rustup run nightly rustc --version >/dev/null 2>&1 ||
    die "no nightly toolchain: install it with 'rustup toolchain install nightly'"
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: cargo-fuzz is missing, installing it from crates.io" >&2
    cargo install cargo-fuzz --locked
fi

# Build options of one target, after the common ones. `interaction` decodes its
# input through `arbitrary`, so the comparisons inside the protocol (tags, keys,
# indices) are not ones libFuzzer can steer by tracing them, and tracing them
# halves its speed: it builds without, in a target directory of its own so that
# neither build invalidates the other.
target_flags() {
    case "$1" in
    interaction) echo "--no-trace-compares --target-dir target/no-trace-compares" ;;
    *) echo "" ;;
    esac
}

cd "$fuzz_dir"
build_flags=(--sanitizer "$sanitizer" --debug-assertions)
echo "fuzz.sh: generating seeds" >&2
cargo +nightly run --quiet --example write_seeds -- "$fuzz_dir/corpus" >&2
echo "fuzz.sh: building ${targets[*]} (sanitizer: $sanitizer, debug assertions on)" >&2
for t in "${targets[@]}"; do
    read -r -a flags <<<"$(target_flags "$t")"
    cargo +nightly fuzz build "${build_flags[@]}" ${flags[@]+"${flags[@]}"} "$t"
done

log_dir="$fuzz_dir/target/fuzz-logs"
mkdir -p "$log_dir"
summary=()
failed=0
for t in "${targets[@]}"; do
    read -r -a flags <<<"$(target_flags "$t")"
    log="$log_dir/$t.log"
    echo "fuzz.sh: running $t for ${seconds}s (log: $log)" >&2
    start=$(date +%s)
    rc=0
    cargo +nightly fuzz run "${build_flags[@]}" ${flags[@]+"${flags[@]}"} "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -print_final_stats=1 -timeout=60 \
        ${extra_args[@]+"${extra_args[@]}"} >"$log" 2>&1 || rc=$?
    elapsed=$(($(date +%s) - start))
    execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9][0-9]*\).*/\1/p' "$log" | tail -n1)
    [[ -n "$execs" ]] || execs=$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]]*DONE.*/\1/p' "$log" | tail -n1)
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n1)
    if [[ $rc -eq 0 ]]; then
        status=ok
    elif [[ -n "$artifact" ]]; then
        status="CRASH: $(grep -m1 -A1 'panicked at' "$log" | tail -n1 || true)"
        status+=$'\n'"    input (hex): $(od -An -v -tx1 "$artifact" | tr -d ' \n')"
        status+=$'\n'"    replay: (cd core/protocol/fuzz && cargo +nightly fuzz run ${build_flags[*]}${flags[*]+ ${flags[*]}} $t $artifact)"
        failed=1
    else
        status="FAILED (exit $rc, no crash input; see $log)"
        failed=1
    fi
    summary+=("$(printf '%-18s %12s execs in %4ss  %s' "$t" "${execs:-?}" "$elapsed" "$status")")
done

echo
echo "fuzz.sh summary (${seconds}s per target, sanitizer $sanitizer):"
printf '%s\n' "${summary[@]}"
exit "$failed"
