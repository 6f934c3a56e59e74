#!/usr/bin/env bash
# Headless Chromium for the status-page scenario (features/status_page.feature), from
# Debian's packages. Does nothing when it is there already ($TIM_CHROMIUM or /usr/bin/chromium).
set -euo pipefail
chromium="${TIM_CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$chromium" ]]; then
  exit 0
fi
sudo=""
if [[ $(id -u) != 0 ]]; then
  sudo="sudo"
fi
echo "[ensure-chromium] installing Debian's chromium"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null \
  || { $sudo apt-get update >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; }
"$chromium" --version
