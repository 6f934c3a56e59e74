#!/usr/bin/env bash
# Proves the production build carries no test driver (ML-124878):
#  1. the default dependency graph has no server crates (axum, utoipa, ...);
#  2. `production` + `testdriver` together do not compile (compile_error! guard);
#  3. the production binary holds none of the contract's route strings or driver symbols,
#     while the testdriver binary (positive control) does.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[check-production] %s\n' "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

leaks=$(cargo tree -e normal --prefix none --features production -p tim-client | grep -E '^(axum|axum-server|utoipa|utoipa-axum|utoipa-swagger-ui|contract-types) ' | sort -u || true)
[[ -z "$leaks" ]] || fail "production dependency graph contains: $leaks"
log "dependency graph: no server crates"

# Built like make test builds (the workspace, resolver 1), so only the workspace's own crates compile.
if cargo build -q --workspace --features production,testdriver --lib 2>/tmp/guard.$$; then
  fail "production+testdriver compiled; the guard is missing"
fi
grep -q "must never be enabled together" /tmp/guard.$$ || { cat /tmp/guard.$$ >&2; fail "build failed for another reason"; }
rm -f /tmp/guard.$$
log "guard: production+testdriver refuses to compile"

cargo build -q --workspace --features production --bin tim-client
target="${CARGO_TARGET_DIR:-target}/debug"
prod="$target/tim-client"
cargo build -q --workspace --features testdriver --bin tim-testdriver
td="$target/tim-testdriver"
# every path of the contract that is specific enough to be a driver route
routes=$(grep -oE '^  /devices/[^:]+' api/TiMessengerTestTreiber.yaml | sort -u)
count() { local bin="$1" n=0; for r in $routes; do grep -qaF -- "$r" "$bin" && n=$((n+1)); done; echo "$n"; }
prod_routes=$(count "$prod"); td_routes=$(count "$td")
prod_syms=$(nm -C "$prod" 2>/dev/null | grep -cE 'testdriver::|tim_vzd_sim::|tim_push_sim::' || true)
td_syms=$(nm -C "$td" 2>/dev/null | grep -c 'testdriver::' || true)
log "route strings: production=$prod_routes testdriver=$td_routes; testdriver/stand-in symbols: production=$prod_syms testdriver=$td_syms"
[[ "$prod_routes" == 0 && "$prod_syms" == 0 ]] || fail "the production binary contains driver code"
[[ "$td_routes" -gt 0 && "$td_syms" -gt 0 ]] || fail "positive control failed: the driver binary shows no routes/symbols"
log "OK"
