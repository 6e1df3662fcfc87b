// batch() in "write", "read" and "deferred" modes, atomicity on failure.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { LibsqlError, LibsqlBatchError } from "@libsql/client";
import { forEachTransport, expectCode, countRows } from "../lib/helpers.mjs";

forEachTransport("batch", (ctx) => {
    let db;
    let t;
    before(async () => {
        db = ctx.client();
        t = ctx.table("batch");
        await db.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)`);
        await db.execute(`INSERT INTO ${t} (id, name) VALUES (1, 'seed')`);
    });

    test('"write" batch returns one result per statement and commits', async () => {
        const results = await db.batch(
            [
                { sql: `INSERT INTO ${t} (id, name) VALUES (?, ?)`, args: [10n, "a"] },
                { sql: `INSERT INTO ${t} (id, name) VALUES (:id, :name)`, args: { id: 11n, name: "b" } },
                [`INSERT INTO ${t} (id, name) VALUES (?, ?)`, [12n, "c"]],
                `UPDATE ${t} SET name = name || '!' WHERE id >= 11`,
                `SELECT id, name FROM ${t} WHERE id >= 10 ORDER BY id`,
            ],
            "write",
        );
        assert.equal(results.length, 5);
        assert.equal(results[0].rowsAffected, 1);
        assert.equal(results[0].lastInsertRowid, 10n);
        assert.equal(results[1].lastInsertRowid, 11n);
        assert.equal(results[2].lastInsertRowid, 12n);
        assert.equal(results[3].rowsAffected, 2);
        assert.deepEqual(results[4].columns, ["id", "name"]);
        assert.deepEqual(results[4].columnTypes, ["INTEGER", "TEXT"]);
        assert.deepEqual(results[4].rows.map((r) => [r.id, r.name]), [[10, "a"], [11, "b!"], [12, "c!"]]);

        // Committed: another client sees it.
        const other = ctx.client();
        assert.equal(await countRows(other, t, "WHERE id BETWEEN 10 AND 12"), 3);
    });

    test('"read" batch runs SELECTs', async () => {
        const results = await db.batch(
            [`SELECT count(*) AS n FROM ${t}`, { sql: `SELECT name FROM ${t} WHERE id = ?`, args: [1n] }],
            "read",
        );
        assert.equal(results.length, 2);
        assert.equal(results[0].rows[0].n, 4);
        assert.equal(results[1].rows[0].name, "seed");
    });

    test('"read" batch with a write statement is atomic either way', async () => {
        // LIBSQL-SURFACE §10.3: libSQL does not enforce BEGIN TRANSACTION READONLY (it behaves like
        // BEGIN DEFERRED); §13 item 17 lets Basalt enforce it with SQLITE_READONLY instead. Accept
        // exactly those two outcomes: committed, or rejected with SQLITE_READONLY and nothing written.
        const before = await countRows(db, t);
        let err;
        let results;
        try {
            results = await db.batch([`INSERT INTO ${t} (id, name) VALUES (50, 'ro')`, `SELECT count(*) AS n FROM ${t}`], "read");
        } catch (e) {
            err = e;
        }
        if (err === undefined) {
            assert.equal(results[0].rowsAffected, 1);
            assert.equal(results[1].rows[0].n, before + 1);
            assert.equal(await countRows(ctx.client(), t, "WHERE id = 50"), 1, "the write must have been committed");
            await db.execute(`DELETE FROM ${t} WHERE id = 50`);
        } else {
            assert.ok(err instanceof LibsqlError, `expected a LibsqlError, got ${err}`);
            assert.equal(err.code, "SQLITE_READONLY", err.message);
            assert.equal(await countRows(db, t), before);
        }
    });

    test('"deferred" batch (also the default mode) commits', async () => {
        const r1 = await db.batch([`INSERT INTO ${t} (id, name) VALUES (20, 'd1')`, `SELECT name FROM ${t} WHERE id = 20`], "deferred");
        assert.equal(r1[1].rows[0].name, "d1");
        const r2 = await db.batch([`INSERT INTO ${t} (id, name) VALUES (21, 'd2')`]);
        assert.equal(r2[0].rowsAffected, 1);
        assert.equal(await countRows(ctx.client(), t, "WHERE id IN (20, 21)"), 2);
    });

    test("a failing statement (UNIQUE violation) rolls back the whole batch", async () => {
        const before = await countRows(db, t);
        const err = await expectCode(
            db.batch(
                [
                    `INSERT INTO ${t} (id, name) VALUES (30, 'x1')`,
                    `UPDATE ${t} SET name = 'changed' WHERE id = 1`,
                    `INSERT INTO ${t} (id, name) VALUES (31, 'x1')`, // duplicate name
                    `INSERT INTO ${t} (id, name) VALUES (32, 'x3')`,
                ],
                "write",
            ),
            "SQLITE_CONSTRAINT",
            "UNIQUE constraint failed",
        );
        assert.ok(err instanceof LibsqlBatchError, `expected LibsqlBatchError, got ${err?.name}`);
        assert.equal(err.statementIndex, 2);
        // Nothing from the batch is left behind.
        assert.equal(await countRows(db, t), before);
        assert.equal(await countRows(db, t, "WHERE id IN (30, 31, 32)"), 0);
        const seed = await db.execute(`SELECT name FROM ${t} WHERE id = 1`);
        assert.equal(seed.rows[0].name, "seed");
        // No transaction is left open: a following write batch works.
        const ok = await db.batch([`INSERT INTO ${t} (id, name) VALUES (33, 'after')`], "write");
        assert.equal(ok[0].rowsAffected, 1);
    });

    test("a runtime error (missing table) rolls back the whole batch", async () => {
        await expectCode(
            db.batch([`INSERT INTO ${t} (id, name) VALUES (40, 'y')`, "SELECT * FROM no_such_table_at_all"], "write"),
            "SQLITE_UNKNOWN",
            "no such table",
        );
        assert.equal(await countRows(db, t, "WHERE id = 40"), 0);
    });

    test("a syntax error in any statement fails the batch and nothing runs", async () => {
        const err = await expectCode(
            db.batch([`INSERT INTO ${t} (id, name) VALUES (41, 'z')`, "SELEC 1"], "write"),
            "SQL_PARSE_ERROR",
        );
        assert.ok(err instanceof LibsqlError);
        assert.equal(await countRows(db, t, "WHERE id = 41"), 0);
    });

    test("a batch with DDL is atomic too", async () => {
        const t2 = ctx.table("batchddl");
        await assert.rejects(
            db.batch([`CREATE TABLE ${t2} (a)`, `INSERT INTO ${t2} VALUES (1)`, `INSERT INTO ${t2} VALUES (1, 2)`], "write"),
            LibsqlError,
        );
        await expectCode(db.execute(`SELECT * FROM ${t2}`), "SQLITE_UNKNOWN", "no such table");

        const ok = await db.batch([`CREATE TABLE ${t2} (a)`, `INSERT INTO ${t2} VALUES (1), (2)`], "write");
        assert.equal(ok[1].rowsAffected, 2);
        assert.equal(await countRows(db, t2), 2);
    });

    test("an empty batch resolves to an empty array", async () => {
        assert.deepEqual(await db.batch([], "write"), []);
    });

    test("concurrent write batches from two clients all apply", async () => {
        const a = ctx.client();
        const b = ctx.client();
        const jobs = [];
        for (let i = 0; i < 10; i++) {
            const c = i % 2 === 0 ? a : b;
            jobs.push(
                c.batch(
                    [
                        { sql: `INSERT INTO ${t} (id, name) VALUES (?, ?)`, args: [BigInt(100 + i), `c${i}`] },
                        { sql: `UPDATE ${t} SET name = name || '+' WHERE id = ?`, args: [BigInt(100 + i)] },
                    ],
                    "write",
                ),
            );
        }
        await Promise.all(jobs);
        const rs = await db.execute(`SELECT count(*) AS n, sum(name LIKE '%+') AS plus FROM ${t} WHERE id BETWEEN 100 AND 109`);
        assert.equal(rs.rows[0].n, 10);
        assert.equal(rs.rows[0].plus, 10);
    });
});
