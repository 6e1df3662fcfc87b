"""The `libsql` PyPI package's embedded replica against a real Basalt server.

``libsql.connect(path, sync_url=URL)`` plus ``conn.sync()``: initial sync, local reads,
forwarded writes with read-your-writes, DB-API transactions, reopening, sync_interval,
schema changes, a multi-MB sync (LIBSQL-SURFACE.md §8).
"""

from __future__ import annotations

import time

import pytest

from conftest import count, sync


def test_initial_sync_pulls_rows_written_on_the_primary(primary, replica, table):
    t = table("init")
    primary.execute(f"CREATE TABLE {t}(id INTEGER PRIMARY KEY, v TEXT, b BLOB, f REAL, n)")
    primary.transaction(
        [
            (f"INSERT INTO {t} VALUES (?, ?, ?, ?, ?)",
             [i, f"row {i} ✓", bytes([i, i, 255 - i]), i / 4, None if i % 3 == 0 else i * 1000000007])
            for i in range(100)
        ]
    )
    conn = replica()
    sync(conn, "initial sync")
    q = f"SELECT id, v, b, f, n FROM {t} ORDER BY id"
    local = conn.execute(q).fetchall()
    assert len(local) == 100, "rows in the replica after the initial sync"
    assert local == primary.query(q), "replica content differs from the primary"
    assert conn.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_reads_are_local_until_the_next_sync(primary, replica, table):
    t = table("local")
    primary.execute(f"CREATE TABLE {t}(id INTEGER PRIMARY KEY)")
    primary.execute(f"INSERT INTO {t} VALUES (1), (2)")
    conn = replica()
    sync(conn, "first sync")
    assert count(conn, t) == 2
    primary.execute(f"INSERT INTO {t} VALUES (3)")
    assert count(conn, t) == 2, "a local read saw a primary write without a sync"
    sync(conn, "second sync")
    assert count(conn, t) == 3, "the second sync did not bring the new row"
    sync(conn, "idle sync")
    assert count(conn, t) == 3


def test_autocommit_writes_are_forwarded_and_read_your_writes(primary, replica, table):
    t = table("fwd")
    conn = replica(isolation_level=None)  # autocommit: every statement on its own
    sync(conn, "first sync")
    conn.execute(f"CREATE TABLE {t}(id INTEGER PRIMARY KEY, v TEXT)")
    cur = conn.execute(f"INSERT INTO {t}(v) VALUES (?), (?)", ("a", "b"))
    assert cur.rowcount == 2, "rowcount of a forwarded INSERT"
    assert conn.execute(f"SELECT id, v FROM {t} ORDER BY id").fetchall() == [(1, "a"), (2, "b")], \
        "replica content right after its own write (read-your-writes)"
    assert primary.query(f"SELECT id, v FROM {t} ORDER BY id") == [(1, "a"), (2, "b")], \
        "the forwarded rows on the primary"
    conn.execute(f"UPDATE {t} SET v = 'A' WHERE id = 1")
    conn.execute(f"DELETE FROM {t} WHERE id = 2")
    assert conn.execute(f"SELECT id, v FROM {t}").fetchall() == [(1, "A")]
    with pytest.raises(Exception) as exc:
        conn.execute(f"INSERT INTO {t}(id, v) VALUES (1, 'dup')")
    assert "unique" in str(exc.value).lower(), f"error for a forwarded UNIQUE violation: {exc.value!r}"
    conn.execute(f"INSERT INTO {t}(v) VALUES ('c')")
    assert count(conn, t) == 2
    assert primary.scalar(f"SELECT count(*) FROM {t}") == 2


def test_dbapi_transaction_commit_and_rollback(primary, replica, table):
    # The default isolation level: DML opens a transaction implicitly, commit() ends it.
    t = table("tx")
    primary.execute(f"CREATE TABLE {t}(id INTEGER PRIMARY KEY, v TEXT)")
    conn = replica()
    sync(conn, "first sync")
    conn.execute(f"INSERT INTO {t} VALUES (1, 'one')")
    conn.executemany(f"INSERT INTO {t} VALUES (?, ?)", [(2, "two"), (3, "three")])
    assert conn.in_transaction, "DML did not open a transaction"
    # Inside the transaction reads run on the primary's connection and see its rows.
    assert count(conn, t) == 3, "a read inside the transaction does not see its writes"
    assert primary.scalar(f"SELECT count(*) FROM {t}") == 0, "uncommitted rows visible on the primary"
    conn.commit()
    assert not conn.in_transaction
    assert primary.scalar(f"SELECT count(*) FROM {t}") == 3, "committed rows missing on the primary"
    assert count(conn, t) == 3, "committed rows missing in the replica (read-your-writes)"

    conn.execute(f"INSERT INTO {t} VALUES (4, 'four')")
    conn.rollback()
    assert primary.scalar(f"SELECT count(*) FROM {t}") == 3, "a rolled back row reached the primary"
    sync(conn, "after rollback")
    assert count(conn, t) == 3, "a rolled back row reached the replica"


def test_executescript_with_explicit_transaction(primary, replica, table):
    t = table("script")
    conn = replica(isolation_level=None)
    sync(conn, "first sync")
    conn.executescript(
        f"CREATE TABLE {t}(id INTEGER PRIMARY KEY, v TEXT);"
        f"BEGIN; INSERT INTO {t} VALUES (1, 'x'); INSERT INTO {t} VALUES (2, 'y'); COMMIT;"
    )
    assert primary.query(f"SELECT * FROM {t} ORDER BY id") == [(1, "x"), (2, "y")]
    sync(conn, "after executescript")
    assert conn.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() == [(1, "x"), (2, "y")]
    # A failing statement inside an explicit transaction, then ROLLBACK: nothing lands.
    conn.execute("BEGIN")
    conn.execute(f"INSERT INTO {t} VALUES (3, 'z')")
    with pytest.raises(Exception):
        conn.execute(f"INSERT INTO {t} VALUES (1, 'dup')")
    conn.execute("ROLLBACK")
    assert primary.scalar(f"SELECT count(*) FROM {t}") == 2
    sync(conn, "after rollback")
    assert count(conn, t) == 2


def test_reopening_the_replica_resumes(primary, replica, table, tmp_path):
    t = table("reopen")
    primary.execute(f"CREATE TABLE {t}(id INTEGER PRIMARY KEY, v TEXT)")
    primary.transaction([(f"INSERT INTO {t} VALUES (?, ?)", [i, f"v{i}"]) for i in range(50)])
    c1 = replica()
    sync(c1, "first sync")
    assert count(c1, t) == 50
    c1.close()
    assert (tmp_path / "local.db-client_wal_index").exists(), "no local.db-client_wal_index next to the replica"
    primary.execute(f"INSERT INTO {t} VALUES (100, 'later')")
    c2 = replica()
    assert count(c2, t) == 50, "rows present after reopening, before a sync"
    sync(c2, "sync after reopening")
    assert count(c2, t) == 51
    q = f"SELECT * FROM {t} ORDER BY id"
    assert c2.execute(q).fetchall() == primary.query(q)


def test_sync_interval_pulls_periodically(primary, replica, table):
    t = table("interval")
    primary.execute(f"CREATE TABLE {t}(id INTEGER PRIMARY KEY)")
    conn = replica(sync_interval=0.5)
    sync(conn, "first sync")
    primary.execute(f"INSERT INTO {t} VALUES (1), (2), (3)")
    deadline = time.monotonic() + 20
    while (n := count(conn, t)) != 3:
        assert time.monotonic() < deadline, f"sync_interval=0.5: after 20 s the replica has {n} of 3 rows"
        time.sleep(0.1)


def test_schema_changes_replicate(primary, replica, table):
    t = table("schema")
    conn = replica()
    sync(conn, "first sync")
    primary.execute(f"CREATE TABLE {t}(a INTEGER)")
    primary.execute(f"INSERT INTO {t} VALUES (1)")
    sync(conn, "after CREATE TABLE")
    assert count(conn, t) == 1
    primary.execute(f"ALTER TABLE {t} ADD COLUMN b TEXT DEFAULT 'dflt'")
    primary.execute(f"CREATE INDEX {t}_a ON {t}(a)")
    primary.execute(f"CREATE VIEW {t}_v AS SELECT a, b FROM {t}")
    sync(conn, "after ALTER TABLE")
    assert conn.execute(f"SELECT a, b FROM {t}_v").fetchall() == [(1, "dflt")]
    q = f"SELECT type, name, sql FROM sqlite_schema WHERE tbl_name LIKE '{t}%' ORDER BY name"
    assert conn.execute(q).fetchall() == primary.query(q), "schema differs"
    primary.execute(f"DROP VIEW {t}_v")
    primary.execute(f"DROP TABLE {t}")
    sync(conn, "after DROP TABLE")
    assert conn.execute(q).fetchall() == [], "dropped objects still in the replica"


def test_large_sync_converges(primary, replica, table):
    t = table("large")
    primary.execute(f"CREATE TABLE {t}(id INTEGER PRIMARY KEY, v TEXT, b BLOB)")
    for chunk in range(10):
        lo = chunk * 500
        primary.execute(
            f"WITH RECURSIVE n(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM n WHERE i < {lo + 499}) "
            f"INSERT INTO {t} SELECT i, printf('%d-%s', i, hex(randomblob(400))), randomblob(500) FROM n"
        )
    conn = replica()
    started = time.monotonic()
    sync(conn, "large sync")
    elapsed = time.monotonic() - started
    assert count(conn, t) == 5000, "rows after the large sync"
    q = f"SELECT id, v, hex(b) FROM {t} ORDER BY id"
    local, remote = conn.execute(q).fetchall(), primary.query(q)
    assert local == remote, "replica content differs from the primary after the large sync"
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    print(f"large sync: {elapsed:.2f} s")


def test_two_replicas_see_each_others_writes(replica, table):
    t = table("two")
    a = replica("a.db", isolation_level=None)
    b = replica("b.db", isolation_level=None)
    a.execute(f"CREATE TABLE {t}(id INTEGER PRIMARY KEY, who TEXT)")
    a.execute(f"INSERT INTO {t} VALUES (1, 'a')")
    sync(b, "b after a's write")
    b.execute(f"INSERT INTO {t} VALUES (2, 'b')")
    sync(a, "a after b's write")
    q = f"SELECT * FROM {t} ORDER BY id"
    assert a.execute(q).fetchall() == [(1, "a"), (2, "b")]
    assert b.execute(q).fetchall() == [(1, "a"), (2, "b")]


def test_values_and_returning_through_the_replica(primary, replica, table):
    t = table("vals")
    conn = replica(isolation_level=None)
    sync(conn, "first sync")
    conn.execute(f"CREATE TABLE {t}(id INTEGER PRIMARY KEY, i, f, s, b, n)")
    # libsql 0.1.8 binds a Python int outside i32 as REAL (even on a local file: a client
    # quirk), so the 64-bit extremes travel as SQL literals and small ints as parameters.
    cur = conn.execute(f"INSERT INTO {t} VALUES (?, -9223372036854775808, ?, ?, ?, ?)",
                       (10, -0.5, "héllo ✓", b"\x00\x01\xff\x00", None))
    assert cur.lastrowid == 10, f"lastrowid of a forwarded INSERT: {cur.lastrowid}"
    conn.execute(f"INSERT INTO {t} VALUES (?, 9223372036854775807, ?, ?, ?, ?)", (11, 1e300, "", b"", 7))
    q = f"SELECT id, i, f, s, b, n, typeof(b) FROM {t} ORDER BY id"
    expected = [
        (10, -(2 ** 63), -0.5, "héllo ✓", b"\x00\x01\xff\x00", None, "blob"),
        (11, 2 ** 63 - 1, 1e300, "", b"", 7, "blob"),
    ]
    assert primary.query(q) == expected, "values written through the replica, read on the primary"
    assert conn.execute(q).fetchall() == expected, "values read back locally"
    ret = conn.execute(f"INSERT INTO {t}(id, i, s) VALUES (12, 9223372036854775807, 'r') RETURNING id, i, s").fetchall()
    assert ret == [(12, 2 ** 63 - 1, "r")], "RETURNING rows of a forwarded INSERT"
    assert primary.scalar(f"SELECT count(*) FROM {t}") == 3


def test_one_transaction_larger_than_a_batch(primary, replica, table):
    # ~3,000 frames in one commit: BatchLogEntries returns at most 1024 (§8.4, §8.7).
    t = table("bigtx")
    conn = replica()
    sync(conn, "first sync")
    primary.transaction([
        f"CREATE TABLE {t}(id INTEGER PRIMARY KEY, b BLOB)",
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
        f"INSERT INTO {t} SELECT i, randomblob(3000) FROM n",
    ])
    sync(conn, "sync of one big transaction")
    q = f"SELECT id, hex(b) FROM {t} ORDER BY id"
    assert conn.execute(q).fetchall() == primary.query(q), "replica differs after one big transaction"
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_drop_table_replicates_page_and_freelist_counts(primary, replica, table):
    t = table("drop")
    primary.execute(f"CREATE TABLE {t}(id INTEGER PRIMARY KEY, b BLOB)")
    primary.execute(f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
                    f"INSERT INTO {t} SELECT i, randomblob(2000) FROM n")
    conn = replica()
    sync(conn, "first sync")
    primary.execute(f"DROP TABLE {t}")
    sync(conn, "after DROP TABLE")
    for pragma in ("PRAGMA page_count", "PRAGMA freelist_count"):
        assert conn.execute(pragma).fetchall() == primary.query(pragma), pragma
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
