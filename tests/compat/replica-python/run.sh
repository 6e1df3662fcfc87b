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

# The virtualenv lives next to the tests and is reused; pip only reinstalls
# when requirements.txt changed since the last successful install.
venv="$here/.venv"
if [[ ! -x "$venv/bin/python" ]]; then
  echo "run.sh: creating $venv" >&2
  "${PYTHON:-python3}" -m venv "$venv"
fi
stamp="$venv/.requirements.installed"
if [[ ! -f "$stamp" ]] || ! cmp -s "$here/requirements.txt" "$stamp"; then
  echo "run.sh: installing requirements.txt" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$stamp"
fi

# The libsql wheel logs its replicator's retries on stdout unless told otherwise.
export RUST_LOG="${RUST_LOG:-error}"
cd "$here"
tests=("$venv/bin/python" -m pytest -q -p no:cacheprovider "$@")
if [[ -n "${BASALT_URL:-}" ]]; then
  exec "${tests[@]}"
fi
exec "$repo/tests/lib/with-server.sh" "${tests[@]}"
