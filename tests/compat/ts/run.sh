#!/usr/bin/env bash
# Runs the @libsql/client compatibility suite against a freshly started Basalt server.
#
# Environment:
#   BASALT_BIN    path to a prebuilt `basalt` binary (default: build target/debug/basalt)
#   BASALT_URL    if set, use an already running server at this http:// URL instead of starting one
#   NODE_TEST_ARGS extra arguments for `node --test` (e.g. --test-name-pattern=batch)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/../../.." && pwd)"
cd "$here"

if [[ -f package-lock.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error
else
    npm install --no-audit --no-fund --loglevel=error
fi

server_pid=""
data_dir=""
log_file=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    [[ -n "$data_dir" ]] && rm -rf "$data_dir"
    [[ -n "$log_file" ]] && rm -f "$log_file"
}
trap cleanup EXIT

if [[ -z "${BASALT_URL:-}" ]]; then
    if [[ -z "${BASALT_BIN:-}" ]]; then
        (cd "$repo_root" && cargo build -p basalt-cli)
        BASALT_BIN="$repo_root/target/debug/basalt"
    fi
    [[ -x "$BASALT_BIN" ]] || { echo "run.sh: $BASALT_BIN is not executable" >&2; exit 1; }

    data_dir="$(mktemp -d "${TMPDIR:-/tmp}/basalt-compat-ts.XXXXXX")"
    log_file="$(mktemp "${TMPDIR:-/tmp}/basalt-compat-ts-log.XXXXXX")"
    "$BASALT_BIN" serve --http-listen-addr 127.0.0.1:0 --data-dir "$data_dir" >"$log_file" 2>&1 &
    server_pid=$!

    # The server prints one startup line containing http://HOST:PORT.
    url=""
    for _ in $(seq 1 300); do
        if ! kill -0 "$server_pid" 2>/dev/null; then
            echo "run.sh: basalt exited during startup; its output:" >&2
            cat "$log_file" >&2
            exit 1
        fi
        url="$(grep -oE 'http://[^[:space:]/,()]+:[0-9]+' "$log_file" | head -n1 || true)"
        [[ -n "$url" ]] && break
        sleep 0.1
    done
    [[ -n "$url" ]] || { echo "run.sh: no http://HOST:PORT line from basalt; output:" >&2; cat "$log_file" >&2; exit 1; }
    export BASALT_URL="$url"
fi

ready=""
for _ in $(seq 1 300); do
    if curl -fsS -o /dev/null "$BASALT_URL/health" 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.1
done
[[ -n "$ready" ]] || { echo "run.sh: $BASALT_URL/health never answered 200" >&2; [[ -n "$log_file" ]] && cat "$log_file" >&2; exit 1; }
echo "run.sh: testing against $BASALT_URL (ws: ${BASALT_URL/http/ws})"

status=0
# shellcheck disable=SC2086
node --test --test-concurrency=1 --test-timeout=60000 ${NODE_TEST_ARGS:-} test/*.test.mjs || status=$?

if [[ $status -ne 0 && -n "$log_file" ]]; then
    echo "run.sh: last lines of the server log:" >&2
    tail -n 50 "$log_file" >&2 || true
fi
exit "$status"
