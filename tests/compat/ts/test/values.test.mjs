// Round trip of every value type, as arguments and as SQL literals.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { forEachTransport } from "../lib/helpers.mjs";

function bytesOf(value) {
    assert.ok(value instanceof ArrayBuffer, `expected an ArrayBuffer, got ${Object.prototype.toString.call(value)}`);
    return Array.from(new Uint8Array(value));
}

forEachTransport("values", (ctx) => {
    let db;
    let t;
    before(async () => {
        db = ctx.client({ intMode: "bigint" });
        t = ctx.table("vals");
        // `v` has no declared type, so no affinity conversion happens on insert.
        await db.execute(`CREATE TABLE ${t} (k TEXT PRIMARY KEY, v)`);
    });

    async function roundTrip(key, value) {
        await db.execute({ sql: `INSERT INTO ${t} (k, v) VALUES (?, ?)`, args: [key, value] });
        const rs = await db.execute({ sql: `SELECT v, typeof(v) AS ty FROM ${t} WHERE k = ?`, args: [key] });
        assert.equal(rs.rows.length, 1);
        return { v: rs.rows[0].v, ty: rs.rows[0].ty };
    }

    test("null", async () => {
        const { v, ty } = await roundTrip("null", null);
        assert.equal(v, null);
        assert.equal(ty, "null");
    });

    test("integers (bigint args)", async () => {
        const cases = [0n, 1n, -1n, 42n, 2n ** 53n + 1n, 9223372036854775807n, -9223372036854775808n];
        for (const [i, n] of cases.entries()) {
            const { v, ty } = await roundTrip(`int${i}`, n);
            assert.equal(ty, "integer", `typeof for ${n}`);
            assert.equal(v, n);
        }
    });

    test("booleans are sent as integers 1 and 0", async () => {
        assert.deepEqual(await roundTrip("true", true), { v: 1n, ty: "integer" });
        assert.deepEqual(await roundTrip("false", false), { v: 0n, ty: "integer" });
    });

    test("JS numbers are sent as floats", async () => {
        const { v, ty } = await roundTrip("num", 7);
        assert.equal(ty, "real");
        assert.equal(v, 7);
    });

    test("floats including 0.5, 1e300 and extreme values", async () => {
        const cases = [0.5, -0.5, 1.5, 3.141592653589793, 1e300, -1e300, 1e-300, 5e-324, Number.MAX_VALUE, 0.1 + 0.2, 1e20, 123456789.125];
        for (const [i, x] of cases.entries()) {
            const { v, ty } = await roundTrip(`float${i}`, x);
            assert.equal(ty, "real", `typeof for ${x}`);
            assert.equal(v, x, `round trip of ${x}`);
        }
    });

    test("negative zero float from the server keeps its sign", async () => {
        // (The client itself encodes a -0 argument as JSON `0`, so only a server-produced -0.0 is testable.)
        const rs = await db.execute("SELECT -0.0 AS z, typeof(-0.0) AS ty");
        assert.equal(rs.rows[0].ty, "real");
        assert.ok(Object.is(rs.rows[0].z, -0), `expected -0, got ${rs.rows[0].z}`);
    });

    test("text including unicode, empty, quotes and long strings", async () => {
        const cases = [
            "",
            "hello",
            "héllo wörld",
            "日本語テキスト",
            "emoji 🚀🎉 and surrogate pairs 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
            "quotes ' \" ` and backslash \\ and newline\nand tab\t",
            "x".repeat(100_000),
        ];
        for (const [i, s] of cases.entries()) {
            const { v, ty } = await roundTrip(`text${i}`, s);
            assert.equal(ty, "text");
            assert.equal(v, s);
        }
        // length() counts characters, so the server stored UTF-8 correctly.
        const rs = await db.execute({ sql: "SELECT length(?) AS n, hex(?) AS h", args: ["é🚀", "é"] });
        assert.equal(rs.rows[0].n, 2n);
        assert.equal(rs.rows[0].h, "C3A9");
    });

    test("blobs from Uint8Array and ArrayBuffer come back as ArrayBuffer", async () => {
        const u8 = await roundTrip("blob-u8", new Uint8Array([0, 1, 2, 127, 128, 254, 255]));
        assert.equal(u8.ty, "blob");
        assert.deepEqual(bytesOf(u8.v), [0, 1, 2, 127, 128, 254, 255]);

        const ab = await roundTrip("blob-ab", new Uint8Array([9, 8, 7]).buffer);
        assert.equal(ab.ty, "blob");
        assert.deepEqual(bytesOf(ab.v), [9, 8, 7]);

        // Lengths 1..5 cover every base64 padding case.
        for (let len = 1; len <= 5; len++) {
            const bytes = Array.from({ length: len }, (_, i) => (i * 37 + 200) & 0xff);
            const r = await roundTrip(`blob-len${len}`, new Uint8Array(bytes));
            assert.deepEqual(bytesOf(r.v), bytes, `blob of length ${len}`);
        }

        const big = new Uint8Array(256 * 1024);
        for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
        const r = await roundTrip("blob-big", big);
        assert.equal(r.v.byteLength, big.length);
        assert.deepEqual(new Uint8Array(r.v), big);
    });

    test("empty blob", async () => {
        const { v, ty } = await roundTrip("blob-empty", new Uint8Array(0));
        assert.equal(ty, "blob");
        assert.ok(v instanceof ArrayBuffer);
        assert.equal(v.byteLength, 0);
    });

    test("a Date argument is sent as its millisecond timestamp", async () => {
        const d = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
        const rs = await db.execute({ sql: "SELECT ? AS d", args: [d] });
        assert.equal(rs.rows[0].d, d.valueOf());
    });

    test("values produced by SQL literals", async () => {
        const rs = await db.execute(
            "SELECT NULL AS n, 9223372036854775807 AS imax, -9223372036854775808 AS imin, 2.0 AS f2, 0.5 AS half, 1e300 AS huge, " +
                "'ünï' AS s, x'00ff10' AS b, x'' AS eb, zeroblob(3) AS zb",
        );
        const r = rs.rows[0];
        assert.equal(r.n, null);
        assert.equal(r.imax, 9223372036854775807n);
        assert.equal(r.imin, -9223372036854775808n);
        assert.equal(typeof r.f2, "number");
        assert.equal(r.f2, 2);
        assert.equal(r.half, 0.5);
        assert.equal(r.huge, 1e300);
        assert.equal(r.s, "ünï");
        assert.deepEqual(bytesOf(r.b), [0, 0xff, 0x10]);
        assert.deepEqual(bytesOf(r.eb), []);
        assert.deepEqual(bytesOf(r.zb), [0, 0, 0]);
    });

    test("float with an integral value stays a float (typeof real)", async () => {
        const rs = await db.execute("SELECT 3.0 AS f, typeof(3.0) AS ty, 3.0 = 3 AS eq");
        assert.equal(rs.rows[0].f, 3);
        assert.equal(rs.rows[0].ty, "real");
        assert.equal(rs.rows[0].eq, 1n);
    });

    test("all types in one row via a multi-column insert", async () => {
        const t2 = ctx.table("valsrow");
        await db.execute(`CREATE TABLE ${t2} (a, b, c, d, e)`);
        await db.execute({
            sql: `INSERT INTO ${t2} VALUES (?, ?, ?, ?, ?)`,
            args: [null, 123n, 0.25, "txt", new Uint8Array([1, 2, 3])],
        });
        const rs = await db.execute(`SELECT a, b, c, d, e, typeof(a) || typeof(b) || typeof(c) || typeof(d) || typeof(e) AS types FROM ${t2}`);
        const r = rs.rows[0];
        assert.equal(r.a, null);
        assert.equal(r.b, 123n);
        assert.equal(r.c, 0.25);
        assert.equal(r.d, "txt");
        assert.deepEqual(bytesOf(r.e), [1, 2, 3]);
        assert.equal(r.types, "nullintegerrealtextblob");
    });
});
