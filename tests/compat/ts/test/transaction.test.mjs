// Interactive transactions: commit, rollback, close, isolation, concurrency.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { LibsqlError } from "@libsql/client";
import { forEachTransport, expectCode, countRows, stateAfter, sleep } from "../lib/helpers.mjs";

forEachTransport("transaction", (ctx) => {
    let db;
    let t;
    before(async () => {
        db = ctx.client();
        t = ctx.table("tx");
        await db.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, v TEXT UNIQUE)`);
    });

    test('"write" transaction: several executes then commit', async () => {
        const other = ctx.client();
        const tx = await db.transaction("write");
        try {
            const r1 = await tx.execute({ sql: `INSERT INTO ${t} (id, v) VALUES (?, ?)`, args: [1n, "a"] });
            assert.equal(r1.rowsAffected, 1);
            assert.equal(r1.lastInsertRowid, 1n);
            const r2 = await tx.execute({ sql: `INSERT INTO ${t} (id, v) VALUES (:id, :v)`, args: { id: 2n, v: "b" } });
            assert.equal(r2.lastInsertRowid, 2n);
            await tx.execute(`UPDATE ${t} SET v = v || v WHERE id = 2`);

            // The transaction sees its own writes …
            const inside = await tx.execute(`SELECT id, v FROM ${t} WHERE id IN (1, 2) ORDER BY id`);
            assert.deepEqual(inside.rows.map((r) => [r.id, r.v]), [[1, "a"], [2, "bb"]]);
            // … another client does not.
            assert.equal(await countRows(other, t, "WHERE id IN (1, 2)"), 0);

            await tx.commit();
            assert.equal(tx.closed, true);
        } finally {
            tx.close();
        }
        const after = await other.execute(`SELECT id, v FROM ${t} WHERE id IN (1, 2) ORDER BY id`);
        assert.deepEqual(after.rows.map((r) => [r.id, r.v]), [[1, "a"], [2, "bb"]]);
    });

    test("rollback discards the transaction's writes", async () => {
        const tx = await db.transaction("write");
        try {
            await tx.execute(`INSERT INTO ${t} (id, v) VALUES (10, 'r1')`);
            await tx.execute(`UPDATE ${t} SET v = 'zzz' WHERE id = 1`);
            assert.equal(await countRows({ execute: (s) => tx.execute(s) }, t, "WHERE id = 10"), 1);
            await tx.rollback();
            assert.equal(tx.closed, true);
        } finally {
            tx.close();
        }
        assert.equal(await countRows(db, t, "WHERE id = 10"), 0);
        const one = await db.execute(`SELECT v FROM ${t} WHERE id = 1`);
        assert.equal(one.rows[0].v, "a");
    });

    test("close() without commit rolls back", async () => {
        const tx = await db.transaction("write");
        await tx.execute(`INSERT INTO ${t} (id, v) VALUES (20, 'closed')`);
        tx.close();
        assert.equal(tx.closed, true);
        // The server must release the lock and roll back: a new write succeeds and the row is gone.
        const other = ctx.client();
        assert.equal(await countRows(other, t, "WHERE id = 20"), 0);
        const w = await other.execute(`INSERT INTO ${t} (id, v) VALUES (21, 'after-close')`);
        assert.equal(w.rowsAffected, 1);
        assert.equal(await countRows(other, t, "WHERE id = 20"), 0);
    });

    test("executing on a committed transaction fails with TRANSACTION_CLOSED", async () => {
        const tx = await db.transaction("write");
        await tx.execute(`INSERT INTO ${t} (id, v) VALUES (30, 'c')`);
        await tx.commit();
        await expectCode(tx.execute("SELECT 1"), "TRANSACTION_CLOSED");
        assert.equal(await countRows(db, t, "WHERE id = 30"), 1);
    });

    test("a failing statement inside a transaction does not end it", async () => {
        const tx = await db.transaction("write");
        try {
            await tx.execute(`INSERT INTO ${t} (id, v) VALUES (40, 'd')`);
            await expectCode(tx.execute(`INSERT INTO ${t} (id, v) VALUES (41, 'd')`), "SQLITE_CONSTRAINT", "UNIQUE constraint failed");
            await expectCode(tx.execute("SELEC 1"), "SQL_PARSE_ERROR");
            const rs = await tx.execute(`INSERT INTO ${t} (id, v) VALUES (42, 'e')`);
            assert.equal(rs.rowsAffected, 1);
            await tx.commit();
        } finally {
            tx.close();
        }
        const rs = await db.execute(`SELECT id FROM ${t} WHERE id BETWEEN 40 AND 42 ORDER BY id`);
        assert.deepEqual(rs.rows.map((r) => r.id), [40, 42]);
    });

    test("tx.batch and tx.executeMultiple run inside the transaction", async () => {
        const tx = await db.transaction("write");
        try {
            const res = await tx.batch([
                `INSERT INTO ${t} (id, v) VALUES (50, 'f')`,
                { sql: `INSERT INTO ${t} (id, v) VALUES (?, ?)`, args: [51n, "g"] },
                `SELECT count(*) AS n FROM ${t} WHERE id IN (50, 51)`,
            ]);
            assert.equal(res.length, 3);
            assert.equal(res[2].rows[0].n, 2);
            await tx.executeMultiple(`INSERT INTO ${t} (id, v) VALUES (52, 'h'); INSERT INTO ${t} (id, v) VALUES (53, 'i');`);
            assert.equal(await countRows(db, t, "WHERE id BETWEEN 50 AND 53"), 0);
            await tx.rollback();
        } finally {
            tx.close();
        }
        assert.equal(await countRows(db, t, "WHERE id BETWEEN 50 AND 53"), 0);
    });

    test('"read" transaction reads; a write in it either works like DEFERRED or fails with SQLITE_READONLY', async () => {
        // LIBSQL-SURFACE §10.3 / §13 item 17: libSQL does not enforce READONLY; Basalt may.
        const tx = await db.transaction("read");
        try {
            const rs = await tx.execute(`SELECT v FROM ${t} WHERE id = 1`);
            assert.equal(rs.rows[0].v, "a");
            try {
                const w = await tx.execute(`INSERT INTO ${t} (id, v) VALUES (60, 'ro')`);
                assert.equal(w.rowsAffected, 1);
            } catch (e) {
                assert.ok(e instanceof LibsqlError, `expected a LibsqlError, got ${e}`);
                assert.equal(e.code, "SQLITE_READONLY", e.message);
            }
            // Either way the transaction is still usable for reads.
            const again = await tx.execute(`SELECT count(*) AS n FROM ${t} WHERE id = 1`);
            assert.equal(again.rows[0].n, 1);
            await tx.rollback();
        } finally {
            tx.close();
        }
        // Rolled back (or never written): the row is not there.
        assert.equal(await countRows(db, t, "WHERE id = 60"), 0);
    });

    test('"deferred" transaction can write and commit', async () => {
        const tx = await db.transaction("deferred");
        try {
            await tx.execute(`SELECT count(*) FROM ${t}`);
            await tx.execute(`INSERT INTO ${t} (id, v) VALUES (70, 'def')`);
            await tx.commit();
        } finally {
            tx.close();
        }
        assert.equal(await countRows(db, t, "WHERE id = 70"), 1);
    });

    test("a read transaction does not see a later commit by another client (snapshot)", async () => {
        const tx = await db.transaction("read");
        try {
            const before = (await tx.execute(`SELECT count(*) AS n FROM ${t}`)).rows[0].n;
            await ctx.client().execute(`INSERT INTO ${t} (id, v) VALUES (80, 'snap')`);
            const again = (await tx.execute(`SELECT count(*) AS n FROM ${t}`)).rows[0].n;
            assert.equal(again, before);
        } finally {
            tx.close();
        }
        assert.equal(await countRows(db, t, "WHERE id = 80"), 1);
    });

    test("concurrent write transactions from two clients: the second waits, both succeed in turn", async () => {
        const a = ctx.client();
        const b = ctx.client();
        const txA = await a.transaction("write");
        const order = [];
        let txB;
        try {
            await txA.execute(`INSERT INTO ${t} (id, v) VALUES (90, 'A')`);
            order.push("A wrote");

            txB = await b.transaction("write");
            // The BEGIN IMMEDIATE is sent together with B's first statement; it must wait for A.
            const bFirst = txB.execute(`SELECT count(*) AS n FROM ${t} WHERE id = 90`).then((rs) => {
                order.push("B began");
                return rs;
            });
            assert.equal(await stateAfter(bFirst, 400), "pending", "B must wait while A holds the write lock");

            await txA.execute(`INSERT INTO ${t} (id, v) VALUES (91, 'A2')`);
            assert.equal(await stateAfter(bFirst, 50), "pending", "B must still wait while A is open");
            // B may be answered before A's COMMIT response reaches us, so mark the point before committing.
            order.push("A committing");
            await txA.commit();

            const rsB = await bFirst; // must not fail with SQLITE_BUSY
            // B began after A committed, so it sees A's row.
            assert.equal(rsB.rows[0].n, 1);
            await txB.execute(`INSERT INTO ${t} (id, v) VALUES (92, 'B')`);
            await txB.commit();
            order.push("B committed");
        } finally {
            txA.close();
            txB?.close();
        }
        assert.deepEqual(order, ["A wrote", "A committing", "B began", "B committed"]);
        assert.equal(await countRows(db, t, "WHERE id BETWEEN 90 AND 92"), 3);
    });

    test("many clients racing write transactions all commit without SQLITE_BUSY", async () => {
        const clients = Array.from({ length: 4 }, () => ctx.client());
        await Promise.all(
            clients.map(async (c, i) => {
                const tx = await c.transaction("write");
                try {
                    await tx.execute({ sql: `INSERT INTO ${t} (id, v) VALUES (?, ?)`, args: [BigInt(200 + i), `race${i}`] });
                    await sleep(20);
                    await tx.execute({ sql: `UPDATE ${t} SET v = v || '!' WHERE id = ?`, args: [BigInt(200 + i)] });
                    await tx.commit();
                } finally {
                    tx.close();
                }
            }),
        );
        const rs = await db.execute(`SELECT count(*) AS n FROM ${t} WHERE id BETWEEN 200 AND 203 AND v LIKE '%!'`);
        assert.equal(rs.rows[0].n, 4);
    });
});
