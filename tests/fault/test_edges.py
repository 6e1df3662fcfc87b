"""Edges of the replica life cycle around server restarts: an empty primary, a graceful
restart, a primary whose log identity changed (replaced data directory on the same URL),
and writes made while the server ran without a replication log."""

from __future__ import annotations

from pathlib import Path

from conftest import require_replication
from harness import Server, rows_digest


def _schema(conn_or_primary) -> list:
    return conn_or_primary.query("SELECT type, name, sql FROM sqlite_schema ORDER BY name")


def test_empty_primary_then_first_write(server: Server, replicas, tmp_path: Path):
    require_replication(server)
    r = replicas(tmp_path / "r.db", server.url)
    r.sync()  # nothing ever written: Hello without current_replication_index (§8.4)
    assert _schema(r) == []
    r.sync()
    p = server.primary()
    p.execute("CREATE TABLE t(a)")
    p.execute("INSERT INTO t VALUES (1)")
    r.sync()
    assert r.query("SELECT a FROM t") == [(1,)]
    assert r.query("PRAGMA integrity_check") == [("ok",)]


def test_graceful_restart_then_replica_continues(server: Server, replicas, tmp_path: Path):
    require_replication(server)
    p = server.primary()
    p.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)")
    p.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
              "INSERT INTO t SELECT i, randomblob(500) FROM n")
    r = replicas(tmp_path / "r.db", server.url)
    r.sync()
    server.stop()  # SIGTERM: clean shutdown, WAL checkpointed
    server.start()
    p = server.primary()
    p.execute("INSERT INTO t VALUES (1000, x'01')")
    r.sync()  # stale session token: NO_HELLO, then a new Hello (§8.5)
    q = "SELECT id, hex(b) FROM t ORDER BY id"
    assert rows_digest(r.query(q)) == rows_digest(p.query(q))
    assert r.query("PRAGMA integrity_check") == [("ok",)]


def test_replaced_primary_database_resets_the_replica(replicas, tmp_path: Path):
    """The same URL now serves another database (new data directory, so a new log_id):
    the replica must drop what it had and become a copy of the new one (§8.3)."""
    first = Server(tmp_path / "data-a").start()
    try:
        require_replication(first)
        first.primary().execute("CREATE TABLE only_in_a(x)")
        first.primary().execute("INSERT INTO only_in_a VALUES ('a')")
        r = replicas(tmp_path / "r.db", first.url)
        r.sync()
        assert r.query("SELECT x FROM only_in_a") == [("a",)]
    finally:
        first.stop()
    second = Server(tmp_path / "data-b", port=first.port).start()
    try:
        p = second.primary()
        p.execute("CREATE TABLE only_in_b(y)")
        p.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) "
                  "INSERT INTO only_in_b SELECT randomblob(300) FROM n")
        r.sync()
        assert _schema(r) == _schema(p), "the replica still has the old database's schema after a log_id change"
        # Read through a new connection: the old one may keep its parsed schema, since
        # both databases have the same schema cookie (1) and SQLite reloads the schema only
        # when the cookie changes (client-side; the same happens with sqld).
        r.close()
        r2 = replicas(tmp_path / "r.db", second.url)
        q = "SELECT hex(y) FROM only_in_b ORDER BY rowid"
        assert rows_digest(r2.query(q)) == rows_digest(p.query(q))
        assert r2.query("PRAGMA integrity_check") == [("ok",)]
    finally:
        second.stop()


def test_writes_made_without_a_replication_log_reach_replicas(server: Server, replicas, tmp_path: Path):
    """Restart with --no-replication-log, write, restart with the log again: replicas must
    get those writes too (captured or rebuilt log), never silently miss them."""
    require_replication(server)
    p = server.primary()
    p.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
    p.execute("INSERT INTO t VALUES (1, 'with log')")
    r = replicas(tmp_path / "r.db", server.url)
    r.sync()
    server.stop()
    server.extra_args = ["--no-replication-log"]
    server.start()
    server.primary().execute("INSERT INTO t VALUES (2, 'without log')")
    server.stop()
    server.extra_args = []
    server.start()
    p = server.primary()
    p.execute("INSERT INTO t VALUES (3, 'log again')")
    r.sync()
    assert r.query("SELECT id, v FROM t ORDER BY id") == p.query("SELECT id, v FROM t ORDER BY id"), \
        "a replica missed writes made while the server ran without a replication log"
    fresh = replicas(tmp_path / "fresh.db", server.url)
    fresh.sync()
    assert fresh.query("SELECT id, v FROM t ORDER BY id") == [(1, "with log"), (2, "without log"), (3, "log again")]
    assert r.query("PRAGMA integrity_check") == [("ok",)]


def test_damaged_log_is_never_served(server: Server, replicas, tmp_path: Path):
    """A byte of a page inside the replication log is flipped while the server is down.
    Replicas must never receive the damaged page: the server refuses or rebuilds the log
    (new log_id, §8.3), and replicas, old and new, converge to the database's content."""
    require_replication(server)
    p = server.primary()
    p.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)")
    p.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
              "INSERT INTO t SELECT i, randomblob(900) FROM n")
    old = replicas(tmp_path / "old.db", server.url)
    old.sync()
    server.stop()
    segs = sorted(server.data_dir.rglob("*.seg"))
    assert segs, "no replication log segment found under the data directory"
    data = bytearray(segs[0].read_bytes())
    # Segment header 72 bytes, records of 4152 (frame 4120 + trailer), page after the
    # 24-byte frame header: flip a byte in the page of the 11th record (docs/REPLICATION.md).
    off = 72 + 4152 * 10 + 24 + 100
    assert len(data) > off, f"segment too short ({len(data)} bytes)"
    data[off] ^= 0xFF
    segs[0].write_bytes(bytes(data))
    server.start()
    p = server.primary()
    p.execute("INSERT INTO t VALUES (1000, x'ff')")
    q = "SELECT id, hex(b) FROM t ORDER BY id"
    want = rows_digest(p.query(q))
    for name, r in (("old", old), ("fresh", replicas(tmp_path / "fresh.db", server.url))):
        r.sync()
        assert rows_digest(r.query(q)) == want, f"{name} replica differs from the primary after the log was damaged"
        assert r.query("PRAGMA integrity_check") == [("ok",)], f"{name} replica integrity"


def test_get_info_is_404_even_with_a_token(server: Server):
    """§8.9: `new_remote_replica` probes GET {url}/info first; a 2xx would switch the client
    to Turso's HTTP sync v2 and a 401 makes it abort, so it must be 404 (before auth)."""
    import urllib.error
    import urllib.request

    for headers in ({}, {"Authorization": "Bearer not-a-valid-token"}):
        req = urllib.request.Request(server.url + "/info", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                status = resp.status
        except urllib.error.HTTPError as e:
            status = e.code
        assert status == 404, f"GET /info with headers {headers}: {status}, expected 404"
