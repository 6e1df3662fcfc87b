#!/usr/bin/env bash
# Runs the libsql-crate embedded-replica tests (Builder::new_remote_replica) against a
# fresh Basalt server. Usage: tests/compat/replica-rust/run.sh [extra `cargo test` arguments]
#
#   BASALT_BIN=path   use this server binary instead of building basalt-cli
#   BASALT_URL=url    use an already running server instead of starting one
#   CARGO_TARGET_DIR  where this project is built (default: <repo>/target/compat-replica-rust)
#
# The first build compiles libSQL's C core (the crate's `core` feature): a few minutes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

# The server comes from the main workspace's target directory, before this project
# switches CARGO_TARGET_DIR to its own.
if [[ -z "${BASALT_BIN:-}" && -z "${BASALT_URL:-}" ]]; then
  (cd "$repo" && cargo build -p basalt-cli)
  export BASALT_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/basalt"
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target/compat-replica-rust}"
echo "run.sh: building the tests (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)" >&2
(cd "$here" && cargo test --locked --quiet --no-run)

cd "$here"
# One test at a time: some tests compare database-wide state (page_count, freelist) of
# the replica with the primary, which a concurrent test's writes would race.
tests=(cargo test --locked --quiet "$@" -- --test-threads=1)
if [[ -n "${BASALT_URL:-}" ]]; then
  exec "${tests[@]}"
fi
exec "$repo/tests/lib/with-server.sh" "${tests[@]}"
