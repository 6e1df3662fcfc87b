#!/usr/bin/env bash
# Differential tests of libSQL SQL extensions (ALTER COLUMN, RANDOM ROWID, BEGIN
# READONLY): each scenario runs on embedded libSQL (the `libsql` PyPI package) and on
# a fresh Basalt server over /v2/pipeline, and the outcomes are compared.
# Usage: tests/diff/alter/run.sh [extra pytest arguments]
#
#   BASALT_BIN=path   use this server binary instead of building basalt-cli
#   PYTHON=python3    interpreter used to create the virtualenv (.venv, here)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

# The virtualenv lives next to the tests and is reused (tests/lib/python-venv.sh).
source "$repo/tests/lib/python-venv.sh"
venv_ready "$here"

cd "$here"
exec "$repo/tests/lib/with-server.sh" "$venv/bin/python" -m pytest -p no:cacheprovider "$@"
