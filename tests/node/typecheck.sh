#!/usr/bin/env bash
# tests/node/typecheck.sh: type-check the packed npm package's TypeScript
# declarations. Installs target/npm/cipherflow-*.tgz into a fresh folder as a
# user would, then runs the repo's tsc (strict, --noEmit) there on:
#
#   types-example.ts  every export, method and getter, with explicit types
#   types-protocol-example.ts
#                     the same for `cipherflow/protocol`, and that the
#                     simulation is absent from its types
#   types-fixture.ts  real output of the package (written by types-fixture.mjs)
#                     as literals of the declared types: exact shapes
#
# twice: as a Node ESM project (moduleResolution nodenext, through the package's
# `node` + `import` types) and as a bundler project (the browser build's types).
# Run scripts/build-npm.sh first.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TSC="$ROOT/node_modules/.bin/tsc"
[ -x "$TSC" ] || { echo "no $TSC: run npm ci (or scripts/setup.sh) in $ROOT" >&2; exit 1; }
shopt -s nullglob
tgzs=("$ROOT"/target/npm/cipherflow-*.tgz)
[ "${#tgzs[@]}" = 1 ] || { echo "expected one target/npm/cipherflow-*.tgz: run scripts/build-npm.sh" >&2; exit 1; }

DIR=$(mktemp -d "${TMPDIR:-/tmp}/cipherflow-types-XXXXXX")
trap 'rm -rf "$DIR"' EXIT
cat > "$DIR/package.json" <<'JSON'
{ "name": "cipherflow-types-check", "private": true, "type": "module" }
JSON
(cd "$DIR" && npm install --no-audit --no-fund --offline --loglevel=error "${tgzs[0]}" >/dev/null)
cp "$ROOT/tests/node/types-example.ts" "$ROOT/tests/node/types-protocol-example.ts" "$ROOT/tests/node/tsconfig.json" "$DIR/"
node "$ROOT/tests/node/types-fixture.mjs" "$DIR"

echo "tsc $("$TSC" --version) (nodenext)"
"$TSC" --noEmit -p "$DIR/tsconfig.json"
echo "tsc (bundler)"
"$TSC" --noEmit -p "$DIR/tsconfig.json" --module esnext --moduleResolution bundler
echo "typecheck: ok"
