"""(b) A replica process (the `libsql` PyPI package) SIGKILLed in the middle of syncing a
large database, twice, then restarted: it must converge to the primary (same rows, same
digest) and its file must pass PRAGMA integrity_check."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import require_replication
from harness import HERE, Server, rows_digest

MB = 1024 * 1024


def _fill(p, table: str, megabytes: int) -> None:
    p.execute(f"CREATE TABLE {table}(id INTEGER PRIMARY KEY, v TEXT, b BLOB)")
    for chunk in range(megabytes):
        lo = chunk * 1000
        p.execute(
            f"WITH RECURSIVE n(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM n WHERE i < {lo + 999}) "
            f"INSERT INTO {table} SELECT i, printf('%d-%s', i, hex(randomblob(100))), randomblob(800) FROM n"
        )


def _local_bytes(path: Path) -> int:
    total = 0
    for suffix in ("", "-wal"):
        try:
            total += os.path.getsize(str(path) + suffix)
        except OSError:
            pass
    return total


def _child(path: Path, url: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(HERE / "replica_child.py"), "oneshot", str(path), url],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_kill9_replica_mid_sync_then_converges(server: Server, replicas, tmp_path: Path):
    require_replication(server)
    p = server.primary()
    _fill(p, "big", 24)  # ~24 MB, ~6,000 frames: several BatchLogEntries round trips
    path = tmp_path / "replica.db"

    kills = []
    for threshold in (2 * MB, 9 * MB):
        child = _child(path, server.url)
        deadline = time.monotonic() + 60
        while child.poll() is None and _local_bytes(path) < threshold and time.monotonic() < deadline:
            time.sleep(0.002)
        if child.poll() is not None:
            out = child.stdout.read()
            raise AssertionError(
                f"the replica process ended before it could be killed at {threshold // MB} MB "
                f"(exit {child.returncode}; local files {_local_bytes(path)} bytes): {out.strip()[-500:]}")
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        child.stdout.close()
        kills.append(_local_bytes(path))
    assert kills, "no kill happened"

    # Restarted: a full sync in a new process must finish...
    child = _child(path, server.url)
    try:
        out, _ = child.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()
        raise AssertionError("the restarted replica did not finish syncing within 90 s")
    assert child.returncode == 0 and "SYNCED" in out, f"restarted replica sync failed: {out.strip()[-800:]}"

    # ...and the file must hold exactly the primary's content.
    r = replicas(path, server.url)
    r.sync()
    q = "SELECT id, v, hex(b) FROM big ORDER BY id"
    assert r.query("SELECT count(*) FROM big") == [(24000,)]
    assert rows_digest(r.query(q)) == rows_digest(p.query(q)), \
        "the replica differs from the primary after being killed mid-sync"
    assert r.query("PRAGMA integrity_check") == [("ok",)]
    print(f"killed at {[k // MB for k in kills]} MB of local files, then converged")
