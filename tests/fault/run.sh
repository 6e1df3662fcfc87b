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

# The virtualenv lives next to the tests and is reused (tests/lib/python-venv.sh).
source "$repo/tests/lib/python-venv.sh"
venv_ready "$here"

# The libsql wheel logs its replicator's retries on stdout unless told otherwise.
export RUST_LOG="${RUST_LOG:-error}"
cd "$here"
exec timeout --signal=TERM 300 "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
