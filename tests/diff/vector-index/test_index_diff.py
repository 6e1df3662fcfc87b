"""Differential tests: libSQL's vector index on embedded libSQL vs. Basalt's server.

Each scenario is a list of statements run on a fresh libSQL database (the `libsql`
PyPI package) and on a Basalt server (BASALT_URL, one Hrana stream, after dropping every
table). Both must succeed with equal results or fail with the same SQLite message.
The cases are small enough that an approximate search is exact, so top-k results must
match row for row. Afterwards the schemas must match (Basalt's maintenance triggers
aside, docs/VECTOR.md) and so must the index metadata rows.

Where libSQL is known to be wrong (LIBSQL-SURFACE.md §13.1) the test asserts Basalt's
documented behaviour instead.
"""

import os
import random
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
    """sqlite_schema without Basalt's own triggers, plus the vector index metadata."""
    rows = db.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_schema "
        "WHERE name NOT LIKE 'sqlite_%' AND NOT (type = 'trigger' AND name LIKE '%basalt%') "
        "ORDER BY name"
    )
    has_meta = any(r[1] == "libsql_vector_meta_shadow" for r in rows)
    meta = db.execute("SELECT name, hex(metadata) FROM libsql_vector_meta_shadow ORDER BY name") if has_meta else []
    return rows, meta


def run_both(basalt, statements):
    lib = Libsql()
    for i, sql in enumerate(statements):
        a = outcome(lib, sql)
        b = outcome(basalt, sql)
        assert b == a, f"statement {i}: {sql}\n libSQL: {a}\n Basalt: {b}"
    assert schema(basalt) == schema(lib)


TABLE = "CREATE TABLE v (id INTEGER PRIMARY KEY, emb F32_BLOB(3), tag TEXT)"
ROWS = (
    "INSERT INTO v VALUES (1, vector32('[1,0,0]'), 'a'), (2, vector32('[0,1,0]'), 'b'), "
    "(3, vector32('[0,0,1]'), 'c'), (4, vector32('[1,1,0]'), 'd'), (5, NULL, 'e')"
)

SAME = {
    "create_insert_search": [
        TABLE,
        "CREATE INDEX vi ON v (libsql_vector_idx(emb))",
        "CREATE INDEX IF NOT EXISTS vi ON v (libsql_vector_idx(emb))",
        "CREATE INDEX vi ON v (libsql_vector_idx(emb))",
        ROWS,
        "SELECT id FROM vector_top_k('vi', vector32('[1,0.1,0]'), 3)",
        "SELECT id FROM vector_top_k('vi', '[1,0.1,0]', 10)",
        "SELECT id FROM vector_top_k('main.vi', vector32('[1,0.1,0]'), 2)",
        "SELECT * FROM vector_top_k('vi', vector32('[0,0.9,0.1]'), 2)",
        "SELECT id FROM vector_top_k('vi', vector32('[1,0.1,0]'), 2.0)",
        "SELECT v.tag FROM vector_top_k('vi', vector32('[0,0.9,0.1]'), 2) AS k JOIN v ON v.rowid = k.id",
        "SELECT count(*) FROM v",
    ],
    "backfill_on_create": [
        TABLE,
        ROWS,
        "CREATE INDEX vi ON v (libsql_vector_idx(emb))",
        "SELECT id FROM vector_top_k('vi', vector32('[0,0.2,1]'), 5)",
    ],
    "insert_errors_leave_table_unchanged": [
        TABLE,
        "CREATE INDEX vi ON v (libsql_vector_idx(emb))",
        ROWS,
        "INSERT INTO v VALUES (6, vector32('[1,2]'), 'x')",
        "INSERT INTO v VALUES (7, vector64('[1,2,3]'), 'x')",
        "INSERT INTO v VALUES (8, 'abc', 'x')",
        "INSERT INTO v VALUES (9, 42, 'x')",
        "UPDATE v SET emb = vector32('[1,2]') WHERE id = 1",
        "SELECT id FROM v ORDER BY id",
        "SELECT id FROM vector_top_k('vi', vector32('[1,0.2,0.1]'), 10)",
    ],
    "search_errors": [
        TABLE,
        "CREATE INDEX vi ON v (libsql_vector_idx(emb))",
        ROWS,
        "SELECT id FROM vector_top_k('vi', vector32('[1,0.1]'), 2)",
        "SELECT id FROM vector_top_k('vi', vector64('[1,0.1,0]'), 2)",
        "SELECT id FROM vector_top_k('vi', vector32('[1,0.1,0]'), -1)",
        "SELECT id FROM vector_top_k('vi', vector32('[1,0.1,0]'), 2.5)",
        "SELECT id FROM vector_top_k('vi', vector32('[1,0.1,0]'), 'x')",
        "SELECT id FROM vector_top_k('vi', vector32('[1,0.1,0]'))",
        "SELECT id FROM vector_top_k(1, vector32('[1,0.1,0]'), 2)",
    ],
    "update_other_column_and_delete": [
        TABLE,
        "CREATE INDEX vi ON v (libsql_vector_idx(emb))",
        ROWS,
        "UPDATE v SET tag = 'zz' WHERE id = 2",
        "SELECT id FROM vector_top_k('vi', vector32('[0.1,1,0]'), 2)",
        "DELETE FROM v WHERE id = 2",
        "SELECT id FROM vector_top_k('vi', vector32('[0.1,1,0]'), 2)",
    ],
    "options_reindex_drop": [
        TABLE,
        ROWS,
        "CREATE INDEX vi ON v (libsql_vector_idx(emb))",
        "CREATE INDEX ok2 ON v (libsql_vector_idx(emb, 'metric=l2', 'compress_neighbors=float8', "
        "'max_neighbors=8', 'alpha=1.1', 'search_l=50', 'insert_l=30'))",
        "SELECT id FROM vector_top_k('ok2', vector32('[0.1,1,0]'), 3)",
        "REINDEX ok2",
        "SELECT id FROM vector_top_k('ok2', vector32('[0.1,1,0]'), 3)",
        "CREATE INDEX c1 ON v (libsql_vector_idx(emb, 'compress_neighbors=float1bit'))",
        "CREATE INDEX c16 ON v (libsql_vector_idx(emb, 'METRIC=cosine', 'compress_neighbors=float16'))",
        "CREATE INDEX cb16 ON v (libsql_vector_idx(emb, 'compress_neighbors=floatb16', 'type=diskann'))",
        "SELECT id FROM vector_top_k('c16', vector32('[0.1,1,0]'), 3)",
        "DROP INDEX ok2",
        "DROP INDEX c1",
        "SELECT name FROM libsql_vector_meta_shadow ORDER BY name",
    ],
    "ddl_errors": [
        TABLE,
        "CREATE INDEX good ON v (libsql_vector_idx(emb))",
        "CREATE INDEX bad1 ON v (libsql_vector_idx(emb, 'metric=foo'))",
        "CREATE INDEX bad2 ON v (libsql_vector_idx(emb, 'foo=bar'))",
        "CREATE INDEX bad3 ON v (libsql_vector_idx(emb, 'metric'))",
        "CREATE INDEX bad4 ON v (libsql_vector_idx(emb, 'max_neighbors=-1'))",
        "CREATE INDEX bad5 ON v (libsql_vector_idx(emb, 'metric=l2', 'compress_neighbors=float1bit'))",
        "CREATE INDEX bad6 ON v (libsql_vector_idx(tag))",
        "CREATE INDEX bad7 ON v (libsql_vector_idx(emb, 3))",
        "CREATE INDEX bad8 ON v (libsql_vector_idx(emb), tag)",
        "CREATE TABLE z (emb F32_BLOB(0))",
        "CREATE INDEX zi ON z (libsql_vector_idx(emb))",
        "CREATE TABLE y (emb BLOB)",
        "CREATE INDEX yi ON y (libsql_vector_idx(emb))",
        "SELECT name FROM sqlite_schema WHERE type <> 'trigger' ORDER BY name",
    ],
    "f64_l2": [
        "CREATE TABLE v64 (emb F64_BLOB(2))",
        "CREATE INDEX v64_idx ON v64 (libsql_vector_idx(emb, 'metric=l2'))",
        "INSERT INTO v64 VALUES (vector64('[1.5, 2.5]')), (vector64('[0, 0]')), (vector64('[10, -3]'))",
        "SELECT id FROM vector_top_k('v64_idx', vector64('[1, 2]'), 3)",
    ],
    "without_rowid": [
        "CREATE TABLE w (a TEXT PRIMARY KEY, emb F32_BLOB(2)) WITHOUT ROWID",
        "CREATE INDEX wi ON w (libsql_vector_idx(emb))",
        "INSERT INTO w VALUES ('k1', vector32('[1,0]')), ('k2', vector32('[0,1]'))",
        "SELECT id FROM vector_top_k('wi', vector32('[1,0.1]'), 2)",
    ],
    "drop_table": [
        TABLE,
        "CREATE INDEX vi ON v (libsql_vector_idx(emb))",
        ROWS,
        "CREATE TABLE keep (emb F32_BLOB(2))",
        "CREATE INDEX ki ON keep (libsql_vector_idx(emb))",
        "DROP TABLE v",
        "SELECT name FROM libsql_vector_meta_shadow",
    ],
    "transaction_rollback": [
        TABLE,
        "CREATE INDEX vi ON v (libsql_vector_idx(emb))",
        ROWS,
        "BEGIN",
        "INSERT INTO v VALUES (10, vector32('[1,0.01,0]'), 'tx')",
        "DELETE FROM v WHERE id = 1",
        "ROLLBACK",
        "SELECT id FROM vector_top_k('vi', vector32('[1,0,0]'), 2)",
    ],
}


@pytest.mark.parametrize("name", sorted(SAME))
def test_same_as_libsql(basalt, name):
    run_both(basalt, SAME[name])


def test_seeded_exact_top_k(basalt):
    """200 clustered 8-dim vectors: with libSQL's default search_l (200) the search
    visits every node, so both must return the exact top 10 — checked against brute
    force on each side."""
    rng = random.Random(7)
    centres = [[rng.uniform(-1, 1) for _ in range(8)] for _ in range(5)]
    rows = []
    for i in range(200):
        c = centres[i % 5 if i < 150 else 0]
        rows.append(f"({i + 1}, vector32('[{','.join(f'{x + rng.gauss(0, 0.1):.5f}' for x in c)}]'))")
    setup = [
        "CREATE TABLE p (id INTEGER PRIMARY KEY, emb F32_BLOB(8))",
        "CREATE INDEX pi ON p (libsql_vector_idx(emb))",
        "INSERT INTO p VALUES " + ", ".join(rows),
    ]
    lib = Libsql()
    for sql in setup:
        assert outcome(basalt, sql) == outcome(lib, sql) == ("ok", [])
    for q in range(5):
        query = "[" + ",".join(f"{rng.uniform(-1, 1):.4f}" for _ in range(8)) + "]"
        exact = f"SELECT id FROM p ORDER BY vector_distance_cos(emb, vector32('{query}')), id LIMIT 10"
        ann = f"SELECT id FROM vector_top_k('pi', vector32('{query}'), 10)"
        want = basalt.execute(exact)
        assert want == lib.execute(exact)
        assert basalt.execute(ann) == want, f"query {q}"
        assert sorted(lib.execute(ann)) == sorted(want), f"libSQL query {q}"


# --- Where libSQL is wrong (LIBSQL-SURFACE.md §13.1) ---------------------------------


def test_improves_missing_index_is_named(basalt):
    sql = "SELECT id FROM vector_top_k('nope', vector32('[1,0,0]'), 2)"
    # libSQL: "vector index(search): failed to parse vector index parameters".
    with pytest.raises(StmtError, match="nope"):
        basalt.execute(sql)


def test_improves_k_zero_returns_nothing(basalt):
    # libSQL corrupts its heap on k = 0.
    for sql in (TABLE, "CREATE INDEX vi ON v (libsql_vector_idx(emb))", ROWS):
        basalt.execute(sql)
    assert basalt.execute("SELECT id FROM vector_top_k('vi', vector32('[1,0,0]'), 0)") == []


def test_improves_no_argument_marker_is_an_error(basalt):
    # libSQL segfaults.
    basalt.execute(TABLE)
    with pytest.raises(StmtError):
        basalt.execute("CREATE INDEX vi ON v (libsql_vector_idx())")


def test_improves_delete_all_empties_the_index(basalt):
    for sql in (TABLE, "CREATE INDEX vi ON v (libsql_vector_idx(emb))", ROWS):
        basalt.execute(sql)
    basalt.execute("DELETE FROM v")
    assert basalt.execute("SELECT id FROM vector_top_k('vi', vector32('[1,0,0]'), 10)") == []
    basalt.execute("INSERT INTO v VALUES (1, vector32('[1,0,0]'), 'again')")
    assert basalt.execute("SELECT id FROM vector_top_k('vi', vector32('[1,0,0]'), 10)") == [(1,)]


def test_improves_duplicates_survive_deletes(basalt):
    basalt.execute(TABLE)
    basalt.execute("CREATE INDEX vi ON v (libsql_vector_idx(emb))")
    values = ", ".join(f"({i}, vector32('[1,2,3]'), 'dup')" for i in range(1, 21))
    basalt.execute(f"INSERT INTO v VALUES {values}")
    basalt.execute("DELETE FROM v WHERE id % 5 <> 0")
    got = basalt.execute("SELECT id FROM vector_top_k('vi', vector32('[1,2,3]'), 30)")
    assert sorted(got) == [(5,), (10,), (15,), (20,)]


def test_improves_many_deletes_keep_survivors_reachable(basalt):
    rng = random.Random(11)
    basalt.execute("CREATE TABLE v (id INTEGER PRIMARY KEY, emb F32_BLOB(4))")
    basalt.execute("CREATE INDEX vi ON v (libsql_vector_idx(emb))")
    values = ", ".join(
        f"({i}, vector32('[{','.join(f'{rng.uniform(-1, 1):.4f}' for _ in range(4))}]'))" for i in range(1, 201)
    )
    basalt.execute(f"INSERT INTO v VALUES {values}")
    basalt.execute("DELETE FROM v WHERE id % 10 <> 0")
    got = basalt.execute("SELECT id FROM vector_top_k('vi', vector32('[0.1,0.2,0.3,0.4]'), 50)")
    assert sorted(got) == [(i,) for i in range(10, 201, 10)]


def test_improves_failed_create_leaves_nothing(basalt):
    basalt.execute(TABLE)
    basalt.execute("INSERT INTO v VALUES (1, vector32('[1,0,0]'), 'a'), (2, vector32('[1,2]'), 'short')")
    with pytest.raises(StmtError, match=re.escape("dimensions are different: 2 != 3")):
        basalt.execute("CREATE INDEX vi ON v (libsql_vector_idx(emb))")
    names = basalt.execute("SELECT name FROM sqlite_schema WHERE name LIKE 'vi%'")
    assert names == []
    basalt.execute("DELETE FROM v WHERE id = 2")
    basalt.execute("CREATE INDEX vi ON v (libsql_vector_idx(emb))")
    assert basalt.execute("SELECT id FROM vector_top_k('vi', vector32('[1,0,0]'), 5)") == [(1,)]


def test_improves_search_sees_own_uncommitted_writes(basalt):
    # libSQL's vector_top_k inside a transaction misses rows the transaction inserted.
    for sql in (TABLE, "CREATE INDEX vi ON v (libsql_vector_idx(emb))", ROWS, "BEGIN"):
        basalt.execute(sql)
    basalt.execute("INSERT INTO v VALUES (10, vector32('[1,0.01,0]'), 'tx')")
    basalt.execute("DELETE FROM v WHERE id = 1")
    assert basalt.execute("SELECT id FROM vector_top_k('vi', vector32('[1,0,0]'), 2)") == [(10,), (4,)]
    basalt.execute("ROLLBACK")
    assert basalt.execute("SELECT id FROM vector_top_k('vi', vector32('[1,0,0]'), 2)") == [(1,), (4,)]


def test_improves_vector_updates_reach_the_index(basalt):
    # libSQL 0.1.11 keeps searching the old vector after an UPDATE of it, and after
    # setting another row's vector to NULL it lost a live row (returned [3] below).
    for sql in (TABLE, "CREATE INDEX vi ON v (libsql_vector_idx(emb))", ROWS):
        basalt.execute(sql)
    top = "SELECT id FROM vector_top_k('vi', vector32('{}'), {})"
    basalt.execute("UPDATE v SET emb = vector32('[0,1,0.05]') WHERE id = 1")
    assert basalt.execute(top.format("[0,1,0]", 2)) == [(2,), (1,)]
    basalt.execute("DELETE FROM v WHERE id = 2")
    basalt.execute("UPDATE v SET emb = NULL WHERE id = 1")
    assert basalt.execute(top.format("[0,1,0]", 10)) == [(4,), (3,)]
    basalt.execute("UPDATE v SET emb = vector32('[0,0.1,2]') WHERE id = 5")
    assert basalt.execute(top.format("[0,0,1]", 10)) == [(3,), (5,), (4,)]
    basalt.execute("UPDATE v SET id = 50 WHERE id = 5")
    assert basalt.execute(top.format("[0,0.1,2]", 1)) == [(50,)]
    assert basalt.execute("SELECT basalt_vector_index_check('vi')") == [("ok",)]
