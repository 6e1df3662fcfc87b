"""Differential tests: libSQL's SQL extensions on embedded libSQL vs. Basalt's server.

Each scenario is a list of statements. It runs on a fresh in-memory libSQL database
(the `libsql` PyPI package) and on a Basalt server (BASALT_URL, /v2/pipeline, one
stream, after dropping every table). For each statement both must succeed or both fail
with the same SQLite message; query results must be equal; afterwards sqlite_schema
and PRAGMA table_info of every table must be equal.

Where libSQL is known to be wrong (LIBSQL-SURFACE.md §10, §13) the scenario is
marked `improves` and Basalt's documented behaviour is asserted instead.
"""

import os
import re
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "lib"))
from diffdb import Libsql, StmtError, empty_basalt, outcome  # noqa: E402


@pytest.fixture
def basalt():
    b = empty_basalt()
    yield b
    b.close()


def schema(db):
    # libSQL keeps RANDOM ROWID in the stored text; Basalt stores the stock statement
    # and keeps the property in its own triggers (docs/SQL-EXTENSIONS.md).
    rows = db.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema "
        "WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_basalt_%' ORDER BY name"
    )
    rows = [
        (t, n, tn, re.sub(r"\s*,\s*RANDOM\s+ROWID\b|\s*\bRANDOM\s+ROWID\b\s*,?\s*", "", s, flags=re.I) if s else s)
        for t, n, tn, s in rows
    ]
    info = {}
    for kind, name, _, _ in rows:
        if kind == "table":
            info[name] = db.execute(f'PRAGMA table_info("{name}")')
    return rows, info


def run_both(basalt, statements, skip_results=()):
    lib = Libsql()
    for i, sql in enumerate(statements):
        a = outcome(lib, sql)
        b = outcome(basalt, sql)
        if i in skip_results and a[0] == b[0] == "ok":
            continue
        assert b == a, f"statement {i}: {sql}\n libSQL: {a}\n Basalt: {b}"
    assert schema(basalt) == schema(lib)
    return lib


# --- Scenarios where Basalt must match libSQL ---------------------------------------

SAME = {
    "transcript": [
        "CREATE TABLE ac (a INTEGER, b TEXT)",
        "INSERT INTO ac VALUES (0, NULL)",
        "ALTER TABLE ac ALTER COLUMN b TO b TEXT NOT NULL DEFAULT 'dflt'",
        "SELECT sql FROM sqlite_schema WHERE name = 'ac'",
        "INSERT INTO ac (a) VALUES (1)",
        "INSERT INTO ac (a, b) VALUES (2, NULL)",
        "SELECT * FROM ac ORDER BY a",
        "ALTER TABLE ac ALTER COLUMN a TO a2 INTEGER",
        "ALTER TABLE ac ALTER COLUMN a TO a INTEGER CHECK (a > 0)",
        "INSERT INTO ac VALUES (-1, 'x')",
        "ALTER TABLE ac ALTER COLUMN zz TO zz INTEGER",
        "PRAGMA integrity_check",
    ],
    "errors": [
        "CREATE TABLE t (a INTEGER, b TEXT, d TEXT UNIQUE, e INTEGER PRIMARY KEY, g AS (a + 1))",
        "CREATE VIEW v AS SELECT 1 AS x",
        "CREATE VIRTUAL TABLE f USING fts5(x)",
        "ALTER TABLE nope ALTER COLUMN a TO a TEXT",
        "ALTER TABLE v ALTER COLUMN x TO x INT",
        "ALTER TABLE f ALTER COLUMN x TO x INT",
        "ALTER TABLE sqlite_schema ALTER COLUMN sql TO sql INT",
        'ALTER TABLE t ALTER COLUMN "a" TO a INT',
        "ALTER TABLE t ALTER COLUMN b TO b TEXT UNIQUE",
        "ALTER TABLE t ALTER COLUMN d TO d TEXT",
        "ALTER TABLE t ALTER COLUMN a TO a INTEGER PRIMARY KEY",
        "ALTER TABLE t ALTER COLUMN e TO e INTEGER",
        "ALTER TABLE t ALTER COLUMN a TO a INTEGER AS (1)",
        "ALTER TABLE t ALTER COLUMN g TO g",
        "ALTER TABLE t ALTER a TO a TEXT",
        "ALTER TABLE t ALTER COLUMN a TO",
        "ALTER TABLE t ALTER COLUMN a TO a NOT NULL NOT",
    ],
    "accepted_forms": [
        "CREATE TABLE t (a INTEGER, b TEXT, g AS (a + 1))",
        "ALTER TABLE t ALTER COLUMN g TO g TEXT AS (a + 2)",
        "ALTER TABLE t ALTER COLUMN a TO a TEXT COLLATE nosuch",
        "ALTER TABLE t ALTER COLUMN a TO a TEXT;",
        "ALTER TABLE t ALTER COLUMN A TO a INT",
        "ALTER TABLE t ALTER COLUMN b TO B TEXT NOT NULL",
        "ALTER TABLE main.t ALTER COLUMN a TO a INTEGER REFERENCES nowhere(x)",
        "ALTER TABLE t ALTER COLUMN b TO b TEXT CHECK (b IN ('x','y'))",
        "INSERT INTO t (a, b) VALUES (1, 'x')",
        "INSERT INTO t (a, b) VALUES (1, 'z')",
        "SELECT a, b, g FROM t",
    ],
    "indexes_views_triggers": [
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, n INT)",
        "CREATE INDEX t_v ON t(v)",
        "CREATE VIEW tv AS SELECT id, upper(v) AS uv FROM t",
        "CREATE TABLE log (msg TEXT)",
        "CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('ins ' || NEW.v); END",
        "INSERT INTO t (v, n) VALUES ('a', 1), ('b', 2)",
        "ALTER TABLE t ALTER COLUMN v TO v TEXT NOT NULL DEFAULT 'zz'",
        "ALTER TABLE t ALTER COLUMN n TO n INT CHECK (n < 100)",
        "INSERT INTO t (n) VALUES (3)",
        "INSERT INTO t (v, n) VALUES ('c', 500)",
        "SELECT * FROM tv ORDER BY id",
        "SELECT * FROM log ORDER BY rowid",
        "SELECT v FROM t WHERE v = 'zz'",
        "PRAGMA integrity_check",
    ],
    "transactions": [
        "CREATE TABLE t (a INTEGER, b TEXT)",
        "BEGIN",
        "ALTER TABLE t ALTER COLUMN b TO b TEXT NOT NULL",
        "ROLLBACK",
        "SELECT sql FROM sqlite_schema",
        "BEGIN",
        "ALTER TABLE t ALTER COLUMN b TO b TEXT DEFAULT 'd'",
        "INSERT INTO t (a) VALUES (1)",
        "COMMIT",
        # Explicit columns: a `SELECT *` text cached by a pooled connection from an
        # earlier scenario's table t would report that table's width (see the report).
        "SELECT a, b FROM t",
    ],
    "begin_readonly": [
        "CREATE TABLE t (a)",
        "INSERT INTO t VALUES (1)",
        "BEGIN READONLY",
        "SELECT * FROM t",
        "COMMIT",
        "BEGIN TRANSACTION READONLY",
        "SELECT count(*) FROM t",
        "COMMIT",
        "BEGIN READONLY TRANSACTION",
        "SELECT * FROM t ORDER BY a",
        "COMMIT",
        "BEGIN DEFERRED READONLY",
    ],
    "random_rowid_errors": [
        "CREATE TABLE r2 (a INTEGER PRIMARY KEY AUTOINCREMENT) RANDOM ROWID",
        "CREATE TABLE r3 (a) RANDOM FOO",
        "CREATE TABLE r3 (a) FOO",
        "CREATE TABLE r5 (a) STRICT, RANDOM ROWID",
        "CREATE TABLE r6 (a INT) STRICT, RANDOM ROWID",
        "CREATE TABLE r7 (a) random  rowid",
    ],
    "stock_alter": [
        "CREATE TABLE p (id INTEGER PRIMARY KEY, u UNIQUE, x, y, z)",
        "CREATE INDEX px ON p(x)",
        "CREATE VIEW pv AS SELECT y FROM p",
        "INSERT INTO p VALUES (1, 'u', 'x', 'y', 'z')",
        "ALTER TABLE p ADD COLUMN q NOT NULL",
        "ALTER TABLE p ADD COLUMN q NOT NULL DEFAULT 'd'",
        "ALTER TABLE p DROP COLUMN x",
        "ALTER TABLE p DROP COLUMN u",
        "ALTER TABLE p DROP COLUMN z",
        "ALTER TABLE p RENAME COLUMN y TO yy",
        "ALTER TABLE p RENAME TO parent",
        "SELECT * FROM pv",
        "SELECT * FROM parent",
    ],
}


@pytest.mark.parametrize("name", sorted(SAME))
def test_same_as_libsql(basalt, name):
    run_both(basalt, SAME[name])


# --- RANDOM ROWID: the rowids differ by design; their properties must not ---------


def test_random_rowid(basalt):
    statements = [
        "CREATE TABLE r (a TEXT) RANDOM ROWID",
        "INSERT INTO r VALUES ('x'), ('y')",
        "INSERT INTO r SELECT a || '2' FROM r",
        "INSERT INTO r (rowid, a) VALUES (1, 'one')",
        "CREATE TABLE k (id INTEGER PRIMARY KEY, v) RANDOM ROWID",
        "INSERT INTO k (id, v) VALUES (NULL, 1), (5, 2)",
        "INSERT INTO k (v) VALUES (3)",
    ]
    lib = run_both(basalt, statements)
    for db in (lib, basalt):
        rows = dict((a, rowid) for rowid, a in db.execute("SELECT rowid, a FROM r"))
        assert rows["one"] == 1
        for a in ("x", "y", "x2", "y2"):
            assert 1_000_000 < rows[a] < 2**63, (db, a, rows[a])
        ids = [i for (i,) in db.execute("SELECT id FROM k ORDER BY v")]
        assert ids[1] == 5 and ids[0] > 1_000_000 and ids[2] > 1_000_000


# --- Where libSQL is wrong: Basalt's documented behaviour --------------------------


@pytest.mark.parametrize(
    "column, new",
    [
        ("c", "c DECIMAL(12,2) NOT NULL DEFAULT 0"),
        ("k", "k INT CHECK (k IN (1,2,3))"),
        ("s", "s TEXT DEFAULT 'p,q'"),
    ],
)
def test_improves_commas_in_definitions(basalt, column, new):
    create = "CREATE TABLE m (c DECIMAL(10,2), k INT CHECK (k IN (1,2)), s TEXT DEFAULT 'x,y')"
    lib = Libsql()
    lib.execute(create)
    basalt.execute(create)
    # libSQL cuts the old definition at its first comma and fails with broken SQL.
    with pytest.raises(StmtError):
        lib.execute(f"ALTER TABLE m ALTER COLUMN {column} TO {new}")
    basalt.execute(f"ALTER TABLE m ALTER COLUMN {column} TO {new}")
    old = {
        "c": "c DECIMAL(10,2)",
        "k": "k INT CHECK (k IN (1,2))",
        "s": "s TEXT DEFAULT 'x,y'",
    }[column]
    [(sql,)] = basalt.execute("SELECT sql FROM sqlite_schema WHERE name = 'm'")
    assert sql == create.replace(old, new)
    assert basalt.execute("PRAGMA integrity_check") == [("ok",)]


@pytest.mark.parametrize(
    "options", ["WITHOUT ROWID, RANDOM ROWID", "RANDOM ROWID, WITHOUT ROWID"]
)
def test_improves_random_rowid_without_rowid(basalt, options):
    sql = f"CREATE TABLE w (a PRIMARY KEY) {options}"
    lib = Libsql()
    lib.execute(sql)  # libSQL silently makes a plain WITHOUT ROWID table
    with pytest.raises(StmtError, match="RANDOM ROWID cannot be combined with WITHOUT ROWID"):
        basalt.execute(sql)
    assert basalt.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'w'") == [(0,)]


def test_improves_check_existing(basalt):
    basalt.execute("CREATE TABLE t (a INTEGER, b TEXT)")
    basalt.execute("INSERT INTO t VALUES (1, 'x'), (7, NULL)")
    with pytest.raises(StmtError, match=r"NOT NULL constraint failed: t\.b \(existing row: rowid 2\)"):
        basalt.execute("ALTER TABLE t ALTER COLUMN b TO b TEXT NOT NULL CHECK EXISTING")
    assert basalt.execute("SELECT sql FROM sqlite_schema WHERE name = 't'") == [
        ("CREATE TABLE t (a INTEGER, b TEXT)",)
    ]
    # libSQL has no such form: it is a syntax error there.
    lib = Libsql()
    lib.execute("CREATE TABLE t (a INTEGER, b TEXT)")
    with pytest.raises(StmtError, match="syntax error"):
        lib.execute("ALTER TABLE t ALTER COLUMN b TO b TEXT NOT NULL CHECK EXISTING")


def test_improves_begin_readonly_is_enforced(basalt):
    # libSQL accepts writes inside a READONLY transaction; Basalt refuses them.
    statements = ["CREATE TABLE t (a)", "BEGIN READONLY", "INSERT INTO t VALUES (2)"]
    lib = Libsql()
    for sql in statements:
        lib.execute(sql)
    basalt.execute(statements[0])
    basalt.execute(statements[1])
    with pytest.raises(StmtError, match="attempt to write a readonly database"):
        basalt.execute(statements[2])
    basalt.execute("ROLLBACK")
    basalt.execute("INSERT INTO t VALUES (3)")
    assert basalt.execute("SELECT a FROM t") == [(3,)]
