#!/usr/bin/env bash
# Runs dealreg on the embedded SQLite default: builds it, loads the demo program into ./data on the
# first run (printing API tokens once), and serves http://127.0.0.1:8080/api/v1 until Ctrl-C.
# Extra arguments go to `dealreg serve` (e.g. --listen 0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
export DEALREG_DATA_DIR="${DEALREG_DATA_DIR:-data}"
cargo build --release --locked -p dealreg
bin=target/release/dealreg
if [[ ! -f "$DEALREG_DATA_DIR/dealreg.db" ]]; then
    "$bin" demo
fi
exec "$bin" serve "$@"
