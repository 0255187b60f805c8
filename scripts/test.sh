#!/usr/bin/env bash
# Set up, then run the whole test suite: lint, type checks and pytest (with PostgreSQL).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
if [ -x scripts/postgres.sh ]; then
  . scripts/postgres.sh
fi
echo "== ruff"
ruff check src tests benchmarks
ruff format --check src tests benchmarks
echo "== mypy"
mypy src/forewarn
echo "== pytest"
pytest -n "${FOREWARN_TEST_WORKERS:-2}" --dist loadgroup "$@"
