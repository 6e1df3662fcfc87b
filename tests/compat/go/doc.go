// Package compat holds the compatibility tests that run the official Go
// driver, github.com/tursodatabase/libsql-client-go (database/sql driver
// "libsql"), against a live Basalt server. The tests are in *_test.go; run
// them with run.sh, which starts the server and sets BASALT_URL.
package compat
