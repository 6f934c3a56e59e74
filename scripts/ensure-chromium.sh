#!/usr/bin/env bash
# Headless Chromium for the status-page scenario (features/status_page.feature), from
# Debian's packages. Does nothing when it is there already ($TIM_CHROMIUM or /usr/bin/chromium).
set -euo pipefail
chromium="${TIM_CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$chromium" ]]; then
  exit 0
fi
echo "[ensure-chromium] installing Debian's chromium"
bash "$(dirname "$0")/apt-install.sh" chromium
"$chromium" --version
