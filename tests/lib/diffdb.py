"""Shared pieces of the differential test suites (tests/diff/*): the same SQL on
embedded libSQL (the `libsql` PyPI package) and on a Basalt server over Hrana
(/v2/pipeline, one stream), with errors reduced to SQLite's bare message.
"""

import base64
import json
import os
import re
import urllib.request

import libsql

URL = os.environ.get("BASALT_URL", "http://127.0.0.1:8080")


# --- Basalt over Hrana -------------------------------------------------------------


def _value(v):
    kind = v["type"]
    if kind == "null":
        return None
    if kind == "integer":
        return int(v["value"])
    if kind == "float":
        return float(v["value"])
    if kind == "text":
        return v["value"]
    if kind == "blob":
        data = v["base64"]
        return base64.b64decode(data + "=" * (-len(data) % 4))
    raise AssertionError(v)


class Basalt:
    def __init__(self):
        self.baton = None

    def execute(self, sql):
        body = {
            "baton": self.baton,
            "requests": [{"type": "execute", "stmt": {"sql": sql}}],
        }
        req = urllib.request.Request(
            URL + "/v2/pipeline",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=30) as r:
            resp = json.load(r)
        self.baton = resp["baton"]
        result = resp["results"][0]
        if result["type"] == "error":
            raise StmtError(normalize(result["error"]["message"]))
        rows = result["response"]["result"]["rows"]
        return [tuple(_value(v) for v in row) for row in rows]

    def close(self):
        if self.baton:
            body = {"baton": self.baton, "requests": [{"type": "close"}]}
            req = urllib.request.Request(
                URL + "/v2/pipeline",
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json"},
            )
            urllib.request.urlopen(req, timeout=30).read()


class StmtError(Exception):
    pass


def normalize(message):
    """The bare SQLite message, without the Hrana prefixes and offset suffix."""
    for prefix in ("SQLite error: ", "SQL input error: ", "SQL string could not be parsed: "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    message = re.sub(r" \(at offset \d+\)$", "", message)
    if "syntax error" in message or message == "incomplete input":
        return "<syntax error>"
    return message


class Libsql:
    def __init__(self, path=":memory:"):
        self.conn = libsql.connect(path, isolation_level=None)

    def execute(self, sql):
        try:
            rows = self.conn.execute(sql).fetchall()
        except ValueError as e:  # libsql raises ValueError with the SQLite message
            raise StmtError(normalize(str(e))) from None
        return [tuple(r) for r in rows or []]  # DDL gives None

    def close(self):
        pass


def outcome(db, sql):
    try:
        return ("ok", db.execute(sql))
    except StmtError as e:
        return ("error", str(e))


def empty_basalt():
    """A Basalt stream on the server's database after dropping every table and view."""
    b = Basalt()
    objects = b.execute(
        "SELECT type, name FROM sqlite_schema WHERE type IN ('table', 'view') "
        "AND name NOT LIKE 'sqlite_%'"
    )
    for kind, name in objects:
        try:
            b.execute(f'DROP {kind.upper()} IF EXISTS "{name}"')
        except StmtError:
            pass  # shadow tables of a dropped virtual table are gone already
    return b
