"""(d) After the primary compacted its replication log, a replica that was offline since
before the compaction must get a snapshot (NEED_SNAPSHOT -> Snapshot, LIBSQL-SURFACE.md
§8.3, §8.5) and converge; a fresh replica too.

This needs a server flag that bounds the log so compaction happens within a test: sqld's
`--max-log-size` (MB). The test looks for it in `basalt serve --help`; without such a flag
it is skipped with that reason."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest

from conftest import require_replication
from harness import Server, rows_digest


def _log_size_flag(bin_path: str):
    help_text = subprocess.run([bin_path, "serve", "--help"], capture_output=True, text=True).stdout
    for flag in ("--max-log-size", "--replication-max-log-size", "--max-replication-log-size"):
        if re.search(rf"(^|\s){re.escape(flag)}\b", help_text):
            return flag
    return None


def _snapshots(data_dir: Path):
    return sorted(data_dir.rglob("*.snap"))


def test_offline_replica_gets_a_snapshot_after_compaction(replicas, tmp_path: Path):
    import os
    bin_path = os.environ["BASALT_BIN"]
    flag = _log_size_flag(bin_path)
    if flag is None:
        pytest.skip("`basalt serve --help` has no flag bounding the replication log (looked for --max-log-size "
                    "and similar), so a test cannot make the primary compact its log")
    srv = Server(tmp_path / "data", extra_args=[flag, "1"]).start()  # 1 MB, as sqld counts it
    try:
        require_replication(srv)
        p = srv.primary()
        p.execute("CREATE TABLE c(id INTEGER PRIMARY KEY, b BLOB)")
        p.execute("INSERT INTO c VALUES (0, x'00')")
        old_path = tmp_path / "old.db"
        old = replicas(old_path, srv.url)
        old.sync()
        assert old.query("SELECT count(*) FROM c") == [(1,)]
        old.close()
        # While the replica is offline: an 8 MB table (so the snapshot it will need holds
        # ~2,000 frames, more than one 1024-frame batch), then rewrites of the same pages
        # until the log was compacted.
        p.execute("CREATE TABLE big(id INTEGER PRIMARY KEY, b BLOB)")
        for chunk in range(8):
            lo = chunk * 1000
            p.execute(f"WITH RECURSIVE n(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM n WHERE i < {lo + 999}) "
                      f"INSERT INTO big SELECT i, randomblob(1000) FROM n")
        deadline = time.monotonic() + 40
        i = 1
        while not _snapshots(srv.data_dir):
            assert time.monotonic() < deadline, f"no snapshot file after {i} MB written with {flag} 1"
            p.execute(
                f"WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 1000) "
                f"INSERT OR REPLACE INTO c SELECT (k % 700) + 1, randomblob(1000) FROM n"
            )
            i += 1
        for _ in range(3):  # a bit more after the compaction
            p.execute("INSERT INTO c SELECT max(id) + 1, randomblob(1000) FROM c")
        # The frames the offline replica needs next (it stopped after the first few) are
        # no longer in any segment: only a snapshot can bring it up to date.
        segs = sorted(int(f.stem) for f in srv.data_dir.rglob("*.seg"))
        assert segs and segs[0] > 10, f"log segments still start at frame {segs[:1]}: nothing was compacted away"
        q = "SELECT 'c', id, hex(b) FROM c UNION ALL SELECT 'big', id, hex(b) FROM big ORDER BY 1, 2"
        want = rows_digest(p.query(q))

        old = replicas(old_path, srv.url)
        old.sync()
        assert rows_digest(old.query(q)) == want, "the offline replica differs after syncing past a compaction"
        assert old.query("PRAGMA integrity_check") == [("ok",)]
        fresh = replicas(tmp_path / "fresh.db", srv.url)
        fresh.sync()
        assert rows_digest(fresh.query(q)) == want, "a fresh replica differs after a compaction"
        assert fresh.query("PRAGMA integrity_check") == [("ok",)]
        # And both keep following.
        p.execute("INSERT INTO c VALUES (-1, x'ff')")
        old.sync()
        assert old.query("SELECT count(*) FROM c WHERE id = -1") == [(1,)]
    finally:
        srv.stop()
