package compat

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	_ "github.com/tursodatabase/libsql-client-go/libsql"
)

// baseURL is the server's http:// address, from BASALT_URL (set by run.sh).
var baseURL string

func TestMain(m *testing.M) {
	baseURL = strings.TrimRight(os.Getenv("BASALT_URL"), "/")
	if !strings.HasPrefix(baseURL, "http://") {
		fmt.Fprintln(os.Stderr, "BASALT_URL must be set to the server's http:// address; run the tests through run.sh")
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// transport is one way the driver reaches the server: http:// uses
// POST /v2/pipeline (JSON, batons), ws:// uses a WebSocket with hrana1.
type transport struct {
	name string
	url  string
}

func transports() []transport {
	return []transport{
		{"http", baseURL},
		{"ws", "ws://" + strings.TrimPrefix(baseURL, "http://")},
	}
}

// forEachTransport runs fn as a subtest per transport, with a fresh *sql.DB.
func forEachTransport(t *testing.T, fn func(t *testing.T, tr transport, db *sql.DB)) {
	t.Helper()
	for _, tr := range transports() {
		tr := tr
		t.Run(tr.name, func(t *testing.T) {
			db := openDB(t, tr)
			fn(t, tr, db)
		})
	}
}

// openDB opens a new pool (its connections are new HTTP streams or WebSockets)
// and closes it when the test ends.
func openDB(t *testing.T, tr transport) *sql.DB {
	t.Helper()
	db, err := sql.Open("libsql", tr.url)
	if err != nil {
		t.Fatalf("sql.Open(%q): %v", tr.url, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatalf("Ping %s: %v", tr.url, err)
	}
	return db
}

// tableName returns a table name no other test or transport uses.
func tableName(prefix string) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return prefix + "_" + hex.EncodeToString(b[:])
}

func mustExec(t *testing.T, db interface {
	Exec(string, ...any) (sql.Result, error)
}, query string, args ...any) sql.Result {
	t.Helper()
	res, err := db.Exec(query, args...)
	if err != nil {
		t.Fatalf("Exec(%q): %v", query, err)
	}
	return res
}

func countRows(t *testing.T, db interface {
	QueryRow(string, ...any) *sql.Row
}, table string) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("count(*) from %s: %v", table, err)
	}
	return n
}

func expectAffected(t *testing.T, res sql.Result, rows int64, lastID int64) {
	t.Helper()
	n, err := res.RowsAffected()
	if err != nil {
		t.Fatalf("RowsAffected: %v", err)
	}
	if n != rows {
		t.Errorf("RowsAffected = %d, want %d", n, rows)
	}
	if lastID >= 0 {
		id, err := res.LastInsertId()
		if err != nil {
			t.Fatalf("LastInsertId: %v", err)
		}
		if id != lastID {
			t.Errorf("LastInsertId = %d, want %d", id, lastID)
		}
	}
}
