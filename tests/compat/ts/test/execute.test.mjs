// execute(): arguments, result shape, rowsAffected, lastInsertRowid.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { forEachTransport } from "../lib/helpers.mjs";

forEachTransport("execute", (ctx) => {
    let db;
    let t;
    before(async () => {
        db = ctx.client();
        t = ctx.table("exec");
        const rs = await db.execute(
            `CREATE TABLE ${t} (id INTEGER PRIMARY KEY, name TEXT NOT NULL, score REAL, data BLOB, misc)`,
        );
        // DDL: no columns, no rows, nothing affected.
        assert.deepEqual(rs.columns, []);
        assert.deepEqual(rs.columnTypes, []);
        assert.equal(rs.rows.length, 0);
        assert.equal(rs.rowsAffected, 0);
        assert.equal(rs.lastInsertRowid, undefined);
    });

    test("client reports the protocol of its URL", () => {
        assert.equal(db.protocol, ctx.transport.protocol);
        assert.equal(db.closed, false);
    });

    test("execute without args", async () => {
        const rs = await db.execute("SELECT 1 AS one, 'two' AS two");
        assert.deepEqual(rs.columns, ["one", "two"]);
        assert.equal(rs.rows.length, 1);
        assert.equal(rs.rows[0].one, 1);
        assert.equal(rs.rows[0].two, "two");
    });

    test("execute with positional args (object form and two-argument form)", async () => {
        const rs1 = await db.execute({ sql: "SELECT ? AS a, ? AS b, ?3 AS c", args: ["x", 2n, 3.5] });
        assert.deepEqual(rs1.columns, ["a", "b", "c"]);
        assert.equal(rs1.rows[0].a, "x");
        assert.equal(rs1.rows[0].b, 2);
        assert.equal(rs1.rows[0].c, 3.5);

        const rs2 = await db.execute("SELECT ?1 || ?2 AS s", ["ab", "cd"]);
        assert.equal(rs2.rows[0].s, "abcd");
    });

    test("execute with named args (:a, $a, @a)", async () => {
        const rs = await db.execute({ sql: "SELECT :a AS a, $b AS b, @c AS c, :a + 1 AS a1", args: { a: 1n, b: "bee", c: null } });
        assert.deepEqual(rs.columns, ["a", "b", "c", "a1"]);
        assert.equal(rs.rows[0].a, 1);
        assert.equal(rs.rows[0].b, "bee");
        assert.equal(rs.rows[0].c, null);
        assert.equal(rs.rows[0].a1, 2);

        const rs2 = await db.execute("SELECT :x * 2 AS doubled", { x: 21n });
        assert.equal(rs2.rows[0].doubled, 42);
    });

    test("INSERT reports rowsAffected and lastInsertRowid as bigint", async () => {
        const rs = await db.execute({
            sql: `INSERT INTO ${t} (id, name, score) VALUES (?, ?, ?)`,
            args: [10n, "alice", 1.5],
        });
        assert.equal(rs.rowsAffected, 1);
        assert.equal(typeof rs.lastInsertRowid, "bigint");
        assert.equal(rs.lastInsertRowid, 10n);
        assert.deepEqual(rs.columns, []);
        assert.equal(rs.rows.length, 0);

        const rs2 = await db.execute({
            sql: `INSERT INTO ${t} (name, score) VALUES (:n, :s), (:n2, :s2)`,
            args: { n: "bob", s: 2.5, n2: "carol", s2: 3.5 },
        });
        assert.equal(rs2.rowsAffected, 2);
        assert.equal(rs2.lastInsertRowid, 12n);
    });

    test("SELECT result shape: columns, columnTypes, rows by index and by name", async () => {
        const rs = await db.execute({
            sql: `SELECT id, name, score AS s, data, misc, id * 2 AS twice FROM ${t} WHERE id <= ? ORDER BY id`,
            args: [11n],
        });
        assert.deepEqual(rs.columns, ["id", "name", "s", "data", "misc", "twice"]);
        // decltype of source columns (also through an alias); "" for expressions and untyped columns.
        assert.deepEqual(rs.columnTypes, ["INTEGER", "TEXT", "REAL", "BLOB", "", ""]);
        assert.equal(rs.rows.length, 2);
        const [r0, r1] = rs.rows;
        assert.equal(r0.length, 6);
        assert.equal(r0[0], 10);
        assert.equal(r0.id, 10);
        assert.equal(r0[1], "alice");
        assert.equal(r0.name, "alice");
        assert.equal(r0[2], 1.5);
        assert.equal(r0.s, 1.5);
        assert.equal(r0.data, null);
        assert.equal(r0.misc, null);
        assert.equal(r0.twice, 20);
        assert.equal(r1.id, 11);
        assert.equal(r1.name, "bob");
        // Column names are enumerable properties, indices are not.
        assert.deepEqual(Object.keys(r0), ["id", "name", "s", "data", "misc", "twice"]);
        // A SELECT has no lastInsertRowid.
        assert.equal(rs.lastInsertRowid, undefined);
        assert.equal(rs.rowsAffected, 0);
        // toJSON() serialises without throwing and keeps the data.
        const json = JSON.parse(JSON.stringify(rs));
        assert.deepEqual(json.columns, rs.columns);
        assert.deepEqual(json.rows[0], [10, "alice", 1.5, null, null, 20]);
    });

    test("expression column names are SQLite's expression text", async () => {
        const rs = await db.execute(`SELECT count(*), 1 + 1 FROM ${t}`);
        assert.deepEqual(rs.columns, ["count(*)", "1 + 1"]);
        assert.deepEqual(rs.columnTypes, ["", ""]);
        assert.equal(rs.rows[0][0], 3);
        assert.equal(rs.rows[0][1], 2);
    });

    test("duplicate column names: index access sees both, name access sees the first", async () => {
        const rs = await db.execute("SELECT 1 AS x, 2 AS x");
        assert.deepEqual(rs.columns, ["x", "x"]);
        assert.equal(rs.rows[0][0], 1);
        assert.equal(rs.rows[0][1], 2);
        assert.equal(rs.rows[0].x, 1);
    });

    test("UPDATE and DELETE report rowsAffected, no lastInsertRowid", async () => {
        const up = await db.execute({ sql: `UPDATE ${t} SET score = score + 1 WHERE id >= ?`, args: [11n] });
        assert.equal(up.rowsAffected, 2);
        assert.equal(up.lastInsertRowid, undefined);

        const none = await db.execute(`UPDATE ${t} SET score = 0 WHERE id = -1`);
        assert.equal(none.rowsAffected, 0);

        const del = await db.execute({ sql: `DELETE FROM ${t} WHERE name = :n`, args: { n: "carol" } });
        assert.equal(del.rowsAffected, 1);
        assert.equal(del.lastInsertRowid, undefined);

        const rs = await db.execute(`SELECT id, score FROM ${t} ORDER BY id`);
        assert.deepEqual(rs.rows.map((r) => [r.id, r.score]), [[10, 1.5], [11, 3.5]]);
    });

    test("INSERT … RETURNING returns rows and rowsAffected", async () => {
        const rs = await db.execute({
            sql: `INSERT INTO ${t} (id, name) VALUES (?, ?) RETURNING id, upper(name) AS up`,
            args: [20n, "dave"],
        });
        assert.deepEqual(rs.columns, ["id", "up"]);
        assert.equal(rs.rows.length, 1);
        assert.equal(rs.rows[0].id, 20);
        assert.equal(rs.rows[0].up, "DAVE");
        assert.equal(rs.rowsAffected, 1);
        assert.equal(rs.lastInsertRowid, 20n);
    });

    test("a write by one client is visible to another client", async () => {
        const other = ctx.client();
        await db.execute({ sql: `INSERT INTO ${t} (id, name) VALUES (?, ?)`, args: [30n, "eve"] });
        const rs = await other.execute({ sql: `SELECT name FROM ${t} WHERE id = ?`, args: [30n] });
        assert.equal(rs.rows.length, 1);
        assert.equal(rs.rows[0].name, "eve");
    });

    test("many concurrent executes on one client all succeed", async () => {
        const results = await Promise.all(
            Array.from({ length: 50 }, (_, i) => db.execute({ sql: "SELECT ? AS i", args: [BigInt(i)] })),
        );
        assert.deepEqual(results.map((rs) => rs.rows[0].i), Array.from({ length: 50 }, (_, i) => i));
    });
});
