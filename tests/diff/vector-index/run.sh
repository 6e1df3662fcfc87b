#!/usr/bin/env bash
# Differential tests of the vector index (libsql_vector_idx, vector_top_k, REINDEX,
# DROP): each scenario runs on embedded libSQL (the `libsql` PyPI package) and on
# a fresh Basalt server over /v2/pipeline, and the outcomes are compared.
# Usage: tests/diff/vector-index/run.sh [extra pytest arguments]
#
#   BASALT_BIN=path   use this server binary instead of building basalt-cli
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

cd "$here"
exec "$repo/tests/lib/with-server.sh" "$venv/bin/python" -m pytest -p no:cacheprovider "$@"
