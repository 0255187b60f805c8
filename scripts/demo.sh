#!/usr/bin/env bash
# Set up, then run the main job on the default data: data check, backtest summary of the
# models, and the ranked forecast for the next two years.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
forewarn demo "$@"
