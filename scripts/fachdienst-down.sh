#!/usr/bin/env bash
# fachdienst-down.sh - stop only the processes fachdienst-up.sh started, by their PID files
# ($SYNAPSE_STATE/hs1/pid, hs2/pid, fedlist/pid, idp/pid). SYNAPSE_STATE defaults to
# <project>/.fachdienst/state, the same default as fachdienst-up.sh; or pass the
# same SYNAPSE_STATE. A PID is only signalled if its command line still matches what
# fachdienst-up.sh launched (guards against PID reuse).
# State (DBs, media, keys) is kept; `SYNAPSE_RESET=1 fachdienst-up.sh` or rm -rf wipes it.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${SYNAPSE_STATE:-$ROOT/.fachdienst/state}"

stop() { # pidfile cmdline-fragment label
  local pidf="$1" frag="$2" label="$3" pid
  [[ -s "$pidf" ]] || return 0
  pid="$(cat "$pidf")"
  if [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$frag"; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do [[ -d "/proc/$pid" ]] || break; sleep 0.1; done
    if [[ -d "/proc/$pid" ]]; then echo "[fachdienst-down] $label ($pid) ignored SIGTERM, sending SIGKILL"; kill -KILL "$pid" 2>/dev/null; fi
    echo "[fachdienst-down] stopped $label (pid $pid)"
  else
    echo "[fachdienst-down] $label not running (stale pid file)"
  fi
  rm -f "$pidf"
}

for d in "$STATE"/hs*/; do
  [[ -d "$d" ]] || continue
  stop "${d}pid" "${d}homeserver.yaml" "$(basename "$d")"
done
stop "$STATE/fedlist/pid" "http.server" "fedlist server"
stop "$STATE/idp/pid" "idp.mjs" "OpenID Connect provider"
