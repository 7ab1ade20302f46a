#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets) for SECONDS each (default 60), with libFuzzer's
# coverage instrumentation and no sanitizer (`-s none` works on the stable toolchain). Crashes land
# in fuzz/artifacts/<target>/ and fail the run. CI runs it briefly through scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
cargo fuzz build -s none
for target in $(cargo fuzz list); do
    echo "fuzz.sh: $target for ${seconds}s" >&2
    cargo fuzz run -s none "$target" -- -max_total_time="$seconds" -print_final_stats=1 2>&1 | grep -E "^(Done|stat::number_of_executed_units)|panicked|ERROR|SUMMARY" || true
    if compgen -G "artifacts/$target/crash-*" >/dev/null; then
        echo "fuzz.sh: $target crashed; see fuzz/artifacts/$target" >&2
        exit 1
    fi
done
