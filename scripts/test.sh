#!/usr/bin/env bash
# The test command behind `make test`: lint, the whole suite on SQLite, then again on PostgreSQL
# when one is reachable. REQUIRE_POSTGRES=1 / REQUIRE_BROWSER=1 (set by .ci/run) turn a missing
# PostgreSQL or chromium into a failure instead of a clearly reported skip.
set -euo pipefail
BIN=.venv/bin
PG_URL="${TENGRI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/tengri}"
skipped=()

echo "== ruff, mypy"
$BIN/ruff check src tests bench
$BIN/ruff format --check --quiet src tests bench
$BIN/mypy src

if bash scripts/ensure-chromium.sh; then
  export TENGRI_BROWSER=/usr/bin/chromium
else
  [ "${REQUIRE_BROWSER:-0}" = 1 ] && { echo "chromium is required here but could not be installed" >&2; exit 1; }
  skipped+=("browser tests: Debian's chromium is not installed and could not be installed")
fi

echo "== tests on SQLite"
env -u DATABASE_URL $BIN/pytest -q -p no:cacheprovider

if $BIN/python scripts/postgres_ready.py "$PG_URL"; then
  echo "== tests on PostgreSQL ($PG_URL; pytest-django creates and drops the test database itself)"
  DATABASE_URL="$PG_URL" $BIN/pytest -q -p no:cacheprovider -m "not browser"
else
  [ "${REQUIRE_POSTGRES:-0}" = 1 ] && { echo "PostgreSQL is required here but $PG_URL is not reachable" >&2; exit 1; }
  skipped+=("PostgreSQL run: no server at $PG_URL, so the tests marked 'postgres' did not run anywhere")
fi

if [ ${#skipped[@]} -gt 0 ]; then
  echo
  echo "SKIPPED (the rest passed):"
  printf '  - %s\n' "${skipped[@]}"
fi
