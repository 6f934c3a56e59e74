#!/usr/bin/env bash
# run.sh CONFIG - what make run does: builds the driver and its stand-ins while the local
# Fachdienst installs and starts (on a fresh machine both take minutes), provisions the driver's accounts, then starts the local directory service
# (tim-vzd-sim, http://127.0.0.1:8490, state in .state/vzd) and push gateway (tim-push-sim,
# http://127.0.0.1:8491, state in .state/push) in the background and the test driver in the
# foreground; Ctrl-C stops all three.
# PROFILE=debug (the default of make run) builds exactly what make test builds (one workspace,
# one feature set, resolver 1), so make test after make run compiles no dependency again.
# PROFILE=release serves the optimised build make bench measures (a longer cold build).
set -euo pipefail
CONFIG="${1:-config/driver.toml}"
cd "$(dirname "$0")/.."
PROFILE="${PROFILE:-debug}"
CARGO_PROFILE="$([[ $PROFILE == debug ]] && echo dev || echo "$PROFILE")"
cargo build --profile "$CARGO_PROFILE" --workspace --features testdriver \
  --bin tim-testdriver --bin tim-vzd-sim --bin tim-push-sim &
BUILD=$!
trap 'kill $BUILD 2>/dev/null || true' EXIT
bash scripts/fachdienst-up.sh 4
python3 scripts/fachdienst-smoke.py >/dev/null
python3 scripts/provision-accounts.py "$CONFIG"
wait $BUILD || { echo "[run] the build failed (see above)" >&2; exit 1; }
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
