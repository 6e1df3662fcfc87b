// Large results are read completely.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { forEachTransport } from "../lib/helpers.mjs";

const N = 10_000;

forEachTransport("large results", (ctx) => {
    let db;
    let t;
    before(async () => {
        db = ctx.client();
        t = ctx.table("large");
        await db.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, label TEXT NOT NULL, f REAL, b BLOB)`);
        const rs = await db.execute(`
            WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${N})
            INSERT INTO ${t} (id, label, f, b)
            SELECT i, 'row-' || i || '-' || printf('%040d', i), i / 4.0, randomblob(16) FROM seq`);
        assert.equal(rs.rowsAffected, N);
        assert.equal(rs.lastInsertRowid, BigInt(N));
    });

    test(`SELECT of ${N} rows returns every row, in order, with correct values`, async () => {
        const rs = await db.execute(`SELECT id, label, f, b FROM ${t} ORDER BY id`);
        assert.deepEqual(rs.columns, ["id", "label", "f", "b"]);
        assert.equal(rs.rows.length, N);
        let sum = 0;
        for (let i = 0; i < N; i++) {
            const r = rs.rows[i];
            const id = i + 1;
            assert.equal(r.id, id);
            if (r.label !== `row-${id}-${String(id).padStart(40, "0")}`) {
                assert.fail(`row ${id}: unexpected label ${r.label}`);
            }
            assert.equal(r.f, id / 4);
            assert.equal(r.b.byteLength, 16);
            sum += r.id;
        }
        assert.equal(sum, (N * (N + 1)) / 2);
    });

    test(`${N} rows from a recursive CTE without a table`, async () => {
        const rs = await db.execute(
            `WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ${N - 1}) SELECT i, i * i AS sq FROM seq`,
        );
        assert.equal(rs.rows.length, N);
        assert.equal(rs.rows[0].i, 0);
        assert.equal(rs.rows[N - 1].i, N - 1);
        assert.equal(rs.rows[N - 1].sq, (N - 1) * (N - 1));
    });

    test(`${N} rows inside a batch and inside a transaction`, async () => {
        const [rs] = await db.batch([`SELECT id FROM ${t} ORDER BY id DESC`], "read");
        assert.equal(rs.rows.length, N);
        assert.equal(rs.rows[0].id, N);
        assert.equal(rs.rows[N - 1].id, 1);

        const tx = await db.transaction("read");
        try {
            const rs2 = await tx.execute(`SELECT id, label FROM ${t}`);
            assert.equal(rs2.rows.length, N);
            assert.equal(new Set(rs2.rows.map((r) => r.id)).size, N);
        } finally {
            tx.close();
        }
    });

    test("a wide row with a 1 MiB text and a 1 MiB blob", async () => {
        const rs = await db.execute("SELECT replace(hex(zeroblob(524288)), '0', 'x') AS s, zeroblob(1048576) AS z");
        assert.equal(rs.rows[0].s.length, 1048576);
        assert.equal(rs.rows[0].z.byteLength, 1048576);
    });
});
