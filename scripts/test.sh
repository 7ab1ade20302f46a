#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need (Debian's postgresql,
# python3-aiosmtpd, chromium and chromium-driver), checks formatting and lints, then runs every
# test — domain rules, the store conformance suite on SQLite and on a throwaway PostgreSQL, the API,
# pages, browser, CLI, SMTP, crash, scale-out and benchmark-harness tests — then schemathesis against the
# OpenAPI document and the fuzz targets, each for a short while.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing+=(python3-aiosmtpd)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
[[ -x /usr/bin/chromedriver ]] || missing+=(chromium-driver)
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "test.sh: installing ${missing[*]}" >&2
    sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked

cargo fmt --all --check
cargo fmt --manifest-path fuzz/Cargo.toml --check
cargo clippy --workspace --all-targets --locked -- -D warnings
scripts/with-postgres.sh cargo nextest run --workspace --locked --no-fail-fast
# schemathesis against the real server, as four roles (installs schemathesis into a cached venv).
scripts/schemathesis.sh
# The fuzz targets briefly (the full run: scripts/fuzz.sh 600).
scripts/fuzz.sh "${DEALREG_FUZZ_SECONDS:-20}"
