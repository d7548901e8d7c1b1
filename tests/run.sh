#!/usr/bin/env bash
# The test command: sets up what the tests need, then runs the whole suite.
#   bash tests/run.sh [pytest args]
# Installs the Python packages into .venv; PostgreSQL tests need Debian's
# postgresql package (CI installs it, see .ci/run). Prints each group's time.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
# The app's front-end libraries (idb, uPlot, canonicalize; axe-core for the accessibility tests and
# eslint), from the lockfile.
(cd pwa && npm ci --no-audit --no-fund --loglevel=error)

start=$(date +%s)
# The linters first: Python (ruff) and the app's JavaScript (eslint), clean or the run fails.
.venv/bin/ruff check .
(cd pwa && npm run --silent lint)
echo "linters: $(( $(date +%s) - start )) s"

export SEAMLINE_ENV=testing
.venv/bin/python -m pytest "$@"
echo "whole test command: $(( $(date +%s) - start )) s"
