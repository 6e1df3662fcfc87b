#!/usr/bin/env bash
# Runs the @libsql/client embedded-replica suite (file: URL + syncUrl) against a freshly
# started Basalt server. The replica side is the `libsql` native npm package that
# @libsql/client embeds (libSQL's Rust core), syncing over gRPC-web.
#
# Environment:
#   BASALT_BIN     path to a prebuilt `basalt` binary (default: build target/debug/basalt)
#   BASALT_URL     if set, use an already running server at this http:// URL instead of starting one
#   NODE_TEST_ARGS extra arguments for `node --test` (e.g. --test-name-pattern=batch)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cd "$here"

npm ci --no-audit --no-fund --loglevel=error

tap="$(mktemp "${TMPDIR:-/tmp}/replica-ts-tap.XXXXXX")"
trap 'rm -f "$tap"' EXIT
# shellcheck disable=SC2206
tests=(node --test --test-concurrency=1 --test-timeout=120000
       --test-reporter=spec --test-reporter-destination=stdout
       --test-reporter=tap --test-reporter-destination="$tap"
       ${NODE_TEST_ARGS:-} test/*.test.mjs)
status=0
if [[ -n "${BASALT_URL:-}" ]]; then
    "${tests[@]}" || status=$?
else
    "$repo/tests/lib/with-server.sh" "${tests[@]}" || status=$?
fi
count() { local n; n="$(grep -m1 "^# $1 " "$tap" | awk '{print $3}')"; echo "${n:-?}"; }
echo "replica-ts: $(count pass) passed, $(count fail) failed, $(count skipped) skipped (exit $status)"
exit "$status"
