// executeMultiple(): scripts of several statements (Hrana `sequence`).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { forEachTransport, expectCode, countRows } from "../lib/helpers.mjs";

forEachTransport("executeMultiple", (ctx) => {
    let db;
    before(() => {
        db = ctx.client();
    });

    test("runs every statement of a script, comments and blank lines included", async () => {
        const a = ctx.table("ma");
        const b = ctx.table("mb");
        const result = await db.executeMultiple(`
            -- a migration script
            CREATE TABLE ${a} (id INTEGER PRIMARY KEY, title TEXT NOT NULL);
            CREATE TABLE ${b} (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES ${a}(id));

            INSERT INTO ${a} (id, title) VALUES (1, 'one'), (2, 'two; with a semicolon');
            /* block comment */ INSERT INTO ${b} (a_id) VALUES (1);
            UPDATE ${a} SET title = upper(title) WHERE id = 1;
        `);
        assert.equal(result, undefined);
        const rs = await db.execute(`SELECT id, title FROM ${a} ORDER BY id`);
        assert.deepEqual(rs.rows.map((r) => [r.id, r.title]), [[1, "ONE"], [2, "two; with a semicolon"]]);
        assert.equal(await countRows(db, b), 1);
    });

    test("a script with its own BEGIN … COMMIT", async () => {
        const t = ctx.table("mtx");
        await db.executeMultiple(`
            CREATE TABLE ${t} (x);
            BEGIN;
            INSERT INTO ${t} VALUES (1);
            INSERT INTO ${t} VALUES (2);
            COMMIT;
        `);
        assert.equal(await countRows(ctx.client(), t), 2);
    });

    test("a runtime error stops the script: earlier statements stay, later ones do not run", async () => {
        const t = ctx.table("mrt");
        await expectCode(
            db.executeMultiple(`
                CREATE TABLE ${t} (x);
                INSERT INTO ${t} VALUES (1);
                INSERT INTO no_such_table_here VALUES (2);
                INSERT INTO ${t} VALUES (3);
            `),
            "SQLITE_UNKNOWN",
            "no such table",
        );
        const rs = await db.execute(`SELECT x FROM ${t}`);
        assert.deepEqual(rs.rows.map((r) => r.x), [1]);
    });

    test("a syntax error anywhere means nothing runs", async () => {
        const t = ctx.table("msyn");
        await expectCode(
            db.executeMultiple(`CREATE TABLE ${t} (x); INSERT INTO ${t} VALUES (1); SELEC 2;`),
            "SQL_PARSE_ERROR",
        );
        await expectCode(db.execute(`SELECT * FROM ${t}`), "SQLITE_UNKNOWN", "no such table");
    });

    test("an empty script succeeds", async () => {
        await db.executeMultiple("");
        await db.executeMultiple("  -- only a comment\n ;");
        const rs = await db.execute("SELECT 1 AS ok");
        assert.equal(rs.rows[0].ok, 1);
    });
});
