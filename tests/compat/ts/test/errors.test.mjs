// Error codes surfaced by the client, and the client staying usable afterwards.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { LibsqlError } from "@libsql/client";
import { forEachTransport, expectCode } from "../lib/helpers.mjs";

forEachTransport("errors", (ctx) => {
    let db;
    let t;
    before(async () => {
        db = ctx.client();
        t = ctx.table("err");
        await db.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, n INTEGER CHECK (n >= 0))`);
        await db.execute(`INSERT INTO ${t} (id, name, n) VALUES (1, 'one', 1)`);
    });

    async function stillUsable() {
        const rs = await db.execute({ sql: `SELECT name FROM ${t} WHERE id = ?`, args: [1n] });
        assert.equal(rs.rows[0].name, "one");
        assert.equal(db.closed, false);
    }

    test("syntax error → SQL_PARSE_ERROR", async () => {
        const err = await expectCode(db.execute("SELEC 1"), "SQL_PARSE_ERROR");
        assert.ok(err instanceof LibsqlError, `expected LibsqlError, got ${err?.name}`);
        assert.equal(err.name, "LibsqlError");
        // The client prefixes the server's message with the code.
        assert.ok(err.message.startsWith("SQL_PARSE_ERROR: "), err.message);
        assert.ok(err.message.includes("SELEC"), err.message);
        await stillUsable();
    });

    test("UNIQUE violation → SQLITE_CONSTRAINT with SQLite's message", async () => {
        const err = await expectCode(
            db.execute({ sql: `INSERT INTO ${t} (id, name, n) VALUES (?, ?, ?)`, args: [2n, "one", 0n] }),
            "SQLITE_CONSTRAINT",
            `UNIQUE constraint failed: ${t}.name`,
        );
        assert.ok(err instanceof LibsqlError);
        await stillUsable();
    });

    test("PRIMARY KEY, NOT NULL and CHECK violations → SQLITE_CONSTRAINT", async () => {
        await expectCode(db.execute(`INSERT INTO ${t} (id, name) VALUES (1, 'dup-pk')`), "SQLITE_CONSTRAINT", "UNIQUE constraint failed");
        await expectCode(db.execute(`INSERT INTO ${t} (id, name) VALUES (3, NULL)`), "SQLITE_CONSTRAINT", `NOT NULL constraint failed: ${t}.name`);
        await expectCode(db.execute(`INSERT INTO ${t} (id, name, n) VALUES (4, 'neg', -1)`), "SQLITE_CONSTRAINT", "CHECK constraint failed");
        const rs = await db.execute(`SELECT count(*) AS c FROM ${t}`);
        assert.equal(rs.rows[0].c, 1);
        await stillUsable();
    });

    test("missing table → SQLITE_UNKNOWN", async () => {
        await expectCode(db.execute("SELECT * FROM table_that_does_not_exist"), "SQLITE_UNKNOWN", "no such table: table_that_does_not_exist");
        await stillUsable();
    });

    test("missing column → SQLITE_UNKNOWN", async () => {
        await expectCode(db.execute(`SELECT no_such_column FROM ${t}`), "SQLITE_UNKNOWN", "no such column");
        await stillUsable();
    });

    test("more than one statement in execute → SQL_MANY_STATEMENTS", async () => {
        await expectCode(db.execute("SELECT 1; SELECT 2"), "SQL_MANY_STATEMENTS");
        // A trailing semicolon is fine.
        const rs = await db.execute("SELECT 7 AS x;");
        assert.equal(rs.rows[0].x, 7);
    });

    test("empty statement → SQL_NO_STATEMENT", async () => {
        await expectCode(db.execute(""), "SQL_NO_STATEMENT");
        await expectCode(db.execute("-- just a comment"), "SQL_NO_STATEMENT");
        await stillUsable();
    });

    test("wrong number of arguments → ARGS_INVALID", async () => {
        await expectCode(db.execute({ sql: "SELECT ?, ?", args: [1n] }), "ARGS_INVALID");
        await expectCode(db.execute({ sql: "SELECT ?", args: [1n, 2n] }), "ARGS_INVALID");
        await stillUsable();
    });

    test("runtime function error → SQLITE_UNKNOWN", async () => {
        await expectCode(db.execute("SELECT abs(-9223372036854775808)"), "SQLITE_UNKNOWN", "integer overflow");
        await stillUsable();
    });

    test("many errors in a row, interleaved with successes, on concurrent requests", async () => {
        const jobs = [];
        for (let i = 0; i < 20; i++) {
            if (i % 2 === 0) {
                jobs.push(db.execute("SELEC broken").then(() => "ok", (e) => e.code));
            } else {
                jobs.push(db.execute({ sql: "SELECT ? AS i", args: [BigInt(i)] }).then((rs) => rs.rows[0].i, (e) => e.code));
            }
        }
        const out = await Promise.all(jobs);
        for (let i = 0; i < 20; i++) {
            assert.equal(out[i], i % 2 === 0 ? "SQL_PARSE_ERROR" : i, `request ${i}`);
        }
        await stillUsable();
    });
});
