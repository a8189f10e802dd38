#!/usr/bin/env bash
# The test command: set up, start the test servers, run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# shellcheck source=services.sh
source scripts/services.sh
exec .venv/bin/python -m pytest "$@"
