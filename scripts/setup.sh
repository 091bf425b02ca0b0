#!/usr/bin/env bash
# The whole set-up of a liangxian checkout on Debian 12: system packages (Qt runtime libraries,
# Tibetan and Chinese fonts, poppler-utils, Xvfb), then .venv with the project and its test and server
# extras. Safe to run again; does nothing when everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "liangxian needs Python >= 3.11; found $("$PYTHON" --version 2>&1)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.liangxian-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".[test,server]"
  touch "$stamp"
fi
