"""`libsql-client` (the deprecated official Python client) against Basalt.

See conftest.py for how each test runs over http/ws with the sync and the
asyncio client.
"""

from __future__ import annotations

import pytest
from libsql_client import LibsqlError, ResultSet, Statement

from conftest import Ctx, Target


async def _count(db, table: str) -> int:
    rs = await db.execute(f"SELECT count(*) AS n FROM {table}")
    return rs[0]["n"]


# --- execute and arguments ----------------------------------------------------


def test_positional_args(target: Target) -> None:
    async def body(ctx: Ctx) -> None:
        db = ctx.db
        rs = await db.execute("SELECT ? AS a, ? AS b, ? + ? AS c", [7, "x", 40, 2])
        assert rs.columns == ("a", "b", "c")
        assert rs[0].astuple() == (7, "x", 42)

        # numbered parameters, reused and out of order
        rs = await db.execute("SELECT ?2 AS two, ?1 AS one, ?2 || ?2 AS twice", ("p", "q"))
        assert rs[0].astuple() == ("q", "p", "qq")

        # the tuple and Statement forms of a statement
        rs = await db.execute(("SELECT ? * 2 AS d", [21]))
        assert rs[0]["d"] == 42
        rs = await db.execute(Statement("SELECT upper(?) AS u", ["abc"]))
        assert rs[0]["u"] == "ABC"

        t = ctx.table()
        await db.execute(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)")
        for i, name in enumerate(["alpha", "beta", "gamma"], start=1):
            await db.execute(f"INSERT INTO {t} (id, name, n) VALUES (?, ?, ?)", [i, name, i * 10])
        rs = await db.execute(f"SELECT name FROM {t} WHERE n > ? ORDER BY id", [15])
        assert [r[0] for r in rs] == ["beta", "gamma"]

        # a missing argument is a statement error, not a silent NULL
        with pytest.raises(LibsqlError) as ei:
            await db.execute("SELECT ?, ?", [1])
        assert ei.value.code == "ARGS_INVALID", ei.value

    target.run(body)


def test_named_args(target: Target) -> None:
    async def body(ctx: Ctx) -> None:
        db = ctx.db
        # The client sends dict keys verbatim as `name`: with and without prefix.
        rs = await db.execute("SELECT :a AS a, @b AS b, $c AS c", {"a": 1, "b": "two", "c": 3.5})
        assert rs[0].astuple() == (1, "two", 3.5)
        rs = await db.execute("SELECT :a AS a, @b AS b, $c AS c", {":a": 1, "@b": "two", "$c": 3.5})
        assert rs[0].astuple() == (1, "two", 3.5)

        # the same name used twice binds the same value
        rs = await db.execute("SELECT :v + :v AS s", {"v": 21})
        assert rs[0]["s"] == 42

        t = ctx.table()
        await db.execute(f"CREATE TABLE {t} (k TEXT PRIMARY KEY, v INTEGER)")
        await db.execute(f"INSERT INTO {t} VALUES (:k, :v)", {"k": "key1", "v": 100})
        await db.execute(f"INSERT INTO {t} VALUES (:k, :v)", {"v": 200, "k": "key2"})
        rs = await db.execute(f"SELECT k, v FROM {t} WHERE v >= :min ORDER BY k", {"min": 150})
        assert [r.astuple() for r in rs] == [("key2", 200)]

    target.run(body)


# --- result set shape -----------------------------------------------------------


def test_result_set_shape(target: Target) -> None:
    async def body(ctx: Ctx) -> None:
        db = ctx.db
        t = ctx.table()
        rs = await db.execute(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL)")
        assert isinstance(rs, ResultSet)
        assert rs.columns == ()
        assert len(rs) == 0 and rs.rows == []
        assert rs.rows_affected == 0

        rs = await db.execute(f"INSERT INTO {t} (name, score) VALUES ('ann', 1.5)")
        assert rs.rows_affected == 1
        assert rs.last_insert_rowid == 1
        assert rs.columns == ()

        rs = await db.execute(f"INSERT INTO {t} (id, name, score) VALUES (100, 'bob', 2.5)")
        assert rs.last_insert_rowid == 100
        rs = await db.execute(f"INSERT INTO {t} (name, score) VALUES ('cy', NULL), ('dee', 4.0)")
        assert rs.rows_affected == 2
        assert rs.last_insert_rowid == 102

        rs = await db.execute(f"SELECT id, name, score AS s FROM {t} ORDER BY id")
        assert rs.columns == ("id", "name", "s")
        assert len(rs) == 4
        assert rs.last_insert_rowid is None  # sqld fills it only for INSERT/REPLACE
        assert rs.rows_affected == 0
        first = rs[0]
        assert len(first) == 3
        assert (first[0], first[1], first[2]) == (1, "ann", 1.5)
        assert (first["id"], first["name"], first["s"]) == (1, "ann", 1.5)
        assert first[-1] == 1.5
        assert first[0:2] == (1, "ann")
        assert rs[2].asdict() == {"id": 101, "name": "cy", "s": None}
        assert [r["name"] for r in rs] == ["ann", "bob", "cy", "dee"]
        assert [r["id"] for r in rs[1:3]] == [100, 101]

        # expression column names are SQLite's
        rs = await db.execute(f"SELECT count(*), max(id) + 1 FROM {t}")
        assert rs.columns == ("count(*)", "max(id) + 1")
        assert rs[0].astuple() == (4, 103)

        rs = await db.execute(f"UPDATE {t} SET score = score * 2 WHERE score IS NOT NULL")
        assert rs.rows_affected == 3
        assert rs.last_insert_rowid is None
        rs = await db.execute(f"DELETE FROM {t} WHERE id >= 101")
        assert rs.rows_affected == 2
        rs = await db.execute(f"SELECT * FROM {t} WHERE id < 0")
        assert rs.columns == ("id", "name", "score")
        assert len(rs) == 0

        # RETURNING gives rows and a change count
        rs = await db.execute(f"INSERT INTO {t} (name) VALUES ('eve') RETURNING id, name")
        assert rs.columns == ("id", "name")
        assert [r.astuple() for r in rs] == [(101, "eve")]
        assert rs.rows_affected == 1

    target.run(body)


# --- value types ----------------------------------------------------------------

UNICODE = "héllo wörld ✓ 日本語 🎉 \U0010ffff \t\n\"quoted\" \\ back"
BIG = 2**63 - 1
SMALL = -(2**63)
BLOB = bytes(range(256))


def test_value_types_roundtrip(target: Target) -> None:
    async def body(ctx: Ctx) -> None:
        db = ctx.db
        t = ctx.table()
        await db.execute(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, v)")
        values = [
            None,
            0,
            1,
            -1,
            2**53 + 1,  # not representable as a double
            BIG,
            SMALL,
            1.5,
            -0.25,
            1e300,
            5e-324,
            2.0,  # a float with an integral value must stay a float
            "",
            "plain",
            UNICODE,
            "x" * 10_000,
            b"",
            b"\x00",
            b"\x00\xff",
            b"abc",  # 3 bytes: base64 without padding
            BLOB,
        ]
        for i, v in enumerate(values):
            await db.execute(f"INSERT INTO {t} (id, v) VALUES (?, ?)", [i, v])

        rs = await db.execute(f"SELECT id, v, typeof(v) AS ty FROM {t} ORDER BY id")
        assert len(rs) == len(values)
        expected_type = {type(None): "null", int: "integer", float: "real", str: "text", bytes: "blob"}
        for row, v in zip(rs, values):
            got = row["v"]
            assert type(got) is type(v), (row["id"], v, got)
            assert got == v, (row["id"], v, got)
            assert row["ty"] == expected_type[type(v)], (v, row["ty"])
        # -0.0 == 0.0, so check the sign separately
        rs = await db.execute("SELECT ? AS z", [-0.0])
        assert isinstance(rs[0]["z"], float) and rs[0]["z"] == 0.0

        # bool goes over the wire as an integer
        rs = await db.execute("SELECT ? AS t, ? AS f, typeof(?) AS ty", [True, False, True])
        assert rs[0].astuple() == (1, 0, "integer")

        # a named arg of every type
        rs = await db.execute(
            "SELECT :n AS n, :i AS i, :f AS f, :s AS s, :b AS b",
            {"n": None, "i": BIG, "f": 0.1, "s": UNICODE, "b": BLOB},
        )
        assert rs[0].astuple() == (None, BIG, 0.1, UNICODE, BLOB)

    target.run(body)


def test_values_from_sql_literals(target: Target) -> None:
    async def body(ctx: Ctx) -> None:
        rs = await ctx.db.execute(
            "SELECT NULL AS n, 9223372036854775807 AS big, -9223372036854775808 AS small, "
            "2.0 AS two, 1e300 AS huge, 0.1 AS tenth, x'' AS empty_blob, x'00ff' AS blob2, "
            "x'010203' AS blob3, 'ü' AS u, 10/4 AS intdiv, 10/4.0 AS realdiv, "
            "CAST('12' AS INTEGER) AS cast_int"
        )
        r = rs[0]
        assert r["n"] is None
        assert r["big"] == BIG and type(r["big"]) is int
        assert r["small"] == SMALL
        assert r["two"] == 2.0 and type(r["two"]) is float
        assert r["huge"] == 1e300
        assert r["tenth"] == 0.1
        assert r["empty_blob"] == b""
        assert r["blob2"] == b"\x00\xff"
        assert r["blob3"] == b"\x01\x02\x03"
        assert r["u"] == "ü"
        assert r["intdiv"] == 2 and type(r["intdiv"]) is int
        assert r["realdiv"] == 2.5
        assert r["cast_int"] == 12 and type(r["cast_int"]) is int

    target.run(body)


def test_text_with_nul_character(target: Target) -> None:
    async def body(ctx: Ctx) -> None:
        rs = await ctx.db.execute("SELECT ? AS s, typeof(?) AS ty", ["a\u0000b", "a\u0000b"])
        assert rs[0].astuple() == ("a\u0000b", "text")

    target.run(body)


# --- batch ------------------------------------------------------------------------


def test_batch_success(target: Target) -> None:
    async def body(ctx: Ctx) -> None:
        db = ctx.db
        t = ctx.table()
        results = await db.batch(
            [
                f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, v TEXT)",
                (f"INSERT INTO {t} (v) VALUES (?)", ["one"]),
                (f"INSERT INTO {t} (v) VALUES (:v)", {"v": "two"}),
                Statement(f"INSERT INTO {t} (v) VALUES (?), (?)", ["three", "four"]),
                f"SELECT id, v FROM {t} ORDER BY id",
            ]
        )
        assert len(results) == 5
        assert all(isinstance(r, ResultSet) for r in results)
        assert results[1].rows_affected == 1 and results[1].last_insert_rowid == 1
        assert results[2].last_insert_rowid == 2
        assert results[3].rows_affected == 2 and results[3].last_insert_rowid == 4
        sel = results[4]
        assert sel.columns == ("id", "v")
        assert [r.astuple() for r in sel] == [(1, "one"), (2, "two"), (3, "three"), (4, "four")]
        assert await _count(db, t) == 4

    target.run(body)


def test_batch_is_atomic(target: Target) -> None:
    async def body(ctx: Ctx) -> None:
        db = ctx.db
        t = ctx.table()
        await db.execute(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        await db.execute(f"INSERT INTO {t} VALUES (1, 'existing')")

        # a run-time failure in the third statement: the two before it ran and
        # must be rolled back with it
        with pytest.raises(LibsqlError) as ei:
            await db.batch(
                [
                    (f"INSERT INTO {t} VALUES (?, ?)", [2, "a"]),
                    (f"UPDATE {t} SET v = 'changed' WHERE id = 1", None),
                    (f"INSERT INTO {t} VALUES (?, ?)", [1, "duplicate"]),
                    (f"INSERT INTO {t} VALUES (?, ?)", [3, "never"]),
                ]
            )
        assert ei.value.code == "SQLITE_CONSTRAINT", ei.value
        assert "UNIQUE constraint failed" in ei.value.explanation

        rs = await db.execute(f"SELECT id, v FROM {t} ORDER BY id")
        assert [r.astuple() for r in rs] == [(1, "existing")]

        # NOT NULL failure, first statement succeeding
        with pytest.raises(LibsqlError) as ei:
            await db.batch(
                [
                    f"INSERT INTO {t} VALUES (10, 'x')",
                    f"INSERT INTO {t} VALUES (11, NULL)",
                ]
            )
        assert ei.value.code == "SQLITE_CONSTRAINT", ei.value
        assert await _count(db, t) == 1

        # a syntax error in any step: nothing runs
        with pytest.raises(LibsqlError) as ei:
            await db.batch(
                [
                    f"INSERT INTO {t} VALUES (20, 'y')",
                    "SELEC 1",
                ]
            )
        assert ei.value.code == "SQL_PARSE_ERROR", ei.value
        assert await _count(db, t) == 1

        # and the client still works, including a following batch
        results = await db.batch([f"INSERT INTO {t} VALUES (30, 'ok')", f"SELECT v FROM {t} WHERE id = 30"])
        assert results[1][0]["v"] == "ok"
        assert await _count(db, t) == 2

    target.run(body)


# --- interactive transactions (WebSocket only in this client) -------------------


def test_transaction_http_not_supported(target: Target) -> None:
    if target.is_ws:
        pytest.skip("transactions work over ws; see the tests below")

    async def body(ctx: Ctx) -> None:
        with pytest.raises(LibsqlError) as ei:
            ctx.db.transaction()
        assert ei.value.code == "TRANSACTIONS_NOT_SUPPORTED"
        # the refusal happens in the client, and the client is still usable
        rs = await ctx.db.execute("SELECT 1 AS one")
        assert rs[0]["one"] == 1

    target.run(body)


def test_transaction_commit(target: Target) -> None:
    if not target.is_ws:
        pytest.skip("libsql-client supports interactive transactions only over WebSocket")

    async def body(ctx: Ctx) -> None:
        db = ctx.db
        other = await ctx.open()
        t = ctx.table()
        await db.execute(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, v TEXT)")
        await db.execute(f"INSERT INTO {t} VALUES (1, 'before')")

        tx = db.transaction()
        rs = await tx.execute(f"INSERT INTO {t} VALUES (?, ?)", [2, "in-tx"])
        assert rs.rows_affected == 1 and rs.last_insert_rowid == 2
        await tx.execute(f"UPDATE {t} SET v = 'updated' WHERE id = 1")
        rs = await tx.execute(f"SELECT id, v FROM {t} ORDER BY id")
        assert [r.astuple() for r in rs] == [(1, "updated"), (2, "in-tx")]

        # isolation: another connection does not see the uncommitted changes
        rs = await other.execute(f"SELECT id, v FROM {t} ORDER BY id")
        assert [r.astuple() for r in rs] == [(1, "before")]
        # nor does another stream of the same client
        rs = await db.execute(f"SELECT count(*) FROM {t}")
        assert rs[0][0] == 1

        await tx.commit()
        assert tx.closed

        rs = await other.execute(f"SELECT id, v FROM {t} ORDER BY id")
        assert [r.astuple() for r in rs] == [(1, "updated"), (2, "in-tx")]

        # a committed transaction refuses further statements (client side)
        with pytest.raises(LibsqlError) as ei:
            await tx.execute("SELECT 1")
        assert ei.value.code == "TRANSACTION_CLOSED"

    target.run(body)


def test_transaction_rollback(target: Target) -> None:
    if not target.is_ws:
        pytest.skip("libsql-client supports interactive transactions only over WebSocket")

    async def body(ctx: Ctx) -> None:
        db = ctx.db
        t = ctx.table()
        await db.execute(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, v TEXT)")
        await db.execute(f"INSERT INTO {t} VALUES (1, 'keep')")

        tx = db.transaction()
        await tx.execute(f"INSERT INTO {t} VALUES (2, 'drop')")
        await tx.execute(f"DELETE FROM {t} WHERE id = 1")
        rs = await tx.execute(f"SELECT id FROM {t}")
        assert [r[0] for r in rs] == [2]
        await tx.rollback()
        assert tx.closed

        rs = await db.execute(f"SELECT id, v FROM {t} ORDER BY id")
        assert [r.astuple() for r in rs] == [(1, "keep")]

        # closing without commit also discards the changes (the server drops
        # the stream, which must roll back its open transaction)
        tx = db.transaction()
        await tx.execute(f"INSERT INTO {t} VALUES (3, 'abandoned')")
        tx.close()
        # the write lock must have been released: a new write succeeds
        await db.execute(f"INSERT INTO {t} VALUES (4, 'after')")
        rs = await db.execute(f"SELECT id FROM {t} ORDER BY id")
        assert [r[0] for r in rs] == [1, 4]

    target.run(body)


def test_transaction_statement_error_keeps_transaction(target: Target) -> None:
    if not target.is_ws:
        pytest.skip("libsql-client supports interactive transactions only over WebSocket")

    async def body(ctx: Ctx) -> None:
        db = ctx.db
        t = ctx.table()
        await db.execute(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY)")
        tx = db.transaction()
        await tx.execute(f"INSERT INTO {t} VALUES (1)")
        with pytest.raises(LibsqlError) as ei:
            await tx.execute(f"INSERT INTO {t} VALUES (1)")
        assert ei.value.code == "SQLITE_CONSTRAINT"
        with pytest.raises(LibsqlError) as ei:
            await tx.execute("SELEC 1")
        assert ei.value.code == "SQL_PARSE_ERROR"
        # SQLite undoes only the failed statement; the transaction goes on
        await tx.execute(f"INSERT INTO {t} VALUES (2)")
        await tx.commit()
        rs = await db.execute(f"SELECT id FROM {t} ORDER BY id")
        assert [r[0] for r in rs] == [1, 2]

    target.run(body)


# --- errors -----------------------------------------------------------------------


def test_errors(target: Target) -> None:
    async def body(ctx: Ctx) -> None:
        db = ctx.db
        t = ctx.table()
        await db.execute(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, v TEXT NOT NULL, CHECK (length(v) < 5))")
        await db.execute(f"INSERT INTO {t} VALUES (1, 'a')")

        with pytest.raises(LibsqlError) as ei:
            await db.execute("SELEC 1")
        assert ei.value.code == "SQL_PARSE_ERROR", ei.value
        assert "SELEC" in ei.value.explanation

        with pytest.raises(LibsqlError) as ei:
            await db.execute(f"INSERT INTO {t} VALUES (1, 'dup')")
        assert ei.value.code == "SQLITE_CONSTRAINT", ei.value
        assert ei.value.explanation == f"SQLite error: UNIQUE constraint failed: {t}.id"

        with pytest.raises(LibsqlError) as ei:
            await db.execute(f"INSERT INTO {t} VALUES (2, NULL)")
        assert ei.value.code == "SQLITE_CONSTRAINT", ei.value
        assert "NOT NULL constraint failed" in ei.value.explanation

        with pytest.raises(LibsqlError) as ei:
            await db.execute(f"INSERT INTO {t} VALUES (3, 'toolong')")
        assert ei.value.code == "SQLITE_CONSTRAINT", ei.value
        assert "CHECK constraint failed" in ei.value.explanation

        with pytest.raises(LibsqlError) as ei:
            await db.execute("SELECT * FROM no_such_table_here")
        assert ei.value.code == "SQLITE_UNKNOWN", ei.value
        assert "no such table" in ei.value.explanation

        with pytest.raises(LibsqlError) as ei:
            await db.execute("SELECT 1; SELECT 2")
        assert ei.value.code == "SQL_MANY_STATEMENTS", ei.value

        # the failed statements changed nothing, and the client is still usable
        rs = await db.execute(f"SELECT id, v FROM {t}")
        assert [r.astuple() for r in rs] == [(1, "a")]
        await db.execute(f"INSERT INTO {t} VALUES (2, 'b')")
        assert await _count(db, t) == 2

    target.run(body)


def test_many_errors_in_a_row(target: Target) -> None:
    """The connection (ws) / session (http) survives a burst of errors."""

    async def body(ctx: Ctx) -> None:
        db = ctx.db
        for i in range(20):
            with pytest.raises(LibsqlError):
                await db.execute(f"SELECT * FROM missing_{i}")
            rs = await db.execute("SELECT ? AS i", [i])
            assert rs[0]["i"] == i

    target.run(body)


# --- large result -------------------------------------------------------------------


def test_5000_rows(target: Target) -> None:
    async def body(ctx: Ctx) -> None:
        db = ctx.db
        t = ctx.table()
        await db.execute(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, label TEXT, sq INTEGER, half REAL)")
        rs = await db.execute(
            f"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5000) "
            f"INSERT INTO {t} SELECT i, 'row-' || i, i * i, i / 2.0 FROM c"
        )
        assert rs.rows_affected == 5000
        assert rs.last_insert_rowid == 5000

        rs = await db.execute(f"SELECT id, label, sq, half FROM {t} ORDER BY id")
        assert len(rs) == 5000
        assert rs.columns == ("id", "label", "sq", "half")
        for i, row in enumerate(rs, start=1):
            assert row.astuple() == (i, f"row-{i}", i * i, i / 2), row
        # and a generated result that is not backed by a table
        rs = await db.execute(
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 5000) "
            "SELECT i, hex(randomblob(8)) AS r FROM c"
        )
        assert [r[0] for r in rs] == list(range(1, 5001))
        assert all(len(r[1]) == 16 for r in rs)

    target.run(body)
