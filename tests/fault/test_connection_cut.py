"""(c) The connection between a replica and the server is cut (RST) in the middle of a
response: a BatchLogEntries batch of frames, a Hello, a forwarded write. The replica must
report an error (or, if its client retried internally, end in the right state), and a later
sync over a healthy connection must converge to the primary. The replica runs in a child
process (harness.ReplicaProc); the cutting proxy runs in this one."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import require_replication
from harness import CutProxy, ReplicaError, Server, rows_digest


def _fill(p, table: str, megabytes: int) -> None:
    p.execute(f"CREATE TABLE {table}(id INTEGER PRIMARY KEY, b BLOB)")
    for chunk in range(megabytes):
        lo = chunk * 1000
        p.execute(
            f"WITH RECURSIVE n(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM n WHERE i < {lo + 999}) "
            f"INSERT INTO {table} SELECT i, randomblob(900) FROM n"
        )


def _assert_converged(r, p, table: str, what: str) -> None:
    q = f"SELECT id, hex(b) FROM {table} ORDER BY id"
    assert rows_digest(r.query(q)) == rows_digest(p.query(q)), f"{what}: replica differs from the primary"
    assert r.query("PRAGMA integrity_check") == [("ok",)], f"{what}: integrity_check"


def test_cut_mid_batch_then_sync_converges(server: Server, replicas, tmp_path: Path):
    require_replication(server)
    p = server.primary()
    _fill(p, "big", 10)  # ~2,500 frames: more than one 1024-frame batch
    proxy = CutProxy(server.port, b"BatchLogEntries", cut_after=150_000)
    try:
        r = replicas(tmp_path / "r.db", proxy.url)
        err = None
        try:
            r.sync(timeout=30)
        except ReplicaError as e:
            err = e
        assert proxy.cuts >= 1, "the proxy never saw a BatchLogEntries response to cut"
        if err is None:
            # The client retried on its own: then it must have converged.
            _assert_converged(r, p, "big", "sync() returned success after a cut connection")
        proxy.cut_after = None
        r.sync(timeout=30)
        _assert_converged(r, p, "big", "sync after the cut")
        # And it keeps following the primary.
        p.execute("INSERT INTO big VALUES (-1, x'00')")
        r.sync(timeout=30)
        _assert_converged(r, p, "big", "sync after a new write")
        print(f"cut {proxy.cuts} connection(s); first sync {'raised: ' + str(err)[:160] if err else 'retried internally'}")
    finally:
        proxy.close()


def test_cut_mid_hello_then_sync_converges(server: Server, replicas, tmp_path: Path):
    require_replication(server)
    p = server.primary()
    _fill(p, "small", 1)
    proxy = CutProxy(server.port, b"ReplicationLog/Hello", cut_after=3)
    try:
        r = replicas(tmp_path / "r.db", proxy.url)
        with pytest.raises(ReplicaError):
            r.sync(timeout=30)  # every Hello is cut: the client gives up after its retries
        assert proxy.cuts >= 1
        proxy.cut_after = None
        r.sync(timeout=30)
        _assert_converged(r, p, "small", "sync after cut handshakes")
    finally:
        proxy.close()


def test_cut_forwarded_write_then_state_is_consistent(server: Server, replicas, tmp_path: Path):
    require_replication(server)
    p = server.primary()
    p.execute("CREATE TABLE w(id INTEGER PRIMARY KEY, b BLOB)")
    proxy = CutProxy(server.port, b"proxy.Proxy/Execute", cut_after=0)
    try:
        r = replicas(tmp_path / "r.db", proxy.url)
        r.sync(timeout=30)
        with pytest.raises(ReplicaError):
            r.execute("INSERT INTO w VALUES (1, x'01')", timeout=30)  # the answer never arrives
        assert proxy.cuts >= 1
        proxy.cut_after = None
        # Whether or not the write landed, the connection is usable and the replica
        # converges to whatever the primary has.
        r.execute("INSERT INTO w VALUES (2, x'02')", timeout=30)
        r.sync(timeout=30)
        _assert_converged(r, p, "w", "after a cut forwarded write")
        assert 2 in {row[0] for row in p.query("SELECT id FROM w")}
    finally:
        proxy.close()
