#!/usr/bin/env bash
# run.sh CONFIG - the local directory service (tim-vzd-sim, http://127.0.0.1:8490, state in
# .state/vzd) in the background, then the test driver in the foreground; Ctrl-C stops both.
# The Fachdienst must be up (make run does that first).
set -euo pipefail
CONFIG="${1:-config/driver.toml}"
cd "$(dirname "$0")/.."
cargo build --features testdriver --bin tim-vzd-sim --bin tim-testdriver
BIN="${CARGO_TARGET_DIR:-target}/debug"
"$BIN/tim-vzd-sim" --config "$CONFIG" --bind 127.0.0.1:8490 --state .state/vzd &
VZD=$!
trap 'kill $VZD 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs http://127.0.0.1:8490/health >/dev/null && break; sleep 0.2; done
"$BIN/tim-testdriver" "$CONFIG"
