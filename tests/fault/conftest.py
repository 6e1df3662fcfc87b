"""Fixtures for the process-level fault tests (see README.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ReplicaProc, Server, grpc_services_present  # noqa: E402


@pytest.fixture
def server(tmp_path: Path):
    """A fresh server (own data dir, fixed free port), stopped after the test. On a test
    failure the end of its logs is printed."""
    srv = Server(tmp_path / "data").start()
    yield srv
    srv.stop()


@pytest.fixture
def replicas():
    """``replicas(path, url)`` starts a replica child process (harness.ReplicaProc); all are
    closed (or killed) after the test."""
    started = []

    def make(path, url, timeout: float = 60.0, sync_interval=None) -> ReplicaProc:
        r = ReplicaProc(path, url, timeout, sync_interval)
        started.append(r)
        return r

    yield make
    for r in started:
        r.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call" and rep.failed:
        srv = item.funcargs.get("server")
        if srv is not None:
            rep.sections.append(("server logs", srv.logs()))


def require_replication(srv: Server) -> None:
    """The replica parts need the gRPC services; their absence is a failure, not a skip."""
    if not grpc_services_present(srv.url):
        pytest.fail(
            f"the server does not serve wal_log.ReplicationLog: POST {srv.url}/wal_log.ReplicationLog/Hello "
            "answers 404 (LIBSQL-SURFACE.md §8.4)"
        )
