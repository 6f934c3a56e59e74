#!/usr/bin/env bash
# Instruction counts of the core's message delivery (issue 32), not wall clock: tim-core-peer
# (sender and receivers in one process, no HTTP layer) under valgrind's callgrind, collecting
# only while ROUNDS messages go through, then the inclusive counts of the components per
# delivery. Needs the local Fachdienst (make fachdienst-up) and the release peer
# (cargo build --release --workspace --features testdriver --bin tim-core-peer).
#   scripts/profile-delivery.sh [ROUNDS=20] [local|fed]   → .state/profile/callgrind.out-<thread>,
#   summary (each session syncs on a thread of its own: sender and receivers show apart)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-20}"
TARGET="${2:-local}"
PEER="${CARGO_TARGET_DIR:-$HOME/.cache/tim-target}/release/tim-core-peer"
OUT=.state/profile
mkdir -p "$OUT"
command -v valgrind >/dev/null || bash scripts/apt-install.sh valgrind

# Own accounts, provisioned like the bench's (fixed test passwords, never real secrets).
api() {  # prefix server_name url, then one line per device id
  printf '[[api]]\nprefix = "%s"\nkind = "pro-client"\nhomeserver_name = "%s"\nhomeserver_url = "%s"\n' "$1" "$2" "$3"
  for id in "${@:4}"; do
    printf '[[api.device]]\nid = %s\nname = "%s %s"\nmxid = "@%s-%s:%s"\npassword = "%s-%s-password"\n' \
      "$id" "$1" "$id" "$1" "$id" "$2" "$1" "$id"
  done
}
{ api prof-hs1 127.0.0.11 http://127.0.0.1:8008 1 2; api prof-hs2 127.0.0.12 http://127.0.0.1:8018 1; } >"$OUT/accounts.toml"
python3 scripts/provision-accounts.py "$OUT/accounts.toml"

rm -f "$OUT"/callgrind.out*
coproc PEER_PROC {
  TIM_PEER_PASSWORDS="prof-hs1-1-password,prof-hs1-2-password,prof-hs2-1-password" \
    exec valgrind --tool=callgrind --instr-atstart=no --separate-threads=yes --callgrind-out-file="$OUT/callgrind.out" \
      "$PEER" --hs1 http://127.0.0.1:8008 --hs2 http://127.0.0.1:8018 \
      --sender @prof-hs1-1:127.0.0.11 --local @prof-hs1-2:127.0.0.11 --remote @prof-hs2-1:127.0.0.12 \
      "$OUT/stores" 2>"$OUT/peer.log"
}
pid=$PEER_PROC_PID
read -r -t 600 ready <&"${PEER_PROC[0]}"
[[ "$ready" == ready ]] || { echo "peer not ready: $ready" >&2; tail "$OUT/peer.log" >&2; exit 1; }
# Warm-up (new Megolm session, first requests) outside the counts.
for i in 1 2 3; do echo "$TARGET warm-$i-$RANDOM" >&"${PEER_PROC[1]}"; read -r -t 120 _ <&"${PEER_PROC[0]}"; done
callgrind_control -i on "$pid" >/dev/null
took=()
for i in $(seq 1 "$ROUNDS"); do
  echo "$TARGET measured-$i-$RANDOM" >&"${PEER_PROC[1]}"
  read -r -t 120 ms <&"${PEER_PROC[0]}"
  took+=("$ms")
done
callgrind_control -i off "$pid" >/dev/null
exec {PEER_PROC[1]}>&-
wait "$pid" || true
echo "profile-delivery: $ROUNDS $TARGET deliveries under callgrind, ms each: ${took[*]}"
python3 scripts/callgrind_components.py "$OUT/callgrind.out" "$ROUNDS" "$OUT"/callgrind.out-*
