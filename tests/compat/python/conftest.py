"""Fixtures for the `libsql-client` (PyPI) compatibility tests.

Every test runs four times: over an ``http://`` URL (the client then uses
``POST /v1/execute`` and ``POST /v1/batch``) and over a ``ws://`` URL (WebSocket,
subprotocol ``hrana2``), each with the synchronous client
(``create_client_sync``) and the asyncio client (``create_client``).

A test is written once, as an ``async def body(ctx)`` coroutine, and handed to
``target.run(body)``. For the sync client, ``ctx.db`` wraps a ``ClientSync`` in
an object with awaitable methods that simply call the blocking ones, so the same
body exercises both client flavours. The asyncio client has to be created while
an event loop is running (its WebSocket client starts tasks in ``__init__``), so
``target.run`` creates it inside ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any, Awaitable, Callable, List, Optional

import libsql_client
import pytest


def _base_url() -> str:
    url = os.environ.get("BASALT_URL")
    if not url:
        pytest.exit("BASALT_URL is not set; run the tests through run.sh", returncode=2)
    return url.rstrip("/")


class _SyncTx:
    """Awaitable facade over ``TransactionSync``."""

    def __init__(self, tx: libsql_client.TransactionSync):
        self._tx = tx

    async def execute(self, stmt: Any, args: Any = None) -> libsql_client.ResultSet:
        return self._tx.execute(stmt, args)

    async def commit(self) -> None:
        self._tx.commit()

    async def rollback(self) -> None:
        self._tx.rollback()

    def close(self) -> None:
        self._tx.close()

    @property
    def closed(self) -> bool:
        return self._tx.closed


class _SyncDb:
    """Awaitable facade over ``ClientSync``."""

    def __init__(self, client: libsql_client.ClientSync):
        self._client = client

    async def execute(self, stmt: Any, args: Any = None) -> libsql_client.ResultSet:
        return self._client.execute(stmt, args)

    async def batch(self, stmts: List[Any]) -> List[libsql_client.ResultSet]:
        return self._client.batch(stmts)

    def transaction(self) -> _SyncTx:
        return _SyncTx(self._client.transaction())

    async def close(self) -> None:
        self._client.close()


class _AsyncDb:
    def __init__(self, client: libsql_client.Client):
        self._client = client

    async def execute(self, stmt: Any, args: Any = None) -> libsql_client.ResultSet:
        return await self._client.execute(stmt, args)

    async def batch(self, stmts: List[Any]) -> List[libsql_client.ResultSet]:
        return await self._client.batch(stmts)

    def transaction(self) -> libsql_client.Transaction:
        return self._client.transaction()

    async def close(self) -> None:
        await self._client.close()


class Ctx:
    def __init__(self, target: "Target"):
        self.target = target
        self.db: Any = None
        self._extra: List[Any] = []

    async def open(self) -> Any:
        """Opens one more client (its own connection) of the same kind."""
        db = await self.target._open()
        self._extra.append(db)
        return db

    def table(self, prefix: str = "t") -> str:
        """A table name no other test (or parametrization) uses."""
        return f"{prefix}_{uuid.uuid4().hex[:12]}"


class Target:
    def __init__(self, scheme: str, flavour: str):
        self.scheme = scheme
        self.flavour = flavour
        base = _base_url()
        assert base.startswith("http://"), base
        self.url = base if scheme == "http" else "ws://" + base[len("http://"):]

    @property
    def is_ws(self) -> bool:
        return self.scheme == "ws"

    async def _open(self) -> Any:
        if self.flavour == "sync":
            return _SyncDb(libsql_client.create_client_sync(self.url))
        return _AsyncDb(libsql_client.create_client(self.url))

    def run(self, body: Callable[[Ctx], Awaitable[None]], timeout: float = 60.0) -> None:
        async def main() -> None:
            ctx = Ctx(self)
            ctx.db = await self._open()
            try:
                await asyncio.wait_for(body(ctx), timeout)
            finally:
                for db in [ctx.db, *ctx._extra]:
                    await db.close()

        asyncio.run(main())

    def __repr__(self) -> str:
        return f"{self.scheme}-{self.flavour}"


@pytest.fixture(
    params=[("http", "sync"), ("http", "async"), ("ws", "sync"), ("ws", "async")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def target(request: pytest.FixtureRequest) -> Target:
    scheme, flavour = request.param
    return Target(scheme, flavour)
