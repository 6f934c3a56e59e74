#!/usr/bin/env bash
# matrix-nio (pinned, from PyPI, with its E2EE extra on vodozemac) in .tools/nio-venv: the
# independent client that sends to the core in tests/independent_client.rs. Does nothing when
# the pinned version is there already.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.tools/nio-venv"
PIN="matrix-nio[e2e]==0.26.0"
if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import nio, importlib.metadata as m; assert m.version("matrix-nio") == "0.26.0"' 2>/dev/null; then
  exit 0
fi
echo "[ensure-nio] installing $PIN into $VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet "$PIN"
