#!/usr/bin/env bash
# scripts/demo.sh: set up whatever is missing, build the Yew app with Trunk and
# the server, then run `cipherflow serve` at http://127.0.0.1:8080: the app,
# the Graph API, the control API and the live stream on one port (Ctrl-C
# stops it; everything is kept in target/serve-data for the next start).
#
# Extra arguments go to `cipherflow serve`, for example:
#   scripts/demo.sh --webhook http://127.0.0.1:3000/webhook --verify-token secret
#   scripts/demo.sh --workshop    # a room of phones on this machine's LAN address
#                                 # (its world is kept apart, in target/workshop-data)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
CIPHERFLOW_NO_BROWSER=1 bash scripts/setup.sh
echo "==> building the app (trunk build --release)"
scripts/wasm-env trunk build --release --locked
echo "==> building the server (cargo build -p cipherflow-server)"
cargo build --locked -p cipherflow-server
DATA=target/serve-data
for arg in "$@"; do
  if [ "$arg" = "--workshop" ]; then DATA=target/workshop-data; fi
done
echo "==> serving the demo (cipherflow serve prints where)"
# Bound to 127.0.0.1 unless --workshop or --host says otherwise.
exec target/debug/cipherflow serve --port 8080 --data "$DATA" --app dist "$@"
