#!/usr/bin/env bash
# Differential tests of the vector SQL functions: the same SQL on libSQL (the `libsql`
# PyPI package, embedded, in memory) and on Basalt (the CLI shell). Makes a venv with
# pinned packages, builds the CLI when needed, runs pytest. Extra arguments go to pytest.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${BASALT_DIFF_VENV:-$root/target/diff-venv}"

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"

# cargo is a no-op when the binary is current; a stale binary would test old code.
if [[ ! -x "$root/target/debug/basalt" || -z "${BASALT_DIFF_NO_BUILD:-}" ]]; then
    (cd "$root" && cargo build --quiet -p basalt-cli)
fi

export BASALT_BIN="${BASALT_BIN:-$root/target/debug/basalt}"
exec "$venv/bin/python" -m pytest -q "$here" "$@"
