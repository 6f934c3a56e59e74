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
  bash scripts/apt-install.sh docker-compose
  docker-compose config -q
fi
echo "[compose-check] docker-compose.yml is valid"
