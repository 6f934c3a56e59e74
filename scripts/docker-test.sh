#!/usr/bin/env bash
# make docker-test: builds the images of docker-compose.yml on this machine, starts the stack,
# waits for its health checks, runs the Fachdienst smoke test and the foundation cucumber
# feature against it (the same URLs as make run), and removes it again (down -v).
#  - Installs Debian's docker.io, docker-compose and debootstrap when missing and starts dockerd
#    when none runs (needs root, as in CI).
#  - Where no container registry answers, the base images come from docker/local-base-images.sh.
#  - Where no Docker engine can run at all, it says SKIPPED and exits 0 (TIM_REQUIRE_DOCKER=1:
#    exit 1 instead).
#  - The stack uses make run's ports: a running local Fachdienst of this checkout is stopped
#    first; a running `make run` driver (port 8443) makes it stop with an error.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[docker-test] %s\n' "$*" >&2; }
started=$(date +%s)

sudo=""; [[ $(id -u) == 0 ]] || sudo="sudo"
if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null \
   || ! { docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null; }; then
  log "installing docker.io, docker-compose, debootstrap"
  bash scripts/apt-install.sh docker.io docker-compose debootstrap
fi
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd"
  mkdir -p .state
  $sudo sh -c 'nohup dockerd >.state/dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  if ! docker info >/dev/null 2>&1; then
    tail -5 .state/dockerd.log >&2
    # A machine that cannot run a Docker engine (e.g. an unprivileged container) cannot run
    # this test; say so loudly. TIM_REQUIRE_DOCKER=1 turns that into a failure.
    log "SKIPPED: no Docker engine could be started here (see .state/dockerd.log)"
    [[ "${TIM_REQUIRE_DOCKER:-0}" == 1 ]] && exit 1
    exit 0
  fi
fi
compose() { if docker compose version >/dev/null 2>&1; then docker compose "$@"; else docker-compose "$@"; fi; }

if ss -ltn | grep -q '127.0.0.1:8443 '; then
  log "port 8443 is in use (make run?): stop it first"; exit 1
fi
if ss -ltn | grep -qE '127.0.0.1:(8008|8018|8028|8038|8480) '; then
  log "stopping the local Fachdienst (the stack uses its ports)"
  bash scripts/fachdienst-down.sh >/dev/null 2>&1 || true
fi

if [[ -z "${BASE_IMAGE:-}" ]]; then
  if timeout 60 docker pull -q debian:bookworm-slim >/dev/null 2>&1 && timeout 60 docker pull -q rust:1-bookworm >/dev/null 2>&1; then
    log "public base images pulled"
  else
    log "no registry answers: local base images from Debian's packages"
    eval "$(bash docker/local-base-images.sh | sed 's/^/export /')"
  fi
fi
# A TLS-intercepting proxy's root must be trusted inside the builds too (docker/extra-ca).
cp /usr/local/share/ca-certificates/*.crt docker/extra-ca/ 2>/dev/null || true

log "building images (BASE_IMAGE=${BASE_IMAGE:-default} RUST_IMAGE=${RUST_IMAGE:-default})"
log "free disk before the build: $(df -h --output=avail / | tail -1 | tr -d ' ')"
# The build's own output goes to a log; on failure its end (cargo's error) is shown.
mkdir -p .state
if ! compose build >.state/docker-build.log 2>&1; then
  tail -60 .state/docker-build.log >&2
  log "image build failed; free disk now: $(df -h --output=avail / | tail -1 | tr -d ' ') (.state/docker-build.log)"
  exit 1
fi
trap 'log "down -v"; compose down -v --remove-orphans >/dev/null 2>&1 || true' EXIT
compose down -v --remove-orphans >/dev/null 2>&1 || true
compose up -d
log "waiting for the health checks"
for _ in $(seq 1 120); do
  if curl -fsk https://127.0.0.1:8443/actuator/health >/dev/null 2>&1 \
     && [[ "$(docker inspect -f '{{.State.Health.Status}}' "$(compose ps -q driver)")" == healthy ]] \
     && [[ "$(docker inspect -f '{{.State.Health.Status}}' "$(compose ps -q push-gateway)")" == healthy ]]; then
    break
  fi
  sleep 3
done
curl -fsk https://127.0.0.1:8443/actuator/health >/dev/null || { compose ps; compose logs --tail 40; exit 1; }
compose ps

log "Fachdienst smoke test against the composed homeservers and push gateway"
PUSH_REQUIRED=1 python3 scripts/fachdienst-smoke.py >/dev/null
log "foundation feature against the composed driver"
TIM_BDD_BASE=https://127.0.0.1:8443 cargo test --workspace --features testdriver --test bdd -- -t @foundation
log "passed in $(( $(date +%s) - started )) s"
