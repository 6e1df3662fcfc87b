// intMode "number" / "bigint" / "string" with integers beyond 2^53.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { forEachTransport } from "../lib/helpers.mjs";

const BEYOND = 9007199254740993n; // 2^53 + 1, not representable as a double
const MAX = 9223372036854775807n;
const MIN = -9223372036854775808n;

forEachTransport("intMode", (ctx) => {
    let t;
    before(async () => {
        t = ctx.table("ints");
        const setup = ctx.client({ intMode: "bigint" });
        await setup.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, v INTEGER)`);
        await setup.execute({
            sql: `INSERT INTO ${t} (id, v) VALUES (1, ?), (2, ?), (3, ?), (4, ?)`,
            args: [BEYOND, MAX, MIN, 123n],
        });
    });

    test('default intMode is "number": small integers are numbers', async () => {
        const db = ctx.client();
        const rs = await db.execute(`SELECT v FROM ${t} WHERE id = 4`);
        assert.equal(typeof rs.rows[0].v, "number");
        assert.equal(rs.rows[0].v, 123);
    });

    test('intMode "number": an integer beyond 2^53 raises RangeError, and the client stays usable', async () => {
        const db = ctx.client({ intMode: "number" });
        await assert.rejects(db.execute(`SELECT v FROM ${t} WHERE id = 1`), RangeError);
        await assert.rejects(db.execute("SELECT 9223372036854775807"), RangeError);
        const rs = await db.execute(`SELECT v FROM ${t} WHERE id = 4`);
        assert.equal(rs.rows[0].v, 123);
        // The safe boundary itself is fine.
        const edge = await db.execute("SELECT 9007199254740991 AS m, -9007199254740991 AS n");
        assert.equal(edge.rows[0].m, Number.MAX_SAFE_INTEGER);
        assert.equal(edge.rows[0].n, Number.MIN_SAFE_INTEGER);
    });

    test('intMode "bigint": exact values beyond 2^53', async () => {
        const db = ctx.client({ intMode: "bigint" });
        const rs = await db.execute(`SELECT id, v FROM ${t} ORDER BY id`);
        assert.deepEqual(rs.rows.map((r) => r.v), [BEYOND, MAX, MIN, 123n]);
        assert.equal(typeof rs.rows[0].id, "bigint");
        // Arithmetic done by the server on a large bigint argument.
        const sum = await db.execute({ sql: "SELECT ? + 1 AS s, ? - 1 AS d", args: [BEYOND, MIN + 1n] });
        assert.equal(sum.rows[0].s, BEYOND + 1n);
        assert.equal(sum.rows[0].d, MIN);
    });

    test('intMode "string": decimal strings beyond 2^53', async () => {
        const db = ctx.client({ intMode: "string" });
        const rs = await db.execute(`SELECT v FROM ${t} ORDER BY id`);
        assert.deepEqual(rs.rows.map((r) => r.v), [BEYOND.toString(), MAX.toString(), MIN.toString(), "123"]);
        // Floats and text stay what they are.
        const mixed = await db.execute("SELECT 0.5 AS f, '12' AS s");
        assert.equal(mixed.rows[0].f, 0.5);
        assert.equal(mixed.rows[0].s, "12");
    });

    test("lastInsertRowid is an exact bigint in every intMode", async () => {
        for (const intMode of ["number", "bigint", "string"]) {
            const db = ctx.client({ intMode });
            const rowid = MAX - BigInt(["number", "bigint", "string"].indexOf(intMode));
            const rs = await db.execute({ sql: `INSERT INTO ${t} (id, v) VALUES (?, 0)`, args: [rowid] });
            assert.equal(typeof rs.lastInsertRowid, "bigint", intMode);
            assert.equal(rs.lastInsertRowid, rowid, intMode);
        }
    });

    test("intMode applies inside batch and transaction results", async () => {
        const db = ctx.client({ intMode: "string" });
        const [rs] = await db.batch([`SELECT v FROM ${t} WHERE id = 2`], "read");
        assert.equal(rs.rows[0].v, MAX.toString());
        const tx = await db.transaction("read");
        try {
            const rs2 = await tx.execute(`SELECT v FROM ${t} WHERE id = 3`);
            assert.equal(rs2.rows[0].v, MIN.toString());
        } finally {
            tx.close();
        }
    });
});
