#!/usr/bin/env bash
# lint-python.sh - pyflakes (pinned, from PyPI, in .tools/lint-venv) over every Python file of
# scripts/ and tests/: the Fachdienst's federation-list signer, Synapse shim and nio sender included.
set -euo pipefail
cd "$(dirname "$0")/.."
PYFLAKES=pyflakes==3.2.0
VENV=.tools/lint-venv
if ! "$VENV/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("pyflakes") != sys.argv[1])' \
    "${PYFLAKES#*==}" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "$PYFLAKES"
fi
files=(scripts/*.py scripts/fachdienst/*.py tests/independent/*.py)
"$VENV/bin/pyflakes" "${files[@]}"
for f in "${files[@]}"; do python3 -m py_compile "$f"; done
echo "lint-python: ${#files[@]} files clean"
