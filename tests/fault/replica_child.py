"""A replica process for the fault tests, so that the test process never blocks inside the
`libsql` wheel (which holds the GIL while it waits on the network: an in-process proxy
thread would starve) and a hung call can be bounded and killed.

  replica_child.py oneshot PATH SYNC_URL   connect + sync(); prints "SYNCED <s>" (exit 0)
                                           or "ERROR <msg>" (exit 1)
  replica_child.py serve PATH SYNC_URL [SYNC_INTERVAL]
                                           JSON commands on stdin, one per line:
      {"op": "sync"} | {"op": "execute", "sql": ..., "args": [...]} | {"op": "query", "sql": ...}
    answers one JSON line each: {"ok": true, "rows": [...]} or {"ok": false, "error": "..."}.
    Blobs come back as {"hex": "..."}.
"""

import json
import os
import sys
import time

import libsql


def _jsonable(v):
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"hex": bytes(v).hex()}
    return v


def main() -> None:
    mode, path, url = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "serve":
        # Answers go to the original stdout; everything else written to fd 1 (the wheel's
        # tracing output, from its own threads) goes to stderr, so the two never mix.
        global print
        proto = os.fdopen(os.dup(1), "w", buffering=1)
        os.dup2(2, 1)
        _print = print

        def print(*args, **kw):  # noqa: A001
            kw.setdefault("file", proto)
            _print(*args, **kw)
    started = time.monotonic()
    try:
        kw = {"sync_interval": float(sys.argv[4])} if len(sys.argv) > 4 else {}
        conn = libsql.connect(path, sync_url=url, isolation_level=None, **kw)
        if mode == "oneshot":
            conn.sync()
    except Exception as e:  # noqa: BLE001
        print(f"@@ ERROR {type(e).__name__}: {e}", flush=True)
        sys.exit(1)
    if mode == "oneshot":
        print(f"SYNCED {time.monotonic() - started:.2f}", flush=True)
        return
    # Answers are prefixed with "@@ ": the wheel's tracing output shares stdout.
    print("@@ " + json.dumps({"ok": True, "ready": True}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            if cmd["op"] == "sync":
                conn.sync()
                out = {"ok": True}
            elif cmd["op"] == "execute":
                cur = conn.execute(cmd["sql"], tuple(cmd.get("args", ())))
                out = {"ok": True, "rowcount": cur.rowcount}
            elif cmd["op"] == "query":
                rows = conn.execute(cmd["sql"], tuple(cmd.get("args", ()))).fetchall()
                out = {"ok": True, "rows": [[_jsonable(v) for v in r] for r in rows]}
            else:
                out = {"ok": False, "error": f"unknown op {cmd['op']!r}"}
        except Exception as e:  # noqa: BLE001
            out = {"ok": False, "error": f"{type(e).__name__}: {e}"}
        print("@@ " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
