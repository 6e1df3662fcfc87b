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

if [[ -z "${BASALT_BIN:-}" ]]; then
  echo "run.sh: building basalt-cli" >&2
  (cd "$repo" && cargo build -p basalt-cli)
  BASALT_BIN="$repo/target/debug/basalt"
fi
[[ -x "$BASALT_BIN" ]] || { echo "run.sh: BASALT_BIN=$BASALT_BIN is not an executable" >&2; exit 1; }

workdir="$(mktemp -d "${TMPDIR:-/tmp}/basalt-diff-alter.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$BASALT_BIN" serve --http-listen-addr 127.0.0.1:0 --data-dir "$workdir/data" \
  >"$workdir/server.out" 2>"$workdir/server.err" &
server_pid=$!

show_server_output() {
  echo "--- server stdout ---" >&2; cat "$workdir/server.out" >&2 || true
  echo "--- server stderr (last 50 lines) ---" >&2; tail -n 50 "$workdir/server.err" >&2 || true
}

# The bound address is on the startup line: "... http://HOST:PORT ...".
url=""
for _ in $(seq 300); do
  url="$(grep -o -m1 'http://[^ ]*' "$workdir/server.out" 2>/dev/null || true)"
  [[ -n "$url" ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run.sh: the server exited during startup" >&2; show_server_output; exit 1
  fi
  sleep 0.1
done
[[ -n "$url" ]] || { echo "run.sh: no http:// address on the server's stdout after 30 s" >&2; show_server_output; exit 1; }
url="${url%/}"

ready=""
for _ in $(seq 100); do
  if "$venv/bin/python" - "$url/health" <<'PY' 2>/dev/null; then ready=1; break; fi
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
  kill -0 "$server_pid" 2>/dev/null || { echo "run.sh: the server exited" >&2; show_server_output; exit 1; }
  sleep 0.1
done
[[ -n "$ready" ]] || { echo "run.sh: GET $url/health never answered 200" >&2; show_server_output; exit 1; }

export BASALT_URL="$url"
echo "run.sh: server ready at $BASALT_URL" >&2
status=0
(cd "$here" && "$venv/bin/python" -m pytest -p no:cacheprovider "$@") || status=$?
if [[ $status -ne 0 ]]; then
  echo "--- server stderr (last 50 lines) ---" >&2; tail -n 50 "$workdir/server.err" >&2 || true
fi
exit "$status"
