#!/usr/bin/env bash
# Validates docker-compose.yml (make test): `docker compose config` or `docker-compose config`,
# installing Debian's docker-compose when neither is there. Needs no Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."
if docker compose version >/dev/null 2>&1; then
  docker compose config -q
elif command -v docker-compose >/dev/null; then
  docker-compose config -q
else
  sudo=""; [[ $(id -u) == 0 ]] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y docker-compose >/dev/null
  docker-compose config -q
fi
echo "[compose-check] docker-compose.yml is valid"
