#!/usr/bin/env bash
# Runs a command against a fresh Basalt server, for the client and differential suites:
# starts `basalt serve` on 127.0.0.1:0 with a temporary data directory, waits until
# GET /health answers, runs the command with BASALT_URL=http://HOST:PORT, stops the
# server (SIGTERM), and exits with the command's status. On failure it prints the end of
# the server's log.
#
# Usage: tests/lib/with-server.sh COMMAND [ARGS...]
#   BASALT_BIN=path   the server binary (default: build basalt-cli and use target/debug/basalt)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [[ -z "${BASALT_BIN:-}" ]]; then
  echo "with-server: building basalt-cli" >&2
  (cd "$repo" && cargo build -p basalt-cli)
  BASALT_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/basalt"
fi
[[ -x "$BASALT_BIN" ]] || { echo "with-server: BASALT_BIN=$BASALT_BIN is not an executable" >&2; exit 1; }

workdir="$(mktemp -d "${TMPDIR:-/tmp}/basalt-suite.XXXXXX")"
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

show_server_log() {
  echo "--- server stdout ---" >&2; cat "$workdir/server.out" >&2 || true
  echo "--- server stderr (last 50 lines) ---" >&2; tail -n 50 "$workdir/server.err" >&2 || true
}

"$BASALT_BIN" serve --http-listen-addr 127.0.0.1:0 --data-dir "$workdir/data" \
  >"$workdir/server.out" 2>"$workdir/server.err" &
server_pid=$!

# The bound address is on the startup line: "... http://HOST:PORT ...".
url=""
for _ in $(seq 300); do
  url="$(grep -o -m1 'http://[^ ]*' "$workdir/server.out" 2>/dev/null || true)"
  [[ -n "$url" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "with-server: the server exited during startup" >&2; show_server_log; exit 1; }
  sleep 0.1
done
[[ -n "$url" ]] || { echo "with-server: no http:// address on the server's stdout after 30 s" >&2; show_server_log; exit 1; }
url="${url%/}"

# Bash's /dev/tcp is enough for one GET; no HTTP client needs to be installed.
healthy() {
  local hostport="${url#http://}" reply
  exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}" || return 1
  printf 'GET /health HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$hostport" >&3
  IFS= read -r -t 2 reply <&3 || reply=""
  exec 3<&- 3>&-
  [[ "$reply" == "HTTP/1.1 200"* ]]
}
ready=""
for _ in $(seq 100); do
  if healthy 2>/dev/null; then ready=1; break; fi
  kill -0 "$server_pid" 2>/dev/null || { echo "with-server: the server exited" >&2; show_server_log; exit 1; }
  sleep 0.1
done
[[ -n "$ready" ]] || { echo "with-server: GET $url/health never answered 200" >&2; show_server_log; exit 1; }

export BASALT_URL="$url"
echo "with-server: server ready at $BASALT_URL" >&2
status=0
"$@" || status=$?
[[ $status -eq 0 ]] || show_server_log
exit "$status"
