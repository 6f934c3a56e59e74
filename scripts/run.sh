#!/usr/bin/env bash
# run.sh CONFIG - the local directory service (tim-vzd-sim, http://127.0.0.1:8490, state in
# .state/vzd) and push gateway (tim-push-sim, http://127.0.0.1:8491, state in .state/push) in
# the background, then the test driver in the foreground; Ctrl-C stops all three.
# The Fachdienst must be up (make run does that first).
# PROFILE=release (the default of make run) serves an optimised build: measured with make bench,
# it answers logins about 20 % and messages about 10 % faster than the debug build; its cold
# build takes about 11 min on 2 cores (as long as the debug build make test uses).
set -euo pipefail
CONFIG="${1:-config/driver.toml}"
cd "$(dirname "$0")/.."
PROFILE="${PROFILE:-release}"
CARGO_PROFILE="$([[ $PROFILE == debug ]] && echo dev || echo "$PROFILE")"
cargo build --profile "$CARGO_PROFILE" --features testdriver --bin tim-testdriver
cargo build --profile "$CARGO_PROFILE" -p tim-vzd-sim -p tim-push-sim
BIN="${CARGO_TARGET_DIR:-target}/$PROFILE"
"$BIN/tim-vzd-sim" --seed config/vzd-seed.json --bind 127.0.0.1:8490 --state .state/vzd &
VZD=$!
"$BIN/tim-push-sim" --bind 127.0.0.1:8491 --state .state/push &
PUSH=$!
trap 'kill $VZD $PUSH 2>/dev/null || true' EXIT
for port in 8490 8491; do
  for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
done
"$BIN/tim-testdriver" "$CONFIG"
