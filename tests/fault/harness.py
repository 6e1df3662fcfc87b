"""Process management for the fault tests: a Basalt server we can SIGKILL and restart on
the same data directory and port, a TCP proxy that cuts connections, replica child
processes, and content checksums. Standard library only (plus tests/lib/hrana_http.py).
"""

from __future__ import annotations

import hashlib
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import List, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lib"))

from hrana_http import Primary  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`basalt serve` on 127.0.0.1:<port> with a given data directory. The port is fixed
    at the first start (chosen free) so a restarted server keeps the URL replicas use."""

    def __init__(self, data_dir: Path, port: Optional[int] = None, extra_args: Optional[List[str]] = None):
        self.bin = os.environ.get("BASALT_BIN")
        assert self.bin and os.access(self.bin, os.X_OK), f"BASALT_BIN={self.bin!r} is not an executable"
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.extra_args = extra_args or []
        self.proc: Optional[subprocess.Popen] = None
        self.log_dir = self.data_dir.parent
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def primary(self) -> Primary:
        return Primary(self.url)

    def start(self, timeout: float = 30.0) -> "Server":
        assert self.proc is None or self.proc.poll() is not None, "server already running"
        self.starts += 1
        out = open(self.log_dir / f"server-{self.starts}.out", "wb")
        err = open(self.log_dir / f"server-{self.starts}.err", "wb")
        self.proc = subprocess.Popen(
            [self.bin, "serve", "--http-listen-addr", f"127.0.0.1:{self.port}",
             "--data-dir", str(self.data_dir), *self.extra_args],
            stdout=out, stderr=err, stdin=subprocess.DEVNULL,
        )
        out.close()
        err.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited during startup (status {self.proc.returncode}):\n{self.logs()}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as r:
                    if r.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.05)
        raise RuntimeError(f"GET {self.url}/health never answered 200 within {timeout} s:\n{self.logs()}")

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)

    def logs(self, lines: int = 40) -> str:
        out = []
        for f in sorted(self.log_dir.glob("server-*.e*")) + sorted(self.log_dir.glob("server-*.out")):
            text = f.read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {f.name} ---\n" + "\n".join(text))
        return "\n".join(out)


def grpc_services_present(url: str) -> bool:
    """False when POST /wal_log.ReplicationLog/Hello is a plain 404 (service absent)."""
    req = urllib.request.Request(
        url + "/wal_log.ReplicationLog/Hello",
        data=b"\x00\x00\x00\x00\x02\x08\x01",  # gRPC-web frame: HelloRequest{handshake_version: 1}
        headers={"content-type": "application/grpc-web+proto"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=5):
            return True
    except urllib.error.HTTPError as e:
        return e.code != 404


def rows_digest(rows) -> str:
    h = hashlib.sha256()
    for r in rows:
        h.update(repr(tuple(r)).encode())
        h.update(b"\n")
    return h.hexdigest()


class CutProxy:
    """A TCP proxy 127.0.0.1:<port> -> upstream. While `cut_after` is set, a connection on
    which the client sent a request whose bytes contain `trigger` (e.g. b"BatchLogEntries")
    is closed (both ways, RST) after `cut_after` more bytes of the server's answer went
    back to the client. `cuts` counts the connections cut."""

    def __init__(self, upstream_port: int, trigger: bytes, cut_after: Optional[int]):
        self.upstream_port = upstream_port
        self.trigger = trigger
        self.cut_after = cut_after
        self.cuts = 0
        self.requests_seen = 0
        self._lsock = socket.socket()
        self._lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._lsock.bind(("127.0.0.1", 0))
        self._lsock.listen(64)
        self.port = self._lsock.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._closed = True
        try:
            self._lsock.close()
        except OSError:
            pass

    def _accept(self) -> None:
        while not self._closed:
            try:
                c, _ = self._lsock.accept()
            except OSError:
                return
            threading.Thread(target=self._pipe, args=(c,), daemon=True).start()

    def _pipe(self, c: socket.socket) -> None:
        try:
            u = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:
            c.close()
            return
        armed_budget: Optional[int] = None
        tail = b""
        try:
            while True:
                r, _, _ = select.select([c, u], [], [], 30)
                if not r:
                    return
                if c in r:
                    data = c.recv(65536)
                    if not data:
                        return
                    window = tail + data
                    if self.cut_after is not None and self.trigger in window and armed_budget is None:
                        armed_budget = self.cut_after
                        self.requests_seen += 1
                    tail = window[-len(self.trigger):]
                    u.sendall(data)
                if u in r:
                    data = u.recv(65536)
                    if not data:
                        return
                    if armed_budget is not None:
                        if len(data) >= armed_budget:
                            c.sendall(data[:armed_budget])
                            self.cuts += 1
                            # RST rather than FIN: the client sees a connection reset.
                            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                            return
                        armed_budget -= len(data)
                    c.sendall(data)
        except OSError:
            return
        finally:
            for s in (c, u):
                try:
                    s.close()
                except OSError:
                    pass


class ReplicaError(Exception):
    """The replica (the libsql client) reported an error for an operation."""


class ReplicaProc:
    """An embedded replica (the `libsql` wheel) in a child process: replica_child.py serve.
    Every call is bounded by a timeout; a call that does not answer in time kills the child
    and raises AssertionError (a hang is a failure)."""

    def __init__(self, path: Path, url: str, timeout: float = 60.0, sync_interval: Optional[float] = None):
        self.path = Path(path)
        self.timeout = timeout
        self.noise: List[str] = []  # unexpected lines on the answer channel
        self.log_path = Path(str(path) + ".client.log")  # the client's own log (tracing)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "replica_child.py"), "serve", str(path), url,
             *([str(sync_interval)] if sync_interval is not None else [])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True,
        )
        self._log.close()
        self._read("connect", timeout)

    def client_log(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(re.sub(r"\x1b\[[0-9;]*m", "", t)[:300] for t in text[-lines:] + self.noise[-5:])

    def _read(self, what: str, timeout: float) -> dict:
        import json
        deadline = time.monotonic() + timeout
        while True:
            r, _, _ = select.select([self.proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
            if not r:
                self.kill()
                raise AssertionError(f"replica: {what} did not return within {timeout:.0f} s (the client hung; "
                                     f"killed). Client log tail:\n" + self.client_log())
            line = self.proc.stdout.readline()
            if not line:
                raise AssertionError(f"replica process died during {what} (exit {self.proc.wait(5)}). "
                                     "Client log tail:\n" + self.client_log())
            if line.startswith("@@ "):
                break
            self.noise.append(re.sub(r"\x1b\[[0-9;]*m", "", line.rstrip())[:300])
        line = line[3:]
        if line.startswith("ERROR"):
            raise ReplicaError(line.strip())
        out = json.loads(line)
        if not out.get("ok"):
            raise ReplicaError(out.get("error"))
        return out

    def _call(self, what: str, cmd: dict, timeout: Optional[float]) -> dict:
        import json
        assert self.proc.poll() is None, "replica process is not running"
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return self._read(what, timeout or self.timeout)

    def sync(self, timeout: Optional[float] = None) -> None:
        self._call("sync()", {"op": "sync"}, timeout)

    def execute(self, sql: str, args=(), timeout: Optional[float] = None) -> int:
        return self._call(f"execute({sql[:60]!r})", {"op": "execute", "sql": sql, "args": list(args)}, timeout)["rowcount"]

    def query(self, sql: str, args=(), timeout: Optional[float] = None) -> List[tuple]:
        rows = self._call(f"query({sql[:60]!r})", {"op": "query", "sql": sql, "args": list(args)}, timeout)["rows"]
        return [tuple(v["hex"] if isinstance(v, dict) else v for v in r) for r in rows]

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(10)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()
