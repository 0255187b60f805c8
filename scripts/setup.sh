#!/usr/bin/env bash
# Set up forewarn in ./.venv (idempotent) and point the data registry at a local mirror
# when ../shared/data exists. Source it (". scripts/setup.sh") or run it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "forewarn needs Python 3.11 or newer (found $("$python" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
stamp=".venv/.forewarn-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setting up .venv (pip install -e .[dev]) ..." >&2
  { .venv/bin/python -m pip install --quiet --upgrade pip \
      && .venv/bin/python -m pip install --quiet -e ".[dev]"; } 2>&1 \
    | { grep -v "^WARNING: Location" || true; } >&2
  [ "${PIPESTATUS[0]}" = 0 ] || { echo "set-up failed: pip install" >&2; exit 1; }
  touch "$stamp"
fi

# System libraries for PDF briefs, and the dashboard's browser assets from the npm registry.
bash scripts/system-deps.sh
bash scripts/web-assets.sh

if [ -z "${FOREWARN_DATA_MIRROR:-}" ] && [ -d "$root/../shared/data" ]; then
  export FOREWARN_DATA_MIRROR="$root/../shared/data"
fi
export PATH="$root/.venv/bin:$PATH"
