#!/usr/bin/env bash
# Runs the @libsql/client compatibility suite against a freshly started Basalt server.
#
# Environment:
#   BASALT_BIN     path to a prebuilt `basalt` binary (default: build target/debug/basalt)
#   BASALT_URL     if set, use an already running server at this http:// URL instead of starting one
#   NODE_TEST_ARGS extra arguments for `node --test` (e.g. --test-name-pattern=batch)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cd "$here"

if [[ -f package-lock.json ]]; then
    npm ci --no-audit --no-fund --loglevel=error
else
    npm install --no-audit --no-fund --loglevel=error
fi

# shellcheck disable=SC2206
tests=(node --test --test-concurrency=1 --test-timeout=60000 ${NODE_TEST_ARGS:-} test/*.test.mjs)
if [[ -n "${BASALT_URL:-}" ]]; then
    exec "${tests[@]}"
fi
exec "$repo/tests/lib/with-server.sh" "${tests[@]}"
