"""Replicas under concurrent primary writes, and a replica that dies inside a write
transaction it opened on the primary (proxy.Proxy)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from conftest import require_replication
from harness import Primary, ReplicaError, Server, rows_digest


def test_every_synced_state_holds_whole_transactions(server: Server, replicas, tmp_path: Path):
    """While writers commit 10-row transactions (and a few ~250-frame ones), a replica that
    syncs over and over must only ever show complete transactions, even when a batch of
    frames ends inside one (§8.7), and end identical to the primary."""
    require_replication(server)
    p = server.primary()
    p.execute("CREATE TABLE grp(g INTEGER, k INTEGER, v BLOB, PRIMARY KEY (g, k))")
    stop = threading.Event()
    errors: list = []

    def writer(base: int, rows_per_txn: int, blob: int) -> None:
        w = Primary(server.url)
        g = base
        while not stop.is_set():
            try:
                w.transaction([(f"WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < {rows_per_txn - 1}) "
                                f"INSERT INTO grp SELECT ?, k, randomblob({blob}) FROM n", [g])])
            except Exception as e:  # noqa: BLE001
                errors.append(e)
                return
            g += 1

    threads = [threading.Thread(target=writer, args=(0, 10, 3000)),
               threading.Thread(target=writer, args=(1_000_000, 300, 3000))]
    for t in threads:
        t.start()
    r = replicas(tmp_path / "r.db", server.url)
    rounds = 0
    try:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            r.sync()
            rounds += 1
            torn = r.query("SELECT g, count(*) FROM grp GROUP BY g "
                           "HAVING count(*) != CASE WHEN g >= 1000000 THEN 300 ELSE 10 END LIMIT 5")
            assert not torn, f"sync round {rounds}: the replica shows partial transactions (group, rows): {torn}"
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert not errors, f"primary writers failed: {errors[:3]}"
    r.sync()
    q = "SELECT g, k, hex(v) FROM grp ORDER BY g, k"
    assert rows_digest(r.query(q)) == rows_digest(p.query(q)), "the replica differs from the primary at the end"
    assert r.query("PRAGMA integrity_check") == [("ok",)]
    print(f"{rounds} sync rounds during writes, {p.scalar('SELECT count(DISTINCT g) FROM grp')} transactions")


def test_replica_killed_inside_a_write_transaction_releases_the_lock(server: Server, replicas, tmp_path: Path):
    """A replica opens a write transaction on the primary through proxy.Proxy and is
    SIGKILLed. The primary must roll it back and let other writers in; sqld does so when
    the idle proxy connection is collected after 30 s (§8.6), so allow 30 s + one write
    wait."""
    require_replication(server)
    p = server.primary()
    p.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, who TEXT)")
    r = replicas(tmp_path / "r.db", server.url)
    r.sync()
    r.execute("BEGIN IMMEDIATE")
    r.execute("INSERT INTO t VALUES (1, 'killed replica')")
    r.kill()
    started = time.monotonic()
    w = Primary(server.url, timeout=60)
    last_err = None
    while True:
        try:
            w.execute("INSERT INTO t VALUES (2, 'primary writer')")
            break
        except Exception as e:  # noqa: BLE001
            last_err = e
        assert time.monotonic() - started < 50, \
            f"the primary still refuses writes 50 s after the replica holding a transaction died: {last_err}"
        time.sleep(0.5)
    waited = time.monotonic() - started
    assert p.query("SELECT id, who FROM t ORDER BY id") == [(2, "primary writer")], \
        "the dead replica's uncommitted row is visible"
    print(f"write lock released {waited:.1f} s after the replica died")


def test_ten_replicas_forwarding_writes_at_once(server: Server, replicas, tmp_path: Path):
    """10 replica processes forward writes concurrently (single statements and explicit
    BEGIN IMMEDIATE … COMMIT transactions, each on its own proxy connection): every write
    lands exactly once, none fails with BUSY, and all replicas converge."""
    require_replication(server)
    p = server.primary()
    p.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, who INTEGER)")
    reps = [replicas(tmp_path / f"r{i}.db", server.url) for i in range(10)]
    for r in reps:
        r.sync()
    errors: list = []

    def work(i: int, r) -> None:
        for k in range(30):
            try:
                if k % 3 == 0:
                    r.execute("BEGIN IMMEDIATE")
                    r.execute("INSERT INTO t(who) VALUES (?)", [i])
                    r.execute("INSERT INTO t(who) VALUES (?)", [i])
                    r.execute("COMMIT")
                else:
                    r.execute("INSERT INTO t(who) VALUES (?)", [i])
            except Exception as e:  # noqa: BLE001
                errors.append((i, k, str(e)[:200]))

    threads = [threading.Thread(target=work, args=(i, r)) for i, r in enumerate(reps)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, f"{len(errors)} forwarded writes failed, e.g. {errors[:3]}"
    assert p.query("SELECT who, count(*) FROM t GROUP BY who ORDER BY who") == [(i, 40) for i in range(10)]
    want = rows_digest(p.query("SELECT id, who FROM t ORDER BY id"))
    for i, r in enumerate(reps):
        r.sync()
        assert rows_digest(r.query("SELECT id, who FROM t ORDER BY id")) == want, f"replica {i} differs"
