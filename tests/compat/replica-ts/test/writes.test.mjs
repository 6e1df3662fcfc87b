// Writes through the replica: forwarded to the primary (proxy.Proxy/Execute), then
// readable locally at once (read-your-writes); batch and interactive transactions
// (LIBSQL-SURFACE.md §8.6, §8.7).
import { test } from "node:test";
import assert from "node:assert/strict";
import { primary, replica, tempDir, uniqueName, rowsOf, countRows, sync } from "../lib/helpers.mjs";

test("execute through the replica lands on the primary and is readable locally right after", async () => {
    const t = uniqueName("fwd");
    const r = replica(tempDir());
    await sync(r, "first sync");
    await r.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, v TEXT)`);
    const ins = await r.execute({ sql: `INSERT INTO ${t} (v) VALUES (?), (?)`, args: ["a", "b"] });
    assert.equal(ins.rowsAffected, 2, "rowsAffected of a forwarded INSERT");
    assert.deepEqual(await rowsOf(r, `SELECT id, v FROM ${t} ORDER BY id`), [[1, "a"], [2, "b"]],
        "replica content right after its own write (read-your-writes)");
    const p = primary();
    assert.deepEqual(await rowsOf(p, `SELECT id, v FROM ${t} ORDER BY id`), [[1, "a"], [2, "b"]],
        "the forwarded rows on the primary");

    await r.execute(`UPDATE ${t} SET v = 'A' WHERE id = 1`);
    await r.execute(`DELETE FROM ${t} WHERE id = 2`);
    assert.deepEqual(await rowsOf(r, `SELECT id, v FROM ${t}`), [[1, "A"]]);

    let err;
    try {
        await r.execute(`INSERT INTO ${t} (id, v) VALUES (1, 'dup')`);
    } catch (e) {
        err = e;
    }
    assert.ok(err, "a UNIQUE violation through the replica succeeded");
    assert.match(String(err.message), /unique/i, `error for a forwarded UNIQUE violation: ${err.code} ${err.message}`);
    // Still usable afterwards.
    await r.execute(`INSERT INTO ${t} (v) VALUES ('c')`);
    assert.equal(await countRows(r, t), 2);
    assert.equal(await countRows(p, t), 2);

    // A schema change through the replica is visible to the next local read at once.
    await r.execute(`ALTER TABLE ${t} ADD COLUMN w INTEGER DEFAULT 7`);
    assert.deepEqual(await rowsOf(r, `SELECT id, w FROM ${t} ORDER BY id`), [[1, 7], [2, 7]],
        "local read right after a forwarded ALTER TABLE");
});

test("batch through the replica: atomic on the primary, visible locally", async () => {
    const t = uniqueName("batch");
    const p = primary();
    await p.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, v TEXT UNIQUE)`);
    const r = replica(tempDir());
    await sync(r, "first sync");

    const res = await r.batch([
        { sql: `INSERT INTO ${t} VALUES (?, ?)`, args: [1, "one"] },
        { sql: `INSERT INTO ${t} VALUES (?, ?)`, args: [2, "two"] },
        `UPDATE ${t} SET v = v || '!' WHERE id = 2`,
    ], "write");
    assert.equal(res.length, 3);
    assert.equal(res[2].rowsAffected, 1);
    const expected = [[1, "one"], [2, "two!"]];
    assert.deepEqual(await rowsOf(p, `SELECT * FROM ${t} ORDER BY id`), expected, "primary after the batch");
    assert.deepEqual(await rowsOf(r, `SELECT * FROM ${t} ORDER BY id`), expected, "replica after the batch");

    // A failing statement rolls the whole batch back, on the primary too.
    let err;
    try {
        await r.batch([
            { sql: `INSERT INTO ${t} VALUES (?, ?)`, args: [3, "three"] },
            { sql: `INSERT INTO ${t} VALUES (?, ?)`, args: [4, "one"] }, // UNIQUE(v)
        ], "write");
    } catch (e) {
        err = e;
    }
    assert.ok(err, "a batch with a UNIQUE violation succeeded");
    assert.equal(await countRows(p, t), 2, "a failed batch left rows on the primary");
    await sync(r, "after the failed batch");
    assert.equal(await countRows(r, t), 2, "a failed batch left rows in the replica");

    // The default ("deferred") batch mode, with a write in it.
    await r.batch([`INSERT INTO ${t} VALUES (5, 'five')`]);
    assert.equal(await countRows(p, t), 3);
    assert.equal(await countRows(r, t), 3);
});

test("interactive transaction through the replica: commit and rollback", async () => {
    const t = uniqueName("tx");
    const p = primary();
    await p.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, v TEXT)`);
    const r = replica(tempDir());
    await sync(r, "first sync");

    const tx = await r.transaction("write");
    try {
        await tx.execute({ sql: `INSERT INTO ${t} VALUES (?, ?)`, args: [1, "one"] });
        await tx.execute({ sql: `INSERT INTO ${t} VALUES (?, ?)`, args: [2, "two"] });
        // Inside the write transaction reads go to the primary's connection and see
        // the transaction's own rows; other clients do not.
        assert.equal(await countRows(tx, t), 2, "a read inside the transaction does not see its writes");
        assert.equal(await countRows(p, t), 0, "uncommitted rows visible on the primary");
        await tx.commit();
    } finally {
        tx.close();
    }
    assert.equal(await countRows(p, t), 2, "committed rows missing on the primary");
    assert.equal(await countRows(r, t), 2, "committed rows missing in the replica (read-your-writes)");

    const tx2 = await r.transaction("write");
    try {
        await tx2.execute(`INSERT INTO ${t} VALUES (3, 'three')`);
        await tx2.rollback();
    } finally {
        tx2.close();
    }
    assert.equal(await countRows(p, t), 2, "a rolled back row reached the primary");
    await sync(r, "after rollback");
    assert.equal(await countRows(r, t), 2, "a rolled back row reached the replica");

    // Closing without commit rolls back too, and the client stays usable.
    const tx3 = await r.transaction("write");
    await tx3.execute(`INSERT INTO ${t} VALUES (4, 'four')`);
    tx3.close();
    await r.execute(`INSERT INTO ${t} VALUES (5, 'five')`);
    assert.deepEqual(await rowsOf(p, `SELECT id FROM ${t} ORDER BY id`), [[1], [2], [5]]);
    assert.deepEqual(await rowsOf(r, `SELECT id FROM ${t} ORDER BY id`), [[1], [2], [5]]);
});

test("two replicas see each other's writes after sync()", async () => {
    const t = uniqueName("two");
    const dir = tempDir();
    const a = replica(dir, {}, "a.db");
    const b = replica(dir, {}, "b.db");
    await a.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, who TEXT)`);
    await a.execute(`INSERT INTO ${t} VALUES (1, 'a')`);
    await sync(b, "b after a's write");
    await b.execute(`INSERT INTO ${t} VALUES (2, 'b')`);
    await sync(a, "a after b's write");
    const q = `SELECT * FROM ${t} ORDER BY id`;
    assert.deepEqual(await rowsOf(a, q), [[1, "a"], [2, "b"]]);
    assert.deepEqual(await rowsOf(b, q), [[1, "a"], [2, "b"]]);
});

test("values, RETURNING and lastInsertRowid through the replica", async () => {
    const t = uniqueName("vals");
    const r = replica(tempDir(), { intMode: "bigint" });
    await sync(r, "first sync");
    await r.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, i, f, s, b, n)`);
    const ins = await r.execute({
        sql: `INSERT INTO ${t} (id, i, f, s, b, n) VALUES (?, ?, ?, ?, ?, ?)`,
        args: [10n, -9223372036854775808n, -0.5, "héllo ✓", new Uint8Array([0, 1, 255, 0]), null],
    });
    assert.equal(ins.lastInsertRowid, 10n, "lastInsertRowid of a forwarded INSERT");
    // Positional args only: named args in a forwarded write crash the client, see the
    // skipped test below.
    await r.execute({
        sql: `INSERT INTO ${t} (id, i, f, s, b, n) VALUES (?1, ?2, ?3, ?4, ?5, ?6)`,
        args: [11n, 9223372036854775807n, 1e300, "", new Uint8Array([]), 7n],
    });
    const q = `SELECT id, i, f, s, b, n, typeof(b) FROM ${t} ORDER BY id`;
    const p = primary({ intMode: "bigint" });
    const expected = [
        [10n, -9223372036854775808n, -0.5, "héllo ✓", "x'0001ff00'", null, "blob"],
        [11n, 9223372036854775807n, 1e300, "", "x''", 7n, "blob"],
    ];
    assert.deepEqual(await rowsOf(p, q), expected, "values written through the replica, read on the primary");
    assert.deepEqual(await rowsOf(r, q), expected, "values read back locally");

    const ret = await r.execute(`INSERT INTO ${t} (id, s) VALUES (12, 'r') RETURNING id, s`);
    assert.deepEqual(plainRows(ret), [[12n, "r"]], "RETURNING rows of a forwarded INSERT");
    assert.equal(Number((await p.execute(`SELECT count(*) FROM ${t}`)).rows[0][0]), 3);
});

// libsql-js (npm `libsql` 0.5.29) binds named args by asking the statement for
// `parameter_name(i + 1)` (1-based, as SQLite numbers parameters), but for a statement
// forwarded to the primary the crate answers from `DescribeResult.param_names` with a
// 0-based lookup (libsql crate, RemoteStatement::parameter_name). The last name is
// therefore `None` and the native module panics (`src/statement.rs:396: unwrap on None`),
// aborting the process. sqld sends the same param_names list, so this is a client bug,
// not a server one; see tests/compat/REPLICA-FINDINGS.md.
test.skip("named args in a write through the replica (client bug: native panic in libsql-js, see comment)", () => {});

function plainRows(rs) {
    return rs.rows.map((row) => rs.columns.map((_, i) => row[i]));
}
