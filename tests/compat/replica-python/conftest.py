"""Fixtures for the `libsql` (PyPI) embedded-replica tests.

The replica is ``libsql.connect(path, sync_url=BASALT_URL)``: libSQL's Rust core
underneath, syncing over gRPC-web (``wal_log.ReplicationLog``) and forwarding writes
(``proxy.Proxy``), LIBSQL-SURFACE.md §8. The primary side is written and read through
a tiny Hrana-over-HTTP client (tests/lib/hrana_http.py) so that it does not depend on
the replica machinery under test.
"""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Any, Callable, List

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "lib"))

import libsql  # noqa: E402
from hrana_http import Primary  # noqa: E402


def _base_url() -> str:
    url = os.environ.get("BASALT_URL")
    if not url:
        pytest.exit("BASALT_URL is not set; run the tests through run.sh", returncode=2)
    return url.rstrip("/")


@pytest.fixture
def url() -> str:
    return _base_url()


@pytest.fixture
def primary(url: str) -> Primary:
    return Primary(url)


@pytest.fixture
def table() -> Callable[[str], str]:
    def make(prefix: str = "t") -> str:
        return f"{prefix}_{uuid.uuid4().hex[:12]}"

    return make


@pytest.fixture
def replica(url: str, tmp_path: Path):
    """``replica(name="local.db", **connect_kwargs)`` opens an embedded replica file in
    the test's temporary directory; every one is closed after the test."""
    opened: List[Any] = []

    def open_(name: str = "local.db", **kw: Any):
        kw.setdefault("sync_url", url)
        conn = libsql.connect(str(tmp_path / name), **kw)
        opened.append(conn)
        return conn

    yield open_
    for c in opened:
        try:
            c.close()
        except Exception:
            pass


def sync(conn: Any, what: str) -> Any:
    try:
        return conn.sync()
    except Exception as e:  # the client raises a plain ValueError/libsql.Error
        pytest.fail(f"{what}: conn.sync() failed: {type(e).__name__}: {e}")


def count(conn: Any, t: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
