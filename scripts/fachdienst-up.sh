#!/usr/bin/env bash
# fachdienst-up.sh - install (if missing) and start one to four TI-M-"Fachdienst"-like
# Synapse homeservers (Synapse + synapse-invite-checker) on loopback, plus a local
# signed federation list, then wait until everything answers. Idempotent: re-running
# re-signs the federation list, (re)starts only what is not running, re-registers
# nothing that exists. Docker-free; talks only to 127.0.0.1 (and PyPI when installing).
#
# Usage:  scripts/fachdienst-up.sh [N]   the first N rows of HOMESERVERS below (default 4 = Pro hs1 +
#         Pro hs2 + ePA hs3 + TI-M 1.1 hs4). The Python parts live in scripts/fachdienst/.
#   hs4 is a TI-M 1.1 Pro homeserver: synapse-invite-checker 0.2.2 (contact management API,
#   invite windows for remote inviters), installed beside the venv's newer checker and put
#   first on hs4's PYTHONPATH; no compat shim.
# Env (all optional; default locations are inside the project checkout):
#   SYNAPSE_VENV=$ROOT/.fachdienst/venv    venv location
#   SYNAPSE_STATE=$ROOT/.fachdienst/state  configs, sqlite DBs, media, logs, PID files
#   SYNAPSE_RESET=1                     wipe $SYNAPSE_STATE (after stopping) before start
#   FACHDIENST_INSTALL_ONLY=1           install the venv, start nothing (docker/fachdienst.Dockerfile)
#   HS1_NAME=127.0.0.11 HS2_NAME=127.0.0.12   server_name: an IPv4 literal of its own per homeserver,
#   HS3_NAME=127.0.0.13                       without a port (gematik's suite splits MXIDs at ':'
#   HS4_NAME=127.0.0.14 HS4_CLIENT_PORT=8038  and needs exactly two parts). Federation and
#                                       https://<name>:8448/.well-known/matrix/client listen on
#                                       <name>:8448 (the spec's default port for IP literals), so
#                                       no DNS and no /etc/hosts entry is needed. host:port names
#                                       (e.g. localhost:8448) still work: then that port is used.
#   HS1_CLIENT_PORT=8008 HS2_CLIENT_PORT=8018 HS3_CLIENT_PORT=8028   plain-HTTP client/admin/media API
#   FEDLIST_PORT=8480                   federation list + fake gematik CA (plain HTTP)
#   TIM_TYPE=pro|epa  TIM_VERSION=1.2|1.1   invite-checker mode of the Pro and ePA homeservers
#                                           (default 1.2; a change restarts them)
#   HS1_TIM_TYPE / HS2_TIM_TYPE / HS3_TIM_TYPE (default epa)  per-HS override, e.g. HS2_TIM_TYPE=epa for Pro<->ePA
#                                       (an epa HS is listed with isInsurance=true)
#   TIM_DEFAULT_SETTING="allow all"|"block all"   server default permission config
#   SYNAPSE_SHARED_SECRET=tim-test-shared-secret  registration_shared_secret
#   SYNAPSE_ADMIN_USER=admin SYNAPSE_ADMIN_PASSWORD=admin-pass   admin registered on each HS
#   SYNAPSE_ADD_HOSTS=1                 append "127.0.0.1 <host>" to /etc/hosts for HSn_NAME
#                                       hosts that do not resolve (e.g. hs1.localhost:8448)
#   IDP_PORT=8492  SSO_HS=4             the OpenID Connect provider (scripts/fachdienst/idp, panva's
#                                       oidc-provider from npm) and the homeserver that offers SSO
#                                       login through it (the others offer passwords only)
set -euo pipefail

COUNT="${1:-${SYNAPSE_COUNT:-4}}"

SYNAPSE_VERSION="1.163.2"
CHECKER_VERSION="0.6.1"
CHECKER_11_VERSION="0.2.2"   # TI-M 1.1: the last release with the contact management API
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
VENV="${SYNAPSE_VENV:-$ROOT/.fachdienst/venv}"
STATE="${SYNAPSE_STATE:-$ROOT/.fachdienst/state}"
PY="$VENV/bin/python"
FEDLIST_PORT="${FEDLIST_PORT:-8480}"
TIM_TYPE="${TIM_TYPE:-pro}"
# The homeservers, one row each: server_name, client port, TI-M type (pro | epa | pro-1.1:
# invite checker 0.2.2), TelematikID in the federation list, IK when it is an insurance's (epa).
# hsN is row N. Adding a homeserver is a row here (plus its API in config/driver.template.toml).
HOMESERVERS=(
  "${HS1_NAME:-127.0.0.11} ${HS1_CLIENT_PORT:-8008} ${HS1_TIM_TYPE:-$TIM_TYPE} 1-TEST-HS1 100000001"
  "${HS2_NAME:-127.0.0.12} ${HS2_CLIENT_PORT:-8018} ${HS2_TIM_TYPE:-$TIM_TYPE} 1-TEST-HS2 100000002"
  "${HS3_NAME:-127.0.0.13} ${HS3_CLIENT_PORT:-8028} ${HS3_TIM_TYPE:-epa}       1-TEST-HS3 100000003"
  "${HS4_NAME:-127.0.0.14} ${HS4_CLIENT_PORT:-8038} pro-1.1                    1-TEST-HS4 -"
)
[[ "$COUNT" =~ ^[0-9]+$ ]] && (( COUNT >= 1 && COUNT <= ${#HOMESERVERS[@]} )) \
  || { echo "usage: $0 [1..${#HOMESERVERS[@]}]" >&2; exit 2; }
# Per row, as arrays: ALL_* cover every row (all are on the federation list and whitelist),
# NAMES/CPORTS/TYPES the first COUNT (the ones started).
ALL_NAMES=(); ALL_PORTS=(); ALL_TYPES=(); ALL_TIDS=(); ALL_IKS=()
for row in "${HOMESERVERS[@]}"; do
  read -r n p t tid ik <<< "$row"
  ALL_NAMES+=("$n"); ALL_PORTS+=("$p"); ALL_TYPES+=("$t"); ALL_TIDS+=("$tid"); ALL_IKS+=("$ik")
done
NAMES=("${ALL_NAMES[@]:0:$COUNT}"); CPORTS=("${ALL_PORTS[@]:0:$COUNT}"); TYPES=("${ALL_TYPES[@]:0:$COUNT}")
TIM_VERSION="${TIM_VERSION:-1.2}"   # V3 applies from TI-M Basis 1.2; 1.1 stays selectable
TIM_DEFAULT_SETTING="${TIM_DEFAULT_SETTING:-allow all}"
SECRET="${SYNAPSE_SHARED_SECRET:-tim-test-shared-secret}"
ADMIN_USER="${SYNAPSE_ADMIN_USER:-admin}"
ADMIN_PASSWORD="${SYNAPSE_ADMIN_PASSWORD:-admin-pass}"

log() { printf '[fachdienst-up] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Where a server name's federation API is: an explicit port is used as is; an IP literal
# without a port means port 8448 (Matrix spec, server discovery step 1), so Synapse
# connects straight there without .well-known, SRV or any DNS look-up.
is_ip() { [[ "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; }
fed_port() {
  if [[ "$1" == *:* ]]; then local p="${1##*:}"; [[ "$p" =~ ^[0-9]+$ ]] || die "bad port in server name '$1'"; echo "$p"
  elif is_ip "$1"; then echo 8448
  else die "server name '$1' needs a port or must be an IPv4 literal"; fi
}
fed_host() { if [[ "$1" == *:* ]]; then echo "${1%:*}"; else echo "$1"; fi; }
# The federation listener binds the server name's own loopback address (127.0.0.x; Linux
# routes all of 127/8 to lo), else 127.0.0.1.
fed_bind() { local h; h="$(fed_host "$1")"; if is_ip "$h"; then echo "$h"; else echo 127.0.0.1; fi; }

# Start a command detached (own session, survives the calling shell/job); the process
# writes its own PID (sh's $$ survives the exec), so setsid forking or not does not matter.
spawn() { # pidfile logfile cmd...
  local pidf="$1" logf="$2"; shift 2; rm -f "$pidf"
  setsid sh -c 'echo $$ > "$0"; exec "$@"' "$pidf" "$@" >> "$logf" 2>&1 < /dev/null &
  for _ in $(seq 1 50); do [[ -s "$pidf" ]] && return 0; sleep 0.1; done
  die "could not start $*"
}

alive() { # pidfile expected-cmdline-fragment
  local pid; [[ -s "$1" ]] || return 1; pid="$(cat "$1")"
  [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$2"
}

wait_http() { # url seconds [curl opts]
  local url="$1" t="$2"; shift 2; local end=$((SECONDS + t))
  until curl -fsS -o /dev/null --max-time 2 "$@" "$url" 2>/dev/null; do
    (( SECONDS < end )) || return 1; sleep 0.2
  done
}

# ---------------------------------------------------------------- install
if [[ "${SYNAPSE_RESET:-0}" == 1 && -d "$STATE" ]]; then
  log "SYNAPSE_RESET=1: stopping and wiping $STATE"
  SYNAPSE_STATE="$STATE" bash "$HERE/fachdienst-down.sh" || true
  rm -rf "$STATE"
fi

have_pinned() {
  "$PY" - "$SYNAPSE_VERSION" "$CHECKER_VERSION" 2>/dev/null <<'PYEOF'
import sys, importlib.metadata as m
import authlib  # Synapse's [oidc] extra: SSO login through the local IdP
sys.exit(0 if (m.version("matrix-synapse"), m.version("synapse-invite-checker")) == tuple(sys.argv[1:3]) else 1)
PYEOF
}
if ! have_pinned; then
  log "installing matrix-synapse==$SYNAPSE_VERSION synapse-invite-checker==$CHECKER_VERSION into $VENV"
  command -v python3 >/dev/null || die "python3 missing (apt-get install python3 python3-venv)"
  python3 -m venv "$VENV" || die "venv creation failed (apt-get install python3-venv)"
  "$VENV/bin/pip" install -q --upgrade pip
  # Binary wheels exist for x86_64/aarch64 manylinux; no compiler needed there. Elsewhere
  # matrix-synapse builds its Rust extension (needs rustc/cargo + build-essential + libffi-dev).
  "$VENV/bin/pip" install -q "matrix-synapse[oidc]==$SYNAPSE_VERSION" "synapse-invite-checker==$CHECKER_VERSION"
fi
CHECKER_11_DIR="$VENV/checker-$CHECKER_11_VERSION"
if [[ " ${TYPES[*]} " == *" pro-1.1 "* ]] && [[ ! -f "$CHECKER_11_DIR/synapse_invite_checker/__init__.py" ]]; then
  log "installing synapse-invite-checker==$CHECKER_11_VERSION into $CHECKER_11_DIR (for the TI-M 1.1 homeserver)"
  # Its dependencies are already in the venv (the newer checker and Synapse need them too).
  "$VENV/bin/pip" install -q --no-deps --target "$CHECKER_11_DIR" "synapse-invite-checker==$CHECKER_11_VERSION"
fi
# The OpenID Connect provider: its npm packages, pinned by package-lock.json, beside the venv.
IDP_DIR="$(dirname "$VENV")/idp"
if ! cmp -s "$HERE/fachdienst/idp/package-lock.json" "$IDP_DIR/package-lock.json" || [[ ! -d "$IDP_DIR/node_modules/oidc-provider" ]]; then
  command -v npm >/dev/null || die "node and npm missing (apt-get install nodejs npm)"
  log "installing the OpenID Connect provider (npm ci) into $IDP_DIR"
  mkdir -p "$IDP_DIR" && cp "$HERE/fachdienst/idp/package.json" "$HERE/fachdienst/idp/package-lock.json" "$IDP_DIR/"
  (cd "$IDP_DIR" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null) || die "npm ci of the IdP failed"
fi
cp "$HERE/fachdienst/idp/idp.mjs" "$IDP_DIR/idp.mjs"
if [[ "${FACHDIENST_INSTALL_ONLY:-0}" == 1 ]]; then
  log "installed (FACHDIENST_INSTALL_ONLY=1: nothing started)"; exit 0
fi
command -v curl >/dev/null || die "curl missing (apt-get install curl)"
command -v openssl >/dev/null || die "openssl missing (apt-get install openssl)"
mkdir -p "$STATE/bin" "$STATE/fedlist/www" "$STATE/fedlist/pki"

for n in "${NAMES[@]}"; do
  h="$(fed_host "$n")"; fed_port "$n" >/dev/null
  if ! is_ip "$h" && ! getent hosts "$h" >/dev/null; then
    if [[ "${SYNAPSE_ADD_HOSTS:-0}" == 1 ]]; then
      log "adding '127.0.0.1 $h' to /etc/hosts"; echo "127.0.0.1 $h  # fachdienst-up.sh" >> /etc/hosts
    else
      die "host '$h' of server_name '$n' does not resolve; use localhost:PORT names or SYNAPSE_ADD_HOSTS=1"
    fi
  fi
done

# ------------------------------------------- federation list + fake gematik CA
# scripts/fachdienst/fedlist.py signs the list with its own brainpoolP256r1 PKI (why: there).
cp "$HERE/fachdienst/fedlist.py" "$STATE/bin/fedlist.py"

# ------------------------------------------------ upstream-Synapse compat shim
# scripts/fachdienst/tim_compat.py lets synapse-invite-checker run on stock Synapse (why: there).
cp "$HERE/fachdienst/tim_compat.py" "$STATE/bin/tim_compat.py"

# Domain list (timAnbieter: null for every entry - checker 0.2.2 requires the key): regenerated every run from the settings above, unless you provide
# $STATE/fedlist/domains.custom.json (same format); re-run fachdienst-up.sh to re-sign.
# The module caches the list for 1 h but re-fetches at once when a domain is missing.
DOMAINS="$STATE/fedlist/domains.json"
if [[ -s "$STATE/fedlist/domains.custom.json" ]]; then
  DOMAINS="$STATE/fedlist/domains.custom.json"
else
  {
    echo "["
    for idx in "${!ALL_NAMES[@]}"; do
      insurance=false
      [[ "${ALL_TYPES[$idx]}" == epa ]] && insurance="true, \"ik\": [\"${ALL_IKS[$idx]}\"]"
      sep=","; (( idx + 1 == ${#ALL_NAMES[@]} )) && sep=""
      echo "  {\"domain\": \"${ALL_NAMES[$idx]}\", \"telematikID\": \"${ALL_TIDS[$idx]}\", \"timAnbieter\": null, \"isInsurance\": $insurance}$sep"
    done
    echo "]"
  } > "$DOMAINS"
fi
for n in "${NAMES[@]}"; do
  grep -qF "\"$n\"" "$DOMAINS" || log "WARNING: $n is not in $DOMAINS - all its invites will be refused"
done
echo '"none"' > "$STATE/fedlist/www/localization"   # hs4's VZD localization look-up: nobody is listed
msg="$("$PY" "$STATE/bin/fedlist.py" "$STATE/fedlist/pki" "$STATE/fedlist/www" "$DOMAINS")" || die "signing the federation list failed"
log "$msg"

if alive "$STATE/fedlist/pid" "http.server" && ! alive "$STATE/fedlist/pid" "http.server $FEDLIST_PORT"; then
  kill "$(cat "$STATE/fedlist/pid")"; sleep 0.5   # this script's fedlist server, but on an old port
fi
if ! alive "$STATE/fedlist/pid" "http.server $FEDLIST_PORT"; then
  spawn "$STATE/fedlist/pid" "$STATE/fedlist/http.log" \
    "$PY" -m http.server "$FEDLIST_PORT" --bind 127.0.0.1 --directory "$STATE/fedlist/www"
fi
wait_http "http://127.0.0.1:$FEDLIST_PORT/fedlist.jws" 15 || die "fedlist server did not come up (port $FEDLIST_PORT busy?)"

# ------------------------------------------------ OpenID Connect provider (SSO)
# Test users of the IdP (user name = the MXID localpart Synapse gives them on first login).
IDP_PORT="${IDP_PORT:-8492}"
SSO_HS="${SSO_HS:-4}"
mkdir -p "$STATE/idp"
[[ -s "$STATE/idp/client-secret" ]] || head -c 24 /dev/urandom | base64 | tr -d '=+/\n' > "$STATE/idp/client-secret"
[[ -s "$STATE/idp/cookie-key" ]] || head -c 24 /dev/urandom | base64 | tr -d '=+/\n' > "$STATE/idp/cookie-key"
chmod 600 "$STATE/idp/client-secret" "$STATE/idp/cookie-key"
IDP_USERS_JSON='{"sso-alice": {"password": "alice-idp-pass", "name": "Alice SSO"},
                 "sso-bob": {"password": "bob-idp-pass", "name": "Bob SSO"}}'
IDP_REDIRECT="http://127.0.0.1:${ALL_PORTS[$((SSO_HS-1))]}/_synapse/client/oidc/callback"
IDP_CLIENTS_JSON="[{\"client_id\": \"synapse-hs$SSO_HS\", \"client_secret\": \"$(cat "$STATE/idp/client-secret")\", \"redirect_uris\": [\"$IDP_REDIRECT\"]}]"
idp_fingerprint="$(printf '%s %s %s' "$IDP_PORT" "$IDP_CLIENTS_JSON" "$IDP_USERS_JSON" | cat - "$IDP_DIR/idp.mjs" | sha256sum)"
if alive "$STATE/idp/pid" "idp.mjs" && [[ "$(cat "$STATE/idp/running.sha" 2>/dev/null)" != "$idp_fingerprint" ]]; then
  kill "$(cat "$STATE/idp/pid")" 2>/dev/null || true; sleep 0.5
fi
if ! alive "$STATE/idp/pid" "idp.mjs"; then
  spawn "$STATE/idp/pid" "$STATE/idp/idp.log" env IDP_PORT="$IDP_PORT" IDP_CLIENTS="$IDP_CLIENTS_JSON" \
    IDP_USERS="$IDP_USERS_JSON" IDP_COOKIE_KEY="$(cat "$STATE/idp/cookie-key")" node "$IDP_DIR/idp.mjs"
  echo "$idp_fingerprint" > "$STATE/idp/running.sha"
fi
wait_http "http://127.0.0.1:$IDP_PORT/.well-known/openid-configuration" 30 || die "the IdP did not come up (see $STATE/idp/idp.log)"

# ---------------------------------------------------------------- homeservers
# The local test CA behind every homeserver's TLS certificate: `$STATE/ca/ca.crt` is the
# trust anchor a client configures (tests/core_guards.rs), standing in for the TI's roots.
mkdir -p "$STATE/ca"
if [[ ! -s "$STATE/ca/ca.crt" ]]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=TI-M local test Fachdienst CA" \
    -keyout "$STATE/ca/ca.key" -out "$STATE/ca/ca.crt" 2>/dev/null
  chmod 600 "$STATE/ca/ca.key"
fi

rl() { printf '{per_second: 10000, burst_count: 10000}'; }

write_config() { # idx name client_port tim_type
  local i="$1" name="$2" cport="$3" tim_type="$4" d="$STATE/hs$1" fport fbind; fport="$(fed_port "$2")"; fbind="$(fed_bind "$2")"
  mkdir -p "$d/media"
  [[ -s "$d/macaroon" ]] || head -c 32 /dev/urandom | base64 | tr -d '=+/\n' > "$d/macaroon"
  # Signed by the local test CA (a client trusts the Fachdienst through it, as through the
  # TI's roots); peers run with federation_verify_certificates: false.
  if ! openssl verify -CAfile "$STATE/ca/ca.crt" "$d/tls.crt" >/dev/null 2>&1; then
    local host; host="$(fed_host "$name")"
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$host" -keyout "$d/tls.key" -out "$d/tls.csr" 2>/dev/null
    printf 'subjectAltName=%s,IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n' \
      "$(is_ip "$host" && echo "IP:$host" || echo "DNS:$host")" > "$d/tls.ext"
    openssl x509 -req -in "$d/tls.csr" -CA "$STATE/ca/ca.crt" -CAkey "$STATE/ca/ca.key" -CAcreateserial \
      -days 3650 -extfile "$d/tls.ext" -out "$d/tls.crt" 2>/dev/null
    rm -f "$d/tls.csr" "$d/tls.ext"
  fi
  cat > "$d/log.config" <<EOF
version: 1
formatters:
  precise: {format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'}
handlers:
  file: {class: logging.FileHandler, formatter: precise, filename: $d/homeserver.log, encoding: utf8}
loggers:
  synapse.storage.SQL: {level: WARNING}
  synapse_invite_checker: {level: DEBUG}
root: {level: INFO, handlers: [file]}
disable_existing_loggers: false
EOF
  cat > "$d/homeserver.yaml" <<EOF
# generated by fachdienst-up.sh - TI-M Fachdienst-like test homeserver (NOT for production)
server_name: "$name"
public_baseurl: "http://127.0.0.1:$cport/"
report_stats: false
serve_client_wellknown: true     # the suite resolves the client API via https://<server_name>/.well-known/matrix/client
listeners:
  - {port: $cport, bind_addresses: ['127.0.0.1'], type: http, tls: false, x_forwarded: false,
     resources: [{names: [client], compress: false}]}          # client + /_synapse/admin + media
  - {port: $fport, bind_addresses: ['$fbind'], type: http, tls: true,
     resources: [{names: [federation, client], compress: false}]}  # federation + https://<server_name>/.well-known/matrix/client
tls_certificate_path: "$d/tls.crt"
tls_private_key_path: "$d/tls.key"
database: {name: sqlite3, args: {database: "$d/homeserver.db"}}
log_config: "$d/log.config"
signing_key_path: "$d/signing.key"
media_store_path: "$d/media"
enable_authenticated_media: false   # the suite (10X) still downloads via /_matrix/media/v3; v1.11 authenticated media works too
max_upload_size: 100M
registration_shared_secret: "$SECRET"
enable_registration: false
macaroon_secret_key: "$(cat "$d/macaroon")"
form_secret: "$(cat "$d/macaroon")-form"
default_room_version: "10"        # invite checker only allows room versions 9/10 by default
user_directory: {enabled: true, search_all_users: true}   # the suite's homeserver search finds every user
enable_set_displayname: false    # TI-M 5.7: display names are the org admin's (admin API), not the user's
server_notices:                  # the org admin's system messages (5.7), into a room the user joins at once
  system_mxid_localpart: notices
  system_mxid_display_name: "TI-M Systemnachrichten"
  room_name: "Systemnachrichten"
  auto_join: true
require_auth_for_profile_requests: true   # TI-M: no profile look-ups without a token
room_list_publication_rules: [{action: allow}]   # TI-M Pro public rooms must reach the directory (default: deny)
# ---- federation on loopback only
federation_domain_whitelist: [$(printf '"%s", ' "${ALL_NAMES[@]}" | sed 's/, $//')]
federation_verify_certificates: false
ip_range_whitelist: ['127.0.0.0/8']   # default blocklist forbids loopback federation targets
# Synapse checks IP-literal destinations against the blocklist alone (the allowlist only
# applies to resolved host names), so loopback must not be on it: the default list minus
# 127.0.0.0/8. Federation still reaches nothing but the four names whitelisted above.
ip_range_blacklist: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16',
                     '192.0.0.0/24', '192.0.2.0/24', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24',
                     '224.0.0.0/4', '::1/128', 'fe80::/10', 'fc00::/7', '2001:db8::/32', 'ff00::/8', 'fec0::/10']
trusted_key_servers: []               # never contact matrix.org for keys
suppress_key_server_warning: true
url_preview_enabled: false
enable_metrics: false
# ---- retention (ML-123597): rooms with an m.room.retention policy lose older events in
# Synapse's purge jobs (daily); rooms without one keep everything, as before
retention: {enabled: true}
# ---- push (the push gateway stand-in tim-push-sim listens on loopback, allowed above)
push: {include_content: false}   # no message content to gateways, whatever a pusher asks for
experimental_features:
  # MSC4028: an encrypted event reaches the device's push gateway unless a rule mutes it, so the
  # device decides after decrypting (mentions in E2EE rooms; the client enables the rule).
  msc4028_push_encrypted_events: true
# ---- rate limits effectively off for tests
rc_message: $(rl)
rc_registration: $(rl)
rc_login: {address: $(rl), account: $(rl), failed_attempts: $(rl)}
rc_admin_redaction: $(rl)
rc_joins: {local: $(rl), remote: $(rl)}
rc_joins_per_room: $(rl)
rc_3pid_validation: $(rl)
rc_invites: {per_room: $(rl), per_user: $(rl), per_issuer: $(rl)}
rc_third_party_invite: $(rl)
rc_media_create: $(rl)
rc_presence: {per_user: $(rl)}
rc_delayed_event_mgmt: $(rl)
rc_room_creation: $(rl)
rc_reports: $(rl)
rc_user_directory: $(rl)
rc_profile: $(rl)
rc_key_requests: $(rl)
rc_federation: {window_size: 1000, sleep_limit: 10000, sleep_delay: 1, reject_limit: 10000, concurrent: 100}
federation_rr_transactions_per_room_per_second: 10000
$(modules_config "$name" "$tim_type")
$(sso_config "$i")
EOF
}

sso_config() { # idx: SSO login through the local IdP, on homeserver SSO_HS only
  [[ "$1" == "$SSO_HS" ]] || return 0
  cat <<EOF
oidc_providers:
  - idp_id: tim-idp
    idp_name: "TI-M test IdP"
    issuer: "http://127.0.0.1:$IDP_PORT"
    client_id: "synapse-hs$SSO_HS"
    client_secret: "$(cat "$STATE/idp/client-secret")"
    scopes: ["openid", "profile"]
    skip_verification: true      # a plain-HTTP issuer on loopback
    user_profile_method: userinfo_endpoint   # the provider puts profile claims there, not in the ID token
    user_mapping_provider:
      config:
        localpart_template: "{{ user.preferred_username }}"
        display_name_template: "{{ user.name }}"
sso:
  client_whitelist: ["http://127.0.0.1:"]   # a client's loopback listener gets the token without a confirmation page
EOF
}

modules_config() { # name tim_type
  if [[ "$2" == pro-1.1 ]]; then cat <<EOF
modules:   # TI-M 1.1: contact API at /_synapse/client/com.famedly/tim/v1/contacts
  - module: synapse_invite_checker.InviteChecker
    config:
      title: "TI-M 1.1 test Fachdienst ($1)"
      federation_list_url: "http://127.0.0.1:$FEDLIST_PORT/fedlist.jws"
      federation_localization_url: "http://127.0.0.1:$FEDLIST_PORT/localization"   # VZD stand-in: "none" for everybody
      gematik_ca_baseurl: "http://127.0.0.1:$FEDLIST_PORT"
EOF
  else cat <<EOF
modules:
  - module: tim_compat.UpgradeRoomHookShim     # must come first, see fachdienst-up.sh
    config: {forbid_public_rooms: $([[ "$2" == epa ]] && echo true || echo false)}
  - module: synapse_invite_checker.InviteChecker
    config:
      title: "TI-M test Fachdienst ($1)"
      federation_list_url: "http://127.0.0.1:$FEDLIST_PORT/fedlist.jws"   # http => no mTLS needed
      gematik_ca_baseurl: "http://127.0.0.1:$FEDLIST_PORT"                 # no trailing slash
      tim-type: "$2"
      tim_version: "$TIM_VERSION"
      default_permissions:
        defaultSetting: "$TIM_DEFAULT_SETTING"   # set explicitly, else users get {} stored
      allowed_room_versions: ["9", "10"]
      room_scan_run_interval: "1h"
EOF
  fi
}

start_hs() { # idx
  local i="$1" d="$STATE/hs$1"
  # What the homeserver runs with: a change (TIM_VERSION, a new certificate) restarts it.
  local fingerprint; fingerprint="$(cat "$d/homeserver.yaml" "$d/tls.crt" | sha256sum)"
  if alive "$d/pid" "$d/homeserver.yaml"; then
    if [[ "$(cat "$d/running.sha" 2>/dev/null)" == "$fingerprint" ]]; then
      log "hs$i already running (pid $(cat "$d/pid"))"; return
    fi
    log "hs$i configuration changed: restarting"
    kill "$(cat "$d/pid")" 2>/dev/null || true
    for _ in $(seq 1 100); do alive "$d/pid" "$d/homeserver.yaml" || break; sleep 0.2; done
  fi
  local want="${NAMES[$((i-1))]}"
  if [[ -s "$d/server_name" && "$(cat "$d/server_name")" != "$want" ]]; then
    die "hs$i state was created for server_name '$(cat "$d/server_name")', not '$want'; use SYNAPSE_RESET=1"
  fi
  echo "$want" > "$d/server_name"
  local pypath="$STATE/bin"
  [[ "${TYPES[$((i-1))]}" == pro-1.1 ]] && pypath="$CHECKER_11_DIR"   # its checker shadows the venv's
  PYTHONPATH="$pypath" "$PY" -m synapse.app.homeserver -c "$d/homeserver.yaml" --generate-keys >/dev/null 2>>"$d/stderr.log" \
    || { tail -5 "$d/stderr.log" >&2; die "hs$i config invalid"; }
  spawn "$d/pid" "$d/stderr.log" env PYTHONPATH="$pypath" "$PY" -m synapse.app.homeserver -c "$d/homeserver.yaml"
  echo "$fingerprint" > "$d/running.sha"
  log "hs$i starting (pid $(cat "$d/pid")), log $d/homeserver.log"
}

# A homeserver's state belongs to its server name. State from an earlier server name (before
# 2026-12 the names were localhost:84x8) is re-created: a Matrix server cannot be renamed, and
# everything in it is test data that provisioning registers again.
for idx in "${!NAMES[@]}"; do
  d="$STATE/hs$((idx+1))"; want="${NAMES[$idx]}"
  if [[ -s "$d/server_name" && "$(cat "$d/server_name")" != "$want" ]]; then
    log "hs$((idx+1)) was created as '$(cat "$d/server_name")', the server name is now '$want': re-creating it"
    if [[ -s "$d/pid" ]] && kill "$(cat "$d/pid")" 2>/dev/null; then
      for _ in $(seq 1 50); do kill -0 "$(cat "$d/pid")" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -rf "$d"
  fi
done

for idx in "${!NAMES[@]}"; do write_config $((idx+1)) "${NAMES[$idx]}" "${CPORTS[$idx]}" "${TYPES[$idx]}"; done
for idx in "${!NAMES[@]}"; do start_hs $((idx+1)); done

for idx in "${!NAMES[@]}"; do
  i=$((idx+1)); d="$STATE/hs$i"; cport="${CPORTS[$idx]}"; fport="$(fed_port "${NAMES[$idx]}")"; fbind="$(fed_bind "${NAMES[$idx]}")"
  if ! wait_http "http://127.0.0.1:$cport/_matrix/client/versions" 120; then
    tail -n 20 "$d/stderr.log" >&2 || true; die "hs$i did not answer /versions (see $d/homeserver.log)"
  fi
  wait_http "https://$fbind:$fport/_matrix/key/v2/server" 30 -k || die "hs$i federation $fbind:$fport not answering"
  alive "$d/pid" "$d/homeserver.yaml" || { tail -n 20 "$d/stderr.log" >&2; die "hs$i exited (port in use?)"; }
  # A fresh database runs background updates, among them the user directory's first
  # population; accounts registered meanwhile can drop out of the directory (homeserver
  # search finds nobody). Provisioning comes after this, so wait for them to finish.
  for _ in $(seq 1 300); do
    "$PY" - "$d/homeserver.db" <<'PYEOF' && break
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=5)
sys.exit(0 if db.execute("SELECT COUNT(*) FROM background_updates").fetchone()[0] == 0 else 1)
PYEOF
    sleep 0.2
  done
  "$VENV/bin/register_new_matrix_user" --exists-ok -u "$ADMIN_USER" -p "$ADMIN_PASSWORD" -a \
    -k "$SECRET" "http://127.0.0.1:$cport" >/dev/null
  log "hs$i ready: server_name=${NAMES[$idx]} client=http://127.0.0.1:$cport federation=https://$fbind:$fport admin=@$ADMIN_USER:${NAMES[$idx]}"
done
log "federation list: http://127.0.0.1:$FEDLIST_PORT/fedlist.jws (domains from $DOMAINS)"
