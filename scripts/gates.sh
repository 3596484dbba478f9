#!/usr/bin/env bash
# The gates every change passes before the tests run (.ci/run and the README's test command run this):
# lint, format, types and the import layers. Run from the repository root with the project's .venv set up.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.venv/bin
echo "ruff check";        "$bin/ruff" check --quiet .
echo "ruff format";       "$bin/ruff" format --check --quiet .
echo "mypy";              "$bin/mypy"
echo "import layers";     "$bin/lint-imports" --no-cache --no-logo
