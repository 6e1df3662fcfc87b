"""A minimal Hrana-over-HTTP client (POST /v2/pipeline, JSON), standard library only.

Used by the replica and fault suites to write to and read from the primary directly,
without the embedded-replica machinery under test. Not a general client: one pipeline
per call, on a fresh stream that the pipeline closes.

    p = Primary("http://127.0.0.1:8080")
    p.execute("CREATE TABLE t(a)")
    p.execute("INSERT INTO t VALUES (?)", [1])
    rows = p.query("SELECT a FROM t")           # [(1,)]
    p.transaction(["INSERT ...", ("INSERT ... ?", [2])])   # BEGIN ... COMMIT in one pipeline
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from typing import Any, Iterable, List, Sequence, Tuple, Union

Stmt = Union[str, Tuple[str, Sequence[Any]]]


class HranaError(Exception):
    def __init__(self, message: str, code: str | None = None):
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code


def _encode(v: Any) -> dict:
    if v is None:
        return {"type": "null"}
    if isinstance(v, bool):
        return {"type": "integer", "value": str(int(v))}
    if isinstance(v, int):
        return {"type": "integer", "value": str(v)}
    if isinstance(v, float):
        return {"type": "float", "value": v}
    if isinstance(v, str):
        return {"type": "text", "value": v}
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"type": "blob", "base64": base64.b64encode(bytes(v)).decode().rstrip("=")}
    raise TypeError(f"cannot encode {type(v).__name__} as a Hrana value")


def _decode(v: dict) -> Any:
    t = v["type"]
    if t == "null":
        return None
    if t == "integer":
        return int(v["value"])
    if t == "float":
        return float(v["value"])
    if t == "text":
        return v["value"]
    if t == "blob":
        b = v["base64"]
        return base64.b64decode(b + "=" * (-len(b) % 4))
    raise ValueError(f"unknown Hrana value type {t!r}")


def _stmt(s: Stmt) -> dict:
    if isinstance(s, str):
        return {"sql": s, "want_rows": True}
    sql, args = s
    return {"sql": sql, "args": [_encode(a) for a in args], "want_rows": True}


class Primary:
    def __init__(self, url: str, timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.timeout = timeout

    def pipeline(self, stmts: Iterable[Stmt]) -> List[dict]:
        """Runs the statements in order on one stream; returns each statement's result.
        Raises HranaError at the first failed statement."""
        reqs = [{"type": "execute", "stmt": _stmt(s)} for s in stmts]
        body = json.dumps({"baton": None, "requests": reqs + [{"type": "close"}]}).encode()
        req = urllib.request.Request(
            self.url + "/v2/pipeline",
            data=body,
            headers={"content-type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                out = json.loads(resp.read())
        except urllib.error.HTTPError as e:
            raise HranaError(f"HTTP {e.code}: {e.read()[:500]!r}") from None
        results = []
        for r in out["results"][: len(reqs)]:
            if r["type"] != "ok":
                err = r.get("error") or {}
                raise HranaError(err.get("message", "?"), err.get("code"))
            results.append(r["response"]["result"])
        return results

    def execute(self, sql: str, args: Sequence[Any] = ()) -> dict:
        return self.pipeline([(sql, args)])[0]

    def query(self, sql: str, args: Sequence[Any] = ()) -> List[tuple]:
        res = self.execute(sql, args)
        return [tuple(_decode(v) for v in row) for row in res["rows"]]

    def scalar(self, sql: str, args: Sequence[Any] = ()) -> Any:
        rows = self.query(sql, args)
        assert rows, f"{sql!r} returned no row"
        return rows[0][0]

    def transaction(self, stmts: Iterable[Stmt]) -> List[dict]:
        """BEGIN IMMEDIATE; stmts...; COMMIT in one pipeline (a failure rolls back:
        the stream is closed with the transaction open)."""
        return self.pipeline(["BEGIN IMMEDIATE", *stmts, "COMMIT"])[1:-1]
