#!/usr/bin/env bash
# Runs the `libsql` (PyPI) embedded-replica tests against a fresh Basalt server.
# Usage: tests/compat/replica-python/run.sh [extra pytest arguments]
#
#   BASALT_BIN=path   use this server binary instead of building basalt-cli
#   BASALT_URL=url    use an already running server instead of starting one
#   PYTHON=python3    interpreter used to create the virtualenv (.venv, here)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

# The virtualenv lives next to the tests and is reused (tests/lib/python-venv.sh).
source "$repo/tests/lib/python-venv.sh"
venv_ready "$here"

# The libsql wheel logs its replicator's retries on stdout unless told otherwise.
export RUST_LOG="${RUST_LOG:-error}"
cd "$here"
tests=("$venv/bin/python" -m pytest -q -p no:cacheprovider "$@")
if [[ -n "${BASALT_URL:-}" ]]; then
  exec "${tests[@]}"
fi
exec "$repo/tests/lib/with-server.sh" "${tests[@]}"
