package compat

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func idsOf(t *testing.T, q interface {
	Query(string, ...any) (*sql.Rows, error)
}, table string) []int64 {
	t.Helper()
	rows, err := q.Query("SELECT id FROM " + table + " ORDER BY id")
	if err != nil {
		t.Fatalf("select ids: %v", err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatalf("Scan: %v", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows.Err: %v", err)
	}
	return ids
}

func TestTransactionCommit(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport, db *sql.DB) {
		other := openDB(t, tr)
		tbl := tableName("txc")
		mustExec(t, db, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, v TEXT)")
		mustExec(t, db, "INSERT INTO "+tbl+" VALUES (1, 'before')")

		tx, err := db.Begin()
		if err != nil {
			t.Fatalf("Begin: %v", err)
		}
		res, err := tx.Exec("INSERT INTO "+tbl+" VALUES (?, ?)", 2, "in-tx")
		if err != nil {
			t.Fatalf("tx.Exec insert: %v", err)
		}
		expectAffected(t, res, 1, 2)
		if _, err := tx.Exec("UPDATE " + tbl + " SET v = 'updated' WHERE id = 1"); err != nil {
			t.Fatalf("tx.Exec update: %v", err)
		}
		if got := idsOf(t, tx, tbl); !reflect.DeepEqual(got, []int64{1, 2}) {
			t.Errorf("inside tx: ids = %v, want [1 2]", got)
		}

		// isolation: a different connection does not see uncommitted rows
		if got := idsOf(t, other, tbl); !reflect.DeepEqual(got, []int64{1}) {
			t.Errorf("other connection before commit: ids = %v, want [1]", got)
		}
		var v string
		if err := other.QueryRow("SELECT v FROM " + tbl + " WHERE id = 1").Scan(&v); err != nil {
			t.Fatalf("other QueryRow: %v", err)
		}
		if v != "before" {
			t.Errorf("other connection sees v = %q before commit, want \"before\"", v)
		}
		// the same pool's other connections do not see them either
		if got := idsOf(t, db, tbl); !reflect.DeepEqual(got, []int64{1}) {
			t.Errorf("pool (other conn) before commit: ids = %v, want [1]", got)
		}

		if err := tx.Commit(); err != nil {
			t.Fatalf("Commit: %v", err)
		}
		if got := idsOf(t, other, tbl); !reflect.DeepEqual(got, []int64{1, 2}) {
			t.Errorf("other connection after commit: ids = %v, want [1 2]", got)
		}
		if err := other.QueryRow("SELECT v FROM " + tbl + " WHERE id = 1").Scan(&v); err != nil {
			t.Fatalf("other QueryRow: %v", err)
		}
		if v != "updated" {
			t.Errorf("after commit v = %q, want \"updated\"", v)
		}
	})
}

func TestTransactionRollback(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport, db *sql.DB) {
		tbl := tableName("txr")
		mustExec(t, db, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, v TEXT)")
		mustExec(t, db, "INSERT INTO "+tbl+" VALUES (1, 'keep')")

		tx, err := db.Begin()
		if err != nil {
			t.Fatalf("Begin: %v", err)
		}
		mustExec(t, tx, "INSERT INTO "+tbl+" VALUES (2, 'drop')")
		mustExec(t, tx, "DELETE FROM "+tbl+" WHERE id = 1")
		if got := idsOf(t, tx, tbl); !reflect.DeepEqual(got, []int64{2}) {
			t.Errorf("inside tx: ids = %v, want [2]", got)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatalf("Rollback: %v", err)
		}
		if got := idsOf(t, db, tbl); !reflect.DeepEqual(got, []int64{1}) {
			t.Errorf("after rollback: ids = %v, want [1]", got)
		}
		// the write lock is free again: a write and another transaction work
		mustExec(t, db, "INSERT INTO "+tbl+" VALUES (3, 'after')")
		tx, err = db.Begin()
		if err != nil {
			t.Fatalf("Begin 2: %v", err)
		}
		mustExec(t, tx, "INSERT INTO "+tbl+" VALUES (4, 'tx2')")
		if err := tx.Commit(); err != nil {
			t.Fatalf("Commit 2: %v", err)
		}
		if got := idsOf(t, db, tbl); !reflect.DeepEqual(got, []int64{1, 3, 4}) {
			t.Errorf("final ids = %v, want [1 3 4]", got)
		}
	})
}

// BeginTx with a context that is cancelled: database/sql rolls back.
func TestTransactionContextCancelRollsBack(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport, db *sql.DB) {
		tbl := tableName("txctx")
		mustExec(t, db, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY)")
		ctx, cancel := context.WithCancel(context.Background())
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatalf("BeginTx: %v", err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+tbl+" VALUES (1)"); err != nil {
			t.Fatalf("ExecContext: %v", err)
		}
		cancel()
		if err := tx.Commit(); err == nil {
			t.Fatalf("Commit after cancel succeeded")
		}
		if got := countRows(t, db, tbl); got != 0 {
			t.Errorf("count = %d after cancelled transaction, want 0", got)
		}
		mustExec(t, db, "INSERT INTO "+tbl+" VALUES (2)")
		if got := countRows(t, db, tbl); got != 1 {
			t.Errorf("count = %d, want 1", got)
		}
	})
}

func TestErrors(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport, db *sql.DB) {
		// one connection, so "the pool stays usable" means this very
		// connection (stream or WebSocket) survived each error
		db.SetMaxOpenConns(1)
		tbl := tableName("err")
		mustExec(t, db, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, v TEXT NOT NULL, CHECK (length(v) < 5))")
		mustExec(t, db, "INSERT INTO "+tbl+" VALUES (1, 'a')")

		cases := []struct {
			name, sql string
			args      []any
			want      string
		}{
			{"syntax", "SELEC 1", nil, "SELEC"},
			{"syntax-exec", "INSERT INTO " + tbl + " VALUS (5, 'x')", nil, "syntax error"},
			{"unique", "INSERT INTO " + tbl + " VALUES (?, ?)", []any{1, "dup"}, "UNIQUE constraint failed: " + tbl + ".id"},
			{"not-null", "INSERT INTO " + tbl + " VALUES (?, ?)", []any{2, nil}, "NOT NULL constraint failed: " + tbl + ".v"},
			{"check", "INSERT INTO " + tbl + " VALUES (?, ?)", []any{3, "toolong"}, "CHECK constraint failed"},
			{"no-table", "SELECT * FROM no_such_table_xyz", nil, "no such table: no_such_table_xyz"},
			{"missing-arg", "SELECT ?, ?", []any{1}, "Arguments do not match"},
		}
		for _, c := range cases {
			_, err := db.Exec(c.sql, c.args...)
			if err == nil {
				t.Errorf("%s: Exec(%q) succeeded, want an error", c.name, c.sql)
			} else if !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: Exec error = %q, want it to contain %q", c.name, err, c.want)
			}
			// the same through Query
			rows, err := db.Query(c.sql, c.args...)
			if err == nil {
				rows.Close()
				t.Errorf("%s: Query(%q) succeeded, want an error", c.name, c.sql)
			} else if !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: Query error = %q, want it to contain %q", c.name, err, c.want)
			}
			var one int
			if err := db.QueryRow("SELECT 1").Scan(&one); err != nil || one != 1 {
				t.Fatalf("after %s error: SELECT 1 = %d, %v", c.name, one, err)
			}
		}
		if got := idsOf(t, db, tbl); !reflect.DeepEqual(got, []int64{1}) {
			t.Errorf("ids after failed statements = %v, want [1]", got)
		}
		mustExec(t, db, "INSERT INTO "+tbl+" VALUES (2, 'b')")
		if got := countRows(t, db, tbl); got != 2 {
			t.Errorf("count = %d, want 2", got)
		}
		stats := db.Stats()
		if stats.OpenConnections != 1 {
			t.Errorf("open connections = %d, want 1", stats.OpenConnections)
		}
	})
}

func TestErrorInsideTransaction(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport, db *sql.DB) {
		tbl := tableName("txerr")
		mustExec(t, db, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY)")
		tx, err := db.Begin()
		if err != nil {
			t.Fatalf("Begin: %v", err)
		}
		mustExec(t, tx, "INSERT INTO "+tbl+" VALUES (1)")
		if _, err := tx.Exec("INSERT INTO " + tbl + " VALUES (1)"); err == nil || !strings.Contains(err.Error(), "UNIQUE constraint failed") {
			t.Fatalf("duplicate insert in tx: err = %v, want UNIQUE constraint failed", err)
		}
		if _, err := tx.Exec("SELEC 1"); err == nil {
			t.Fatalf("syntax error in tx: no error")
		}
		// SQLite undoes only the failing statement; the transaction goes on
		mustExec(t, tx, "INSERT INTO "+tbl+" VALUES (2)")
		if err := tx.Commit(); err != nil {
			t.Fatalf("Commit: %v", err)
		}
		if got := idsOf(t, db, tbl); !reflect.DeepEqual(got, []int64{1, 2}) {
			t.Errorf("ids = %v, want [1 2]", got)
		}
	})
}

func TestConcurrentInserts(t *testing.T) {
	const workers, perWorker = 8, 50
	forEachTransport(t, func(t *testing.T, tr transport, db *sql.DB) {
		tbl := tableName("conc")
		mustExec(t, db, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, worker INTEGER NOT NULL, seq INTEGER NOT NULL, UNIQUE (worker, seq))")
		db.SetMaxOpenConns(workers)
		var wg sync.WaitGroup
		errs := make(chan error, workers*perWorker)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for i := 0; i < perWorker; i++ {
					res, err := db.Exec("INSERT INTO "+tbl+" (worker, seq) VALUES (?, ?)", w, i)
					if err != nil {
						errs <- fmt.Errorf("worker %d insert %d: %w", w, i, err)
						continue
					}
					if n, _ := res.RowsAffected(); n != 1 {
						errs <- fmt.Errorf("worker %d insert %d: RowsAffected = %d", w, i, n)
					}
					if id, _ := res.LastInsertId(); id <= 0 {
						errs <- fmt.Errorf("worker %d insert %d: LastInsertId = %d", w, i, id)
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		nerr := 0
		for err := range errs {
			if nerr < 10 {
				t.Error(err)
			}
			nerr++
		}
		if nerr > 0 {
			t.Errorf("%d of %d inserts failed", nerr, workers*perWorker)
		}
		if got := countRows(t, db, tbl); got != workers*perWorker {
			t.Errorf("count = %d, want %d", got, workers*perWorker)
		}
		var perW int64
		if err := db.QueryRow("SELECT count(DISTINCT worker) FROM " + tbl).Scan(&perW); err != nil {
			t.Fatal(err)
		}
		if perW != workers {
			t.Errorf("distinct workers = %d, want %d", perW, workers)
		}
	})
}

// Concurrent explicit transactions on separate connections: each must commit
// (waiting for the write lock as needed) and nothing may be lost or doubled.
func TestConcurrentTransactions(t *testing.T) {
	const workers, txPerWorker, rowsPerTx = 4, 10, 5
	forEachTransport(t, func(t *testing.T, tr transport, db *sql.DB) {
		tbl := tableName("conctx")
		mustExec(t, db, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, worker INTEGER, n INTEGER)")
		db.SetMaxOpenConns(workers)
		var wg sync.WaitGroup
		errs := make(chan error, workers*txPerWorker)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for k := 0; k < txPerWorker; k++ {
					tx, err := db.Begin()
					if err != nil {
						errs <- fmt.Errorf("worker %d tx %d: Begin: %w", w, k, err)
						continue
					}
					failed := false
					for r := 0; r < rowsPerTx; r++ {
						if _, err := tx.Exec("INSERT INTO "+tbl+" (worker, n) VALUES (?, ?)", w, k*rowsPerTx+r); err != nil {
							errs <- fmt.Errorf("worker %d tx %d: insert: %w", w, k, err)
							failed = true
							break
						}
					}
					if failed {
						tx.Rollback()
						continue
					}
					if err := tx.Commit(); err != nil {
						errs <- fmt.Errorf("worker %d tx %d: Commit: %w", w, k, err)
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if got := countRows(t, db, tbl); got != workers*txPerWorker*rowsPerTx {
			t.Errorf("count = %d, want %d", got, workers*txPerWorker*rowsPerTx)
		}
	})
}
