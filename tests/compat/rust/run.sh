#!/usr/bin/env bash
# Runs the libsql-crate (remote mode) compatibility tests against a fresh Basalt
# server. Usage: tests/compat/rust/run.sh [extra `cargo test` arguments]
#
#   BASALT_BIN=path   use this server binary instead of building basalt-cli
#   CARGO_TARGET_DIR  where this project is built (default: <repo>/target/compat-rust)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

# The server comes from the main workspace's target directory, before this project
# switches CARGO_TARGET_DIR to its own.
if [[ -z "${BASALT_BIN:-}" ]]; then
  (cd "$repo" && cargo build -p basalt-cli)
  export BASALT_BIN="${CARGO_TARGET_DIR:-$repo/target}/debug/basalt"
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target/compat-rust}"
echo "run.sh: building the tests (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)" >&2
(cd "$here" && cargo test --locked --no-run)

cd "$here"
exec "$repo/tests/lib/with-server.sh" cargo test --locked "$@"
