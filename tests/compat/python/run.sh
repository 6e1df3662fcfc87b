#!/usr/bin/env bash
# Runs the `libsql-client` (PyPI) compatibility tests against a fresh Basalt
# server. Usage: tests/compat/python/run.sh [extra pytest arguments]
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
