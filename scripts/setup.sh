#!/usr/bin/env bash
# scripts/setup.sh: install whatever is missing for cipherflow, then write
# $CIPHERFLOW_TOOLS/env.sh, the environment every wasm32 step runs under.
#
# Idempotent: on a machine that already has everything it only checks versions
# (a few seconds). Everything comes from the package registries: crates.io,
# Debian's packages and npm. Nothing is downloaded from anywhere else.
#
# Steps:
#   1. a wasm32-unknown-unknown std: `rustup target add` first (with a timeout);
#      when rustup cannot download, Debian's rustc-web + rust-web-src, building
#      std with -Zbuild-std and linking with rust-lld from the host toolchain;
#   2. npm tooling from the committed package-lock.json (wasm-opt from the
#      `binaryen` package, playwright-core, typescript);
#   3. wasm-bindgen-cli at exactly the wasm-bindgen version in Cargo.lock;
#   4. trunk, pinned;
#   5. Debian's chromium + chromium-driver (skipped with CIPHERFLOW_NO_BROWSER=1).
#
# Env knobs: CIPHERFLOW_TOOLS (default ~/.cache/cipherflow-tools),
#            CIPHERFLOW_WASM_ROUTE=auto|rustup|debian, CIPHERFLOW_RUSTUP_TIMEOUT (s).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="${CIPHERFLOW_TOOLS:-$HOME/.cache/cipherflow-tools}"
ROUTE="${CIPHERFLOW_WASM_ROUTE:-auto}"
RUSTUP_TIMEOUT="${CIPHERFLOW_RUSTUP_TIMEOUT:-90}"
NO_BROWSER="${CIPHERFLOW_NO_BROWSER:-0}"
TRUNK_VERSION="0.21.14"   # 0.22 needs rustc >= 1.96.1
HOST=x86_64-unknown-linux-gnu
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '==> %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }
t0=$(date +%s)

APT_UPDATED=0
apt_install() { # installs only the packages that are missing
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "need these Debian packages, and this machine has no apt: ${missing[*]}"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ $APT_UPDATED = 0 ]; then $sudo apt-get update -qq; APT_UPDATED=1; fi
  say "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs) first"
mkdir -p "$TOOLS/bin"

# ---------------------------------------------------------------- 1. wasm32 std
rustup_has_wasm_std() {
  local sr; sr=$(rustc --print sysroot 2>/dev/null) || return 1
  compgen -G "$sr/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib" >/dev/null
}
if [ "$ROUTE" = auto ] || [ "$ROUTE" = rustup ]; then
  if rustup_has_wasm_std; then
    ROUTE=rustup
  elif command -v rustup >/dev/null && timeout "$RUSTUP_TIMEOUT" rustup target add wasm32-unknown-unknown >/dev/null 2>&1 && rustup_has_wasm_std; then
    ROUTE=rustup
  elif [ "$ROUTE" = rustup ]; then
    die "rustup target add wasm32-unknown-unknown failed or timed out after ${RUSTUP_TIMEOUT}s"
  else
    say "rustup cannot provide a wasm32 std here; using Debian's rustc-web route"
    ROUTE=debian
  fi
fi
if [ "$ROUTE" = debian ]; then
  apt_install rustc-web cargo-web rust-web-src
  DEB_VER=$(/usr/bin/rustc -V | awk '{print $2}')
  case "$DEB_VER" in 1.9[6-9]*|1.[1-9][0-9][0-9]*) ;; *) die "Debian's rustc-web is $DEB_VER; need >= 1.96 (bookworm-security)";; esac
  SRC=$(/usr/bin/rustc --print sysroot)/lib/rustlib/src/rust/library
  [ -f "$SRC/Cargo.lock" ] || die "std sources missing at $SRC (package rust-web-src)"
  LINKER="$(rustc --print sysroot)/lib/rustlib/$HOST/bin/rust-lld"
  if [ ! -x "$LINKER" ]; then apt_install lld; LINKER=/usr/bin/wasm-ld; fi
  mkdir -p "$TOOLS/debian-bin"
  for b in cargo rustc rustdoc; do ln -sfn "/usr/bin/$b" "$TOOLS/debian-bin/$b"; done
fi

# ---------------------------------------------------------------- 2. npm tooling
command -v npm >/dev/null || apt_install nodejs npm
# The server suite runs the README's Python integration example.
command -v python3 >/dev/null || apt_install python3
lock_sum=$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$ROOT/node_modules/.cipherflow-lock" 2>/dev/null)" != "$lock_sum" ]; then
  say "npm ci (wasm-opt, playwright-core, typescript)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_sum" > "$ROOT/node_modules/.cipherflow-lock"
fi
"$ROOT/node_modules/.bin/wasm-opt" --version >/dev/null || die "wasm-opt from npm 'binaryen' does not run"

# ---------------------------------------------------------------- 3. wasm-bindgen-cli
WBG=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$ROOT/Cargo.lock")
[ -n "$WBG" ] || die "no wasm-bindgen in Cargo.lock"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WBG" ]; then
  say "cargo install wasm-bindgen-cli $WBG (about 3 minutes)"
  # no --locked: its lockfile wants a webpki-roots version the registry does not serve
  cargo install wasm-bindgen-cli --version "=$WBG" --force --quiet
fi
have=$(wasm-bindgen --version | awk '{print $2}')
[ "$have" = "$WBG" ] || die "wasm-bindgen-cli is $have but Cargo.lock has wasm-bindgen $WBG; they must match exactly"

# ---------------------------------------------------------------- 4. trunk
if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "cargo install trunk $TRUNK_VERSION (about 7 minutes)"
  cargo install trunk --version "=$TRUNK_VERSION" --locked --force --quiet
fi

# ---------------------------------------------------------------- 5. browser
if [ "$NO_BROWSER" != 1 ]; then
  apt_install chromium chromium-driver
fi

# ---------------------------------------------------------------- env.sh
{
  echo "# written by scripts/setup.sh; sourced by scripts/wasm-env for wasm32 commands only."
  echo "# Shared by every checkout on this machine: paths inside a checkout go through"
  echo "# \$CIPHERFLOW_ROOT, which the sourcing script sets to its own checkout."
  echo ': "${CIPHERFLOW_ROOT:?set CIPHERFLOW_ROOT to the checkout before sourcing env.sh}"'
  echo "export CIPHERFLOW_WASM_ROUTE=$ROUTE"
  echo "export CIPHERFLOW_WASM_BINDGEN=$WBG"
  if [ "$ROUTE" = debian ]; then
    echo "export PATH='$TOOLS/debian-bin':\"\$CIPHERFLOW_ROOT/node_modules/.bin:\$HOME/.cargo/bin:\$PATH\""
    echo "export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1"
    echo "export CARGO_UNSTABLE_BUILD_STD=std,panic_abort"
    echo "export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER='$LINKER'"
    # a separate target dir, so host builds (rustup's compiler) and Debian's never evict each other
    echo "export CARGO_TARGET_DIR=\"\$CIPHERFLOW_ROOT/target/wasm-debian\""
  else
    echo "export PATH=\"\$CIPHERFLOW_ROOT/node_modules/.bin:\$HOME/.cargo/bin:\$PATH\""
    echo "export CARGO_TARGET_DIR=\"\$CIPHERFLOW_ROOT/target/wasm\""
  fi
  echo "export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner"
  echo "export TRUNK_SKIP_VERSION_CHECK=true"
  [ -x /usr/bin/chromium ] && echo "export CHROME_BIN=/usr/bin/chromium"
  true
} > "$TOOLS/env.sh"
say "setup ok in $(( $(date +%s) - t0 ))s (wasm route: $ROUTE, wasm-bindgen $WBG, trunk $TRUNK_VERSION)"
