package compat

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestExecQueryPositionalArgs(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport, db *sql.DB) {
		tbl := tableName("pos")
		res := mustExec(t, db, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER)")
		expectAffected(t, res, 0, -1)

		res = mustExec(t, db, "INSERT INTO "+tbl+" (name, qty) VALUES (?, ?)", "apple", 3)
		expectAffected(t, res, 1, 1)
		res = mustExec(t, db, "INSERT INTO "+tbl+" (id, name, qty) VALUES (?, ?, ?)", int64(50), "pear", int64(7))
		expectAffected(t, res, 1, 50)
		res = mustExec(t, db, "INSERT INTO "+tbl+" (name, qty) VALUES (?, ?), (?, ?)", "fig", 1, "kiwi", 12)
		expectAffected(t, res, 2, 52)

		rows, err := db.Query("SELECT id, name, qty FROM "+tbl+" WHERE qty > ? ORDER BY id", 2)
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatalf("Columns: %v", err)
		}
		if !reflect.DeepEqual(cols, []string{"id", "name", "qty"}) {
			t.Errorf("Columns = %q", cols)
		}
		type rec struct {
			id   int64
			name string
			qty  int64
		}
		var got []rec
		for rows.Next() {
			var r rec
			if err := rows.Scan(&r.id, &r.name, &r.qty); err != nil {
				t.Fatalf("Scan: %v", err)
			}
			got = append(got, r)
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("rows.Err: %v", err)
		}
		rows.Close()
		want := []rec{{1, "apple", 3}, {50, "pear", 7}, {52, "kiwi", 12}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rows = %+v, want %+v", got, want)
		}

		// numbered parameters
		var a, b string
		if err := db.QueryRow("SELECT ?2, ?1 || ?2", "x", "y").Scan(&a, &b); err != nil {
			t.Fatalf("QueryRow numbered: %v", err)
		}
		if a != "y" || b != "xy" {
			t.Errorf("numbered params: got %q %q", a, b)
		}

		// named parameters (sql.Named), with each prefix
		var s string
		var n int64
		if err := db.QueryRow("SELECT :word || @word, $num + 1", sql.Named("word", "ab"), sql.Named("num", int64(41))).Scan(&s, &n); err != nil {
			t.Fatalf("QueryRow named: %v", err)
		}
		if s != "abab" || n != 42 {
			t.Errorf("named params: got %q %d", s, n)
		}

		res = mustExec(t, db, "UPDATE "+tbl+" SET qty = qty + ? WHERE name <> ?", 1, "fig")
		expectAffected(t, res, 3, -1)
		res = mustExec(t, db, "DELETE FROM "+tbl+" WHERE qty < ?", 5)
		expectAffected(t, res, 2, -1)
		if got := countRows(t, db, tbl); got != 2 {
			t.Errorf("count after delete = %d, want 2", got)
		}

		// no rows
		err = db.QueryRow("SELECT name FROM "+tbl+" WHERE id = ?", 9999).Scan(&s)
		if !errors.Is(err, sql.ErrNoRows) {
			t.Errorf("QueryRow on no rows: err = %v, want sql.ErrNoRows", err)
		}
	})
}

func TestPreparedStatements(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport, db *sql.DB) {
		tbl := tableName("prep")
		mustExec(t, db, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, label TEXT, v REAL)")

		ins, err := db.Prepare("INSERT INTO " + tbl + " (id, label, v) VALUES (?, ?, ?)")
		if err != nil {
			t.Fatalf("Prepare insert: %v", err)
		}
		for i := 1; i <= 20; i++ {
			res, err := ins.Exec(i, fmt.Sprintf("label-%d", i), float64(i)/4)
			if err != nil {
				t.Fatalf("prepared Exec %d: %v", i, err)
			}
			expectAffected(t, res, 1, int64(i))
		}
		if err := ins.Close(); err != nil {
			t.Fatalf("Close insert stmt: %v", err)
		}

		sel, err := db.Prepare("SELECT label, v FROM " + tbl + " WHERE id = ?")
		if err != nil {
			t.Fatalf("Prepare select: %v", err)
		}
		defer sel.Close()
		for _, id := range []int{1, 7, 20} {
			var label string
			var v float64
			if err := sel.QueryRow(id).Scan(&label, &v); err != nil {
				t.Fatalf("prepared QueryRow(%d): %v", id, err)
			}
			if label != fmt.Sprintf("label-%d", id) || v != float64(id)/4 {
				t.Errorf("id %d: got %q %v", id, label, v)
			}
		}

		rng, err := db.Prepare("SELECT id FROM " + tbl + " WHERE id BETWEEN ? AND ? ORDER BY id DESC")
		if err != nil {
			t.Fatalf("Prepare range: %v", err)
		}
		defer rng.Close()
		rows, err := rng.Query(5, 8)
		if err != nil {
			t.Fatalf("prepared Query: %v", err)
		}
		var ids []int64
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
		rows.Close()
		if !reflect.DeepEqual(ids, []int64{8, 7, 6, 5}) {
			t.Errorf("range ids = %v", ids)
		}

		// a named-parameter prepared statement
		named, err := db.Prepare("SELECT count(*) FROM " + tbl + " WHERE v >= :min")
		if err != nil {
			t.Fatalf("Prepare named: %v", err)
		}
		defer named.Close()
		var n int64
		if err := named.QueryRow(sql.Named("min", 4.0)).Scan(&n); err != nil {
			t.Fatalf("named prepared QueryRow: %v", err)
		}
		if n != 5 { // ids 16..20
			t.Errorf("count(v >= 4) = %d, want 5", n)
		}

		// a prepared statement used inside a transaction
		tx, err := db.Begin()
		if err != nil {
			t.Fatalf("Begin: %v", err)
		}
		del, err := tx.Prepare("DELETE FROM " + tbl + " WHERE id = ?")
		if err != nil {
			t.Fatalf("tx.Prepare: %v", err)
		}
		for _, id := range []int{2, 3, 4} {
			res, err := del.Exec(id)
			if err != nil {
				t.Fatalf("tx prepared Exec: %v", err)
			}
			expectAffected(t, res, 1, -1)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatalf("Rollback: %v", err)
		}
		if got := countRows(t, db, tbl); got != 20 {
			t.Errorf("count after rolled-back deletes = %d, want 20", got)
		}
	})
}

func TestValueTypes(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport, db *sql.DB) {
		tbl := tableName("vals")
		mustExec(t, db, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, v)")
		blob := make([]byte, 256)
		for i := range blob {
			blob[i] = byte(i)
		}
		values := []struct {
			in      any
			want    any // what Scan into `any` yields
			sqlType string
		}{
			{nil, nil, "null"},
			{int64(0), int64(0), "integer"},
			{int64(-1), int64(-1), "integer"},
			{int64(1<<53 + 1), int64(1<<53 + 1), "integer"},
			{int64(math.MaxInt64), int64(math.MaxInt64), "integer"},
			{int64(math.MinInt64), int64(math.MinInt64), "integer"},
			{42, int64(42), "integer"}, // Go int
			{true, int64(1), "integer"},
			{false, int64(0), "integer"},
			{1.5, 1.5, "real"},
			{-0.125, -0.125, "real"},
			{1e300, 1e300, "real"},
			{5e-324, 5e-324, "real"},
			{2.0, 2.0, "real"},
			{"", "", "text"},
			{"plain", "plain", "text"},
			{"héllo ✓ 日本語 🎉 \t\n\"q\" \\", "héllo ✓ 日本語 🎉 \t\n\"q\" \\", "text"},
			{strings.Repeat("x", 10000), strings.Repeat("x", 10000), "text"},
			{[]byte{}, []byte{}, "blob"},
			{[]byte{0}, []byte{0}, "blob"},
			{[]byte{0, 0xff}, []byte{0, 0xff}, "blob"},
			{[]byte("abc"), []byte("abc"), "blob"},
			{blob, blob, "blob"},
		}
		for i, v := range values {
			mustExec(t, db, "INSERT INTO "+tbl+" (id, v) VALUES (?, ?)", i, v.in)
		}
		rows, err := db.Query("SELECT id, v, typeof(v) FROM " + tbl + " ORDER BY id")
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		defer rows.Close()
		i := 0
		for rows.Next() {
			var id int64
			var got any
			var ty string
			if err := rows.Scan(&id, &got, &ty); err != nil {
				t.Fatalf("Scan row %d: %v", i, err)
			}
			if int(id) != i {
				t.Fatalf("row %d has id %d", i, id)
			}
			v := values[i]
			if ty != v.sqlType {
				t.Errorf("value %d (%#v): typeof = %q, want %q", i, v.in, ty, v.sqlType)
			}
			if wb, ok := v.want.([]byte); ok {
				gb, ok := got.([]byte)
				if !ok || !bytes.Equal(gb, wb) {
					t.Errorf("value %d: got %#v (%T), want %#v", i, got, got, wb)
				}
			} else if !reflect.DeepEqual(got, v.want) {
				t.Errorf("value %d: got %#v (%T), want %#v (%T)", i, got, got, v.want, v.want)
			}
			i++
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("rows.Err: %v", err)
		}
		if i != len(values) {
			t.Fatalf("read %d rows, want %d", i, len(values))
		}

		// typed scans and NULL handling
		var (
			ns sql.NullString
			ni sql.NullInt64
			nf sql.NullFloat64
			b  []byte
			f  float64
			bi int64
		)
		err = db.QueryRow("SELECT NULL, NULL, NULL, x'00ff', 2.0, 9223372036854775807").Scan(&ns, &ni, &nf, &b, &f, &bi)
		if err != nil {
			t.Fatalf("typed Scan: %v", err)
		}
		if ns.Valid || ni.Valid || nf.Valid {
			t.Errorf("NULLs scanned as valid: %v %v %v", ns, ni, nf)
		}
		if !bytes.Equal(b, []byte{0, 0xff}) || f != 2.0 || bi != math.MaxInt64 {
			t.Errorf("typed Scan: %x %v %d", b, f, bi)
		}
		var fl any
		if err := db.QueryRow("SELECT 2.0").Scan(&fl); err != nil {
			t.Fatalf("Scan 2.0: %v", err)
		}
		if _, ok := fl.(float64); !ok {
			t.Errorf("SELECT 2.0 scanned as %#v (%T), want float64", fl, fl)
		}
	})
}

// The HTTP driver turns TEXT values of DATETIME/TIMESTAMP columns into
// time.Time, using the decltype the server reports (Hrana 2 `Col.decltype`).
// The WebSocket driver speaks hrana1, which has no decltype.
func TestDecltypeDatetime(t *testing.T) {
	for _, tr := range transports() {
		if tr.name != "http" {
			continue
		}
		t.Run(tr.name, func(t *testing.T) {
			db := openDB(t, tr)
			tbl := tableName("dt")
			mustExec(t, db, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, at DATETIME, ts timestamp, plain TEXT)")
			mustExec(t, db, "INSERT INTO "+tbl+" VALUES (1, ?, ?, ?)", "2024-02-29 13:14:15", "2001-02-03T04:05:06", "2024-02-29 13:14:15")
			var at, ts time.Time
			var plain any
			if err := db.QueryRow("SELECT at, ts, plain FROM "+tbl).Scan(&at, &ts, &plain); err != nil {
				t.Fatalf("Scan: %v", err)
			}
			if !at.Equal(time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)) {
				t.Errorf("at = %v", at)
			}
			if !ts.Equal(time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)) {
				t.Errorf("ts = %v", ts)
			}
			if plain != "2024-02-29 13:14:15" {
				t.Errorf("plain TEXT column = %#v, want the string", plain)
			}
			// through an alias, decltype still comes from the source column
			var aliased time.Time
			if err := db.QueryRow("SELECT at AS renamed FROM " + tbl).Scan(&aliased); err != nil {
				t.Fatalf("Scan aliased: %v", err)
			}
			if !aliased.Equal(at) {
				t.Errorf("aliased = %v", aliased)
			}
		})
	}
}

func TestLargeResult(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport, db *sql.DB) {
		tbl := tableName("big")
		mustExec(t, db, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, label TEXT, sq INTEGER, half REAL)")
		res := mustExec(t, db, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5000) "+
			"INSERT INTO "+tbl+" SELECT i, 'row-' || i, i * i, i / 2.0 FROM c")
		expectAffected(t, res, 5000, 5000)

		rows, err := db.Query("SELECT id, label, sq, half FROM " + tbl + " ORDER BY id")
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		defer rows.Close()
		n := int64(0)
		for rows.Next() {
			var id, sq int64
			var label string
			var half float64
			if err := rows.Scan(&id, &label, &sq, &half); err != nil {
				t.Fatalf("Scan: %v", err)
			}
			n++
			if id != n || label != fmt.Sprintf("row-%d", n) || sq != n*n || half != float64(n)/2 {
				t.Fatalf("row %d = (%d, %q, %d, %v)", n, id, label, sq, half)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatalf("rows.Err: %v", err)
		}
		if n != 5000 {
			t.Fatalf("got %d rows, want 5000", n)
		}
	})
}

// A multi-statement string: the HTTP driver splits it and sends a batch; the
// WebSocket driver sends it as one statement, which the server refuses.
func TestMultiStatementExec(t *testing.T) {
	forEachTransport(t, func(t *testing.T, tr transport, db *sql.DB) {
		tbl := tableName("multi")
		mustExec(t, db, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, v TEXT)")
		_, err := db.Exec("INSERT INTO " + tbl + " VALUES (1, 'a'); INSERT INTO " + tbl + " VALUES (2, 'b');")
		switch tr.name {
		case "http":
			if err != nil {
				t.Fatalf("multi-statement Exec: %v", err)
			}
			if got := countRows(t, db, tbl); got != 2 {
				t.Errorf("count = %d, want 2", got)
			}
			// with arguments spread over the statements
			_, err = db.Exec("INSERT INTO "+tbl+" VALUES (?, ?); UPDATE "+tbl+" SET v = ? WHERE id = ?", 3, "c", "z", 1)
			if err != nil {
				t.Fatalf("multi-statement Exec with args: %v", err)
			}
			var v string
			if err := db.QueryRow("SELECT group_concat(v, ',') FROM (SELECT v FROM " + tbl + " ORDER BY id)").Scan(&v); err != nil {
				t.Fatalf("QueryRow: %v", err)
			}
			if v != "z,b,c" {
				t.Errorf("values = %q, want z,b,c", v)
			}
		case "ws":
			if err == nil {
				t.Fatalf("multi-statement Exec over hrana1 succeeded; the server should answer SQL_MANY_STATEMENTS")
			}
			if !strings.Contains(err.Error(), "more than one statement") {
				t.Errorf("error = %v, want the SQL_MANY_STATEMENTS message", err)
			}
			if got := countRows(t, db, tbl); got != 0 {
				t.Errorf("count = %d after the refused multi-statement string, want 0", got)
			}
		}
	})
}
