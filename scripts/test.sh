#!/usr/bin/env bash
# Set up, then run the whole test suite: lint, type checks and pytest (with PostgreSQL).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
. scripts/postgres.sh
. scripts/browser.sh
echo "== ruff"
lint_paths=(src tests)
[ -d benchmarks ] && lint_paths+=(benchmarks)
ruff check "${lint_paths[@]}"
ruff format --check "${lint_paths[@]}"
echo "== mypy"
mypy src/forewarn
echo "== pytest"
pytest -n "${FOREWARN_TEST_WORKERS:-2}" --dist loadgroup "$@"
