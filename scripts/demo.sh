#!/usr/bin/env bash
# scripts/demo.sh: set up whatever is missing, then build the Yew app with Trunk
# and serve it at http://127.0.0.1:8080 (Ctrl-C stops it).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CIPHERFLOW_NO_BROWSER=1 bash scripts/setup.sh
echo "==> serving the demo at http://127.0.0.1:8080"
exec scripts/wasm-env trunk serve --release --locked --address 127.0.0.1 --port 8080
