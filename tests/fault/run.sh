#!/usr/bin/env bash
# Process-level fault tests: SIGKILL the primary during acknowledged writes, SIGKILL a
# replica mid-sync, cut connections mid-response, sync past a log compaction. Each test
# starts and kills its own `basalt serve` processes (fresh data directories under pytest's
# tmp_path), so this suite does not use tests/lib/with-server.sh.
# Usage: tests/fault/run.sh [extra pytest arguments]
#
#   BASALT_BIN=path   use this server binary instead of building basalt-cli
#   PYTHON=python3    interpreter used to create the virtualenv (.venv, here)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

if [[ -z "${BASALT_BIN:-}" ]]; then
  (cd "$repo" && cargo build -p basalt-cli)
  BASALT_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/basalt"
fi
[[ -x "$BASALT_BIN" ]] || { echo "run.sh: BASALT_BIN=$BASALT_BIN is not an executable" >&2; exit 1; }
export BASALT_BIN

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
exec timeout --signal=TERM 300 "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
