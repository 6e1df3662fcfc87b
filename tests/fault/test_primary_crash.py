"""(a) SIGKILL the primary while clients stream acknowledged writes; restart it on the same
data directory; every acknowledged write must be there, multi-statement transactions must
be all-or-nothing, and the database must pass PRAGMA integrity_check. Then replicas (one
synced before the crashes, one fresh) must converge to the restarted primary."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from conftest import require_replication
from harness import Primary, Server, rows_digest

CYCLES = 3
WRITE_SECONDS = 1.2


def _stream_writes_then_kill(srv: Server, cycle: int) -> tuple[set, set]:
    """Runs 2 single-row writers and 1 transaction writer against the server, SIGKILLs it
    after WRITE_SECONDS, and returns (acknowledged row ids, acknowledged group ids)."""
    acked: set = set()
    acked_groups: set = set()
    lock = threading.Lock()
    stop = threading.Event()

    def writer(w: int) -> None:
        p = Primary(srv.url, timeout=10)
        i = 0
        while not stop.is_set():
            rid = (cycle * 10 + w) * 1_000_000 + i
            try:
                p.execute("INSERT INTO acked(id, writer, payload) VALUES (?, ?, randomblob(1500))", [rid, w])
            except Exception:
                return  # the server is gone; this write is unacknowledged
            with lock:
                acked.add(rid)
            i += 1

    def grouper() -> None:
        p = Primary(srv.url, timeout=10)
        g = cycle * 1_000_000
        while not stop.is_set():
            try:
                p.transaction([("INSERT INTO grp(g, k, v) VALUES (?, ?, randomblob(3000))", [g, k]) for k in range(10)])
            except Exception:
                return
            with lock:
                acked_groups.add(g)
            g += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(2)] + [threading.Thread(target=grouper)]
    for t in threads:
        t.start()
    time.sleep(WRITE_SECONDS)
    srv.kill9()
    stop.set()
    for t in threads:
        t.join(15)
    return acked, acked_groups


def _check_primary(p: Primary, acked: set, acked_groups: set, what: str) -> None:
    present = {r[0] for r in p.query("SELECT id FROM acked")}
    missing = acked - present
    assert not missing, f"{what}: {len(missing)} acknowledged writes lost, e.g. {sorted(missing)[:5]}"
    groups = dict(p.query("SELECT g, count(*) FROM grp GROUP BY g"))
    torn = {g: n for g, n in groups.items() if n != 10}
    assert not torn, f"{what}: partially applied transactions (group -> rows of 10): {dict(list(torn.items())[:5])}"
    lost_groups = acked_groups - set(groups)
    assert not lost_groups, f"{what}: acknowledged transactions lost: {sorted(lost_groups)[:5]}"
    assert p.query("PRAGMA integrity_check") == [("ok",)], f"{what}: integrity_check failed"


def test_kill9_primary_keeps_every_acknowledged_write(server: Server):
    p = server.primary()
    p.execute("CREATE TABLE acked(id INTEGER PRIMARY KEY, writer INTEGER, payload BLOB)")
    p.execute("CREATE TABLE grp(g INTEGER, k INTEGER, v BLOB, PRIMARY KEY (g, k))")
    all_acked: set = set()
    all_groups: set = set()
    for cycle in range(CYCLES):
        acked, groups = _stream_writes_then_kill(server, cycle)
        assert acked, f"cycle {cycle}: no write was acknowledged before the kill"
        all_acked |= acked
        all_groups |= groups
        server.start()
        _check_primary(server.primary(), all_acked, all_groups, f"after kill -9 #{cycle + 1}")
    # Still writable after the last restart.
    server.primary().execute("INSERT INTO acked(id, writer) VALUES (-1, -1)")
    print(f"{len(all_acked)} acknowledged single-row writes and {len(all_groups)} transactions survived {CYCLES} kill -9")


def test_replicas_converge_after_primary_kill9(server: Server, replicas, tmp_path: Path):
    require_replication(server)
    p = server.primary()
    p.execute("CREATE TABLE acked(id INTEGER PRIMARY KEY, writer INTEGER, payload BLOB)")
    p.execute("CREATE TABLE grp(g INTEGER, k INTEGER, v BLOB, PRIMARY KEY (g, k))")
    p.execute("INSERT INTO acked(id, writer) VALUES (-5, -5)")
    # A replica that syncs before the crash (and between crashes).
    old = replicas(tmp_path / "old.db", server.url)
    old.sync()
    for cycle in range(2):
        _stream_writes_then_kill(server, cycle)
        server.start()
        old.sync()
    q_acked = "SELECT id, writer, hex(payload) FROM acked ORDER BY id"
    q_grp = "SELECT g, k, hex(v) FROM grp ORDER BY g, k"
    p = server.primary()
    want = (rows_digest(p.query(q_acked)), rows_digest(p.query(q_grp)))
    got_old = (rows_digest(old.query(q_acked)), rows_digest(old.query(q_grp)))
    assert got_old == want, "a replica synced across primary crashes differs from the primary"
    assert old.query("PRAGMA integrity_check") == [("ok",)]
    fresh = replicas(tmp_path / "fresh.db", server.url)
    fresh.sync()
    got_fresh = (rows_digest(fresh.query(q_acked)), rows_digest(fresh.query(q_grp)))
    assert got_fresh == want, "a fresh replica of the restarted primary differs from the primary"
    assert fresh.query("PRAGMA integrity_check") == [("ok",)]


def test_primary_kill9_while_a_replica_syncs(server: Server, replicas, tmp_path: Path):
    """The primary dies (SIGKILL) in the middle of a replica's large sync: the replica's
    sync must fail in bounded time (not hang), and once the primary is back on the same
    URL, a sync converges."""
    import os
    import subprocess
    import sys

    from harness import HERE

    require_replication(server)
    p = server.primary()
    p.execute("CREATE TABLE big(id INTEGER PRIMARY KEY, b BLOB)")
    for chunk in range(16):
        lo = chunk * 1000
        p.execute(f"WITH RECURSIVE n(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM n WHERE i < {lo + 999}) "
                  f"INSERT INTO big SELECT i, randomblob(900) FROM n")
    path = tmp_path / "r.db"
    child = subprocess.Popen([sys.executable, str(HERE / "replica_child.py"), "oneshot", str(path), server.url],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def local_bytes() -> int:
        return sum(os.path.getsize(f) for f in (str(path), str(path) + "-wal") if os.path.exists(f))

    deadline = time.monotonic() + 60
    while child.poll() is None and local_bytes() < 2 * 1024 * 1024 and time.monotonic() < deadline:
        time.sleep(0.002)
    assert child.poll() is None, f"the replica finished its sync before the primary could be killed: {child.stdout.read()[-300:]}"
    server.kill9()
    try:
        out, _ = child.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise AssertionError("the replica's sync did not end within 30 s after the primary died")
    assert child.returncode != 0, f"sync() reported success although the primary died mid-sync: {out[-300:]}"
    server.start()
    r = replicas(path, server.url)
    r.sync()
    q = "SELECT id, hex(b) FROM big ORDER BY id"
    p = server.primary()
    assert rows_digest(r.query(q)) == rows_digest(p.query(q)), "the replica differs after the primary came back"
    assert r.query("PRAGMA integrity_check") == [("ok",)]


def test_periodic_sync_recovers_after_primary_kill9(server: Server, replicas, tmp_path: Path):
    """A replica syncing on its own (sync_interval) keeps going across a primary SIGKILL
    and restart: without any explicit sync() it reaches the restarted primary's state."""
    require_replication(server)
    p = server.primary()
    p.execute("CREATE TABLE t(id INTEGER PRIMARY KEY)")
    p.execute("INSERT INTO t VALUES (1)")
    r = replicas(tmp_path / "r.db", server.url, sync_interval=0.3)
    r.sync()
    server.kill9()
    time.sleep(1.0)  # a few failed periodic rounds
    server.start()
    server.primary().execute("INSERT INTO t VALUES (2)")
    deadline = time.monotonic() + 20
    while r.query("SELECT count(*) FROM t") != [(2,)]:
        assert time.monotonic() < deadline, \
            f"periodic sync did not catch up within 20 s of the restart: {r.query('SELECT id FROM t')}"
        time.sleep(0.2)
