#!/usr/bin/env bash
# Runs schemathesis against a real `dealreg serve` (demo program on a scratch SQLite database) with
# the API tokens of an administrator, a channel manager, order entry and a partner: every operation
# of /api/v1/openapi.json, with schema-valid and schema-invalid input. It fails on any 5xx, any
# status, content type, header or body the document does not declare, any invalid input that is
# accepted, and any valid input that is refused (so the document and the parsers must agree; the
# operations scripts/schemathesis.toml lists are spared that last check, each for a stated reason).
# Usage: scripts/schemathesis.sh [EXAMPLES_PER_OPERATION]   (default 20; CI uses the default)
# Env: DEALREG_BIN (default target/debug/dealreg, built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
examples="${1:-20}"
version=4.32.5

venv="${XDG_CACHE_HOME:-$HOME/.cache}/dealreg/schemathesis-$version"
if [[ ! -x "$venv/bin/st" ]]; then
    echo "schemathesis: installing schemathesis $version into $venv" >&2
    if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    fi
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==$version"
fi

bin="${DEALREG_BIN:-target/debug/dealreg}"
[[ -x "$bin" ]] || cargo build --locked -p dealreg

dir=$(mktemp -d /tmp/dealreg-st.XXXXXX)
pid=
cleanup() {
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
export DEALREG_DATA_DIR="$dir" DEALREG_LOG=warn
"$bin" demo >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --listen "127.0.0.1:$port" --worker-interval 0 &
pid=$!
base="http://127.0.0.1:$port"
python3 - "$base/healthz" <<'EOF'
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1)
        sys.exit(0)
    except Exception:
        time.sleep(0.05)
sys.exit("dealreg did not start")
EOF

# The checks, and which operations positive_data_acceptance leaves out and why.
config="$PWD/scripts/schemathesis.toml"
status=0
# The demo's administrator, a regional manager, order entry and a partner administrator.
for who in admin@dealreg.example wendy.west@dealreg.example orders@dealreg.example ann@northwind-av.example; do
    token=$("$bin" token create --email "$who" --label schemathesis 2>/dev/null)
    echo "schemathesis: as $who" >&2
    # From the scratch directory: schemathesis keeps a cache in its working directory.
    (cd "$dir" && "$venv/bin/st" --config-file "$config" run "$base/api/v1/openapi.json" --url "$base/api/v1" \
        -H "Authorization: Bearer $token" \
        --max-examples "$examples" --seed 20261122 --workers 1 --no-color --generation-database none \
        --phases examples,coverage,fuzzing) || status=1
done
exit $status
