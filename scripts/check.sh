#!/usr/bin/env bash
# The one definition of "checks pass": README's test command, .ci/run and any hook run this.
# Creates .venv if needed, installs the project with its test extra, then ruff, mypy, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# pytest exits 5 when no test was collected; set -e makes that (and any failure) fail the run.
.venv/bin/python -m pytest "$@"
