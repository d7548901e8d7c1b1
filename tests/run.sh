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
if [ $# -gt 0 ] || [ -n "${SEAMLINE_TEST_BACKENDS:-}" ]; then
  # A part of the suite, or one database: one pytest, as asked.
  status=0
  .venv/bin/python -m pytest "$@" || status=$?
else
  # The whole suite, on two cores: the PostgreSQL half of the database tests runs beside the SQLite half (with
  # the unit and deployment tests), its output held back and printed after; the browser tests run last, alone,
  # since their waits are for a machine that is not also running pytest twice.
  status=0
  pg_log=$(mktemp)
  SEAMLINE_TEST_BACKENDS=postgresql SEAMLINE_TEST_STORAGES=local SEAMLINE_TEST_PER_BACKEND_ONLY=1 \
    .venv/bin/python -m pytest tests/api tests/sync_protocol >"$pg_log" 2>&1 &
  pg_pid=$!
  SEAMLINE_TEST_BACKENDS=sqlite .venv/bin/python -m pytest tests/api tests/sync_protocol tests/unit tests/deploy \
    || status=$?
  wait "$pg_pid" || status=$?
  echo "=== the database tests on PostgreSQL (run beside the ones above) ==="
  cat "$pg_log"
  rm -f "$pg_log"
  .venv/bin/python -m pytest tests/browser || status=$?
fi
echo "whole test command: $(( $(date +%s) - start )) s"
exit "$status"
