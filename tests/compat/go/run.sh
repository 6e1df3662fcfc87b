#!/usr/bin/env bash
# Runs the libsql-client-go (database/sql driver "libsql") compatibility tests
# against a fresh Basalt server. Usage: tests/compat/go/run.sh [extra `go test` arguments]
#
#   BASALT_BIN=path   use this server binary instead of building basalt-cli
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

if [[ -z "${BASALT_BIN:-}" ]]; then
  echo "run.sh: building basalt-cli" >&2
  (cd "$repo" && cargo build -p basalt-cli)
  BASALT_BIN="$repo/target/debug/basalt"
fi
[[ -x "$BASALT_BIN" ]] || { echo "run.sh: BASALT_BIN=$BASALT_BIN is not an executable" >&2; exit 1; }

# Compile and vet the tests first (downloads the pinned modules on a cold cache), so a
# build problem shows up before a server is started.
echo "run.sh: building the tests" >&2
(cd "$here" && go vet ./...)

workdir="$(mktemp -d "${TMPDIR:-/tmp}/basalt-compat-go.XXXXXX")"
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

health() {
  if command -v curl >/dev/null; then
    curl -fsS -o /dev/null --max-time 2 "$url/health"
  else
    local hostport="${url#http://}"
    exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}" || return 1
    printf 'GET /health HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$hostport" >&3
    local status; read -r _ status _ <&3 || true
    exec 3<&-
    [[ "$status" == 200 ]]
  fi
}
ready=""
for _ in $(seq 100); do
  if health 2>/dev/null; then ready=1; break; fi
  kill -0 "$server_pid" 2>/dev/null || { echo "run.sh: the server exited" >&2; show_server_output; exit 1; }
  sleep 0.1
done
[[ -n "$ready" ]] || { echo "run.sh: GET $url/health never answered 200" >&2; show_server_output; exit 1; }

export BASALT_URL="$url"
echo "run.sh: server ready at $BASALT_URL" >&2
status=0
(cd "$here" && go test -count=1 "$@" ./...) || status=$?
if [[ $status -ne 0 ]]; then
  echo "--- server stderr (last 50 lines) ---" >&2; tail -n 50 "$workdir/server.err" >&2 || true
fi
exit "$status"
