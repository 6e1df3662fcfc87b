#!/usr/bin/env bash
# Runs the libsql-client-go (database/sql driver "libsql") compatibility tests
# against a fresh Basalt server. Usage: tests/compat/go/run.sh [extra `go test` arguments]
#
#   BASALT_BIN=path   use this server binary instead of building basalt-cli
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

# Compile and vet the tests first (downloads the pinned modules on a cold cache), so a
# build problem shows up before a server is started.
echo "run.sh: building the tests" >&2
(cd "$here" && go vet ./...)

cd "$here"
exec "$repo/tests/lib/with-server.sh" go test -count=1 "$@" ./...
