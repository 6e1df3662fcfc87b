// Pulling from the primary: initial sync, local reads, reopening, syncInterval, schema
// changes, a multi-MB database (LIBSQL-SURFACE.md §8.3, §8.4, §8.7).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { primary, replica, tempDir, uniqueName, rowsOf, countRows, sync, integrityOk, sleep } from "../lib/helpers.mjs";

test("initial sync() pulls the rows written on the primary", async () => {
    const p = primary();
    const t = uniqueName("init");
    await p.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, v TEXT, b BLOB, f REAL, n)`);
    const stmts = [];
    for (let i = 0; i < 100; i++) {
        stmts.push({
            sql: `INSERT INTO ${t} VALUES (?, ?, ?, ?, ?)`,
            args: [i, `row ${i} ✓`, new Uint8Array([i, i, 255 - i]), i / 4, i % 3 === 0 ? null : i * 1000000007],
        });
    }
    await p.batch(stmts, "write");

    const r = replica(tempDir());
    const rep = await sync(r, "initial sync");
    assert.equal(typeof rep.frame_no, "number", `sync() result: ${JSON.stringify(rep)}`);
    assert.ok(rep.frames_synced > 0, `frames_synced after the initial sync: ${JSON.stringify(rep)}`);
    const q = `SELECT id, v, b, f, n FROM ${t} ORDER BY id`;
    const local = await rowsOf(r, q);
    assert.equal(local.length, 100, "rows in the replica after the initial sync");
    assert.deepEqual(local, await rowsOf(p, q), "replica content differs from the primary");
    assert.deepEqual(await rowsOf(r, "PRAGMA page_size"), [[4096]]);
    await integrityOk(r);
});

test("reads are local: a primary write shows up only after the next sync()", async () => {
    const p = primary();
    const t = uniqueName("local");
    await p.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY)`);
    await p.execute(`INSERT INTO ${t} VALUES (1), (2)`);
    const r = replica(tempDir());
    const first = await sync(r, "first sync");
    assert.equal(await countRows(r, t), 2);

    await p.execute(`INSERT INTO ${t} VALUES (3)`);
    assert.equal(await countRows(r, t), 2, "a local read saw a primary write without a sync");
    const second = await sync(r, "second sync");
    assert.equal(await countRows(r, t), 3, "the second sync did not bring the new row");
    assert.ok(second.frame_no > first.frame_no, `frame_no did not advance: ${first.frame_no} -> ${second.frame_no}`);

    const idle = await sync(r, "idle sync");
    assert.equal(idle.frame_no, second.frame_no, "an idle sync moved the position");
    assert.equal(idle.frames_synced, 0, "an idle sync applied frames");
});

test("reopening the replica file resumes: rows are there before any sync", async () => {
    const p = primary();
    const t = uniqueName("reopen");
    await p.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, v TEXT)`);
    await p.batch(Array.from({ length: 50 }, (_, i) => ({ sql: `INSERT INTO ${t} VALUES (?, ?)`, args: [i, `v${i}`] })), "write");
    const dir = tempDir();
    const r1 = replica(dir);
    const first = await sync(r1, "first sync");
    assert.equal(await countRows(r1, t), 50);
    r1.close();
    assert.ok(fs.existsSync(path.join(dir, "local.db-client_wal_index")), "no local.db-client_wal_index next to the replica");

    await p.execute(`INSERT INTO ${t} VALUES (100, 'later')`);
    const r2 = replica(dir);
    assert.equal(await countRows(r2, t), 50, "rows present after reopening, before a sync");
    const again = await sync(r2, "sync after reopening");
    assert.equal(await countRows(r2, t), 51, "rows after the sync following a reopen");
    assert.ok(again.frame_no > first.frame_no, `position did not advance after reopening: ${first.frame_no} -> ${again.frame_no}`);
    // Only the new frames were pulled, not the whole database again.
    assert.ok(again.frames_synced < first.frames_synced,
        `the reopened replica re-downloaded everything: ${again.frames_synced} frames (first sync: ${first.frames_synced})`);
    const q = `SELECT * FROM ${t} ORDER BY id`;
    assert.deepEqual(await rowsOf(r2, q), await rowsOf(p, q));
});

test("syncInterval pulls periodically without sync() calls", async () => {
    const p = primary();
    const t = uniqueName("interval");
    await p.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY)`);
    const r = replica(tempDir(), { syncInterval: 0.5 });
    await sync(r, "first sync");
    await p.execute(`INSERT INTO ${t} VALUES (1), (2), (3)`);
    const deadline = Date.now() + 20000;
    let n = 0;
    while ((n = await countRows(r, t)) !== 3) {
        assert.ok(Date.now() < deadline, `syncInterval 0.5 s: after 20 s the replica has ${n} of 3 rows`);
        await sleep(100);
    }
});

test("schema changes (CREATE TABLE, ALTER TABLE, CREATE INDEX/VIEW, DROP) replicate", async () => {
    const p = primary();
    const t = uniqueName("schema");
    const r = replica(tempDir());
    await sync(r, "first sync");
    await p.execute(`CREATE TABLE ${t} (a INTEGER)`);
    await p.execute(`INSERT INTO ${t} VALUES (1)`);
    await sync(r, "after CREATE TABLE");
    assert.equal(await countRows(r, t), 1);

    await p.execute(`ALTER TABLE ${t} ADD COLUMN b TEXT DEFAULT 'dflt'`);
    await p.execute(`CREATE INDEX ${t}_a ON ${t}(a)`);
    await p.execute(`CREATE VIEW ${t}_v AS SELECT a, b FROM ${t}`);
    await sync(r, "after ALTER TABLE");
    assert.deepEqual(await rowsOf(r, `SELECT a, b FROM ${t}_v`), [[1, "dflt"]]);
    const q = `SELECT type, name, sql FROM sqlite_schema WHERE tbl_name LIKE '${t}%' ORDER BY name`;
    assert.deepEqual(await rowsOf(r, q), await rowsOf(p, q), "schema differs");

    await p.execute(`DROP VIEW ${t}_v`);
    await p.execute(`DROP TABLE ${t}`);
    await sync(r, "after DROP TABLE");
    assert.deepEqual(await rowsOf(r, q), [], "dropped objects still in the replica");
});

test("a large sync (5,000 rows, several MB) converges to the primary's content", async () => {
    const p = primary();
    const t = uniqueName("large");
    await p.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, v TEXT, b BLOB)`);
    for (let chunk = 0; chunk < 10; chunk++) {
        const lo = chunk * 500;
        await p.execute(
            `WITH RECURSIVE n(i) AS (SELECT ${lo} UNION ALL SELECT i + 1 FROM n WHERE i < ${lo + 499}) ` +
                `INSERT INTO ${t} SELECT i, printf('%d-%s', i, hex(randomblob(400))), randomblob(500) FROM n`,
        );
    }
    const r = replica(tempDir());
    const started = Date.now();
    const rep = await sync(r, "large sync");
    const ms = Date.now() - started;
    assert.equal(await countRows(r, t), 5000, "rows after the large sync");
    assert.ok(rep.frames_synced > 1024, `frames_synced = ${rep.frames_synced} for a multi-MB database (more than one 1024-frame batch expected)`);
    const q = `SELECT id, v, hex(b) FROM ${t} ORDER BY id`;
    const [local, remote] = [await rowsOf(r, q), await rowsOf(p, q)];
    assert.ok(local.length === remote.length && local.every((row, i) => JSON.stringify(row) === JSON.stringify(remote[i])),
        "replica content differs from the primary after the large sync");
    await integrityOk(r);
    console.log(`# large sync: ${rep.frames_synced} frames in ${ms} ms`);
});

test("one transaction larger than a 1024-frame batch replicates whole", async () => {
    const p = primary();
    const t = uniqueName("bigtx");
    const r = replica(tempDir());
    await sync(r, "first sync");
    await p.batch([
        `CREATE TABLE ${t} (id INTEGER PRIMARY KEY, b BLOB)`,
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO ${t} SELECT i, randomblob(3000) FROM n`,
    ], "write");
    const rep = await sync(r, "sync of one big transaction");
    assert.ok(rep.frames_synced >= 2048, `frames_synced = ${rep.frames_synced}`);
    const q = `SELECT id, hex(b) FROM ${t} ORDER BY id`;
    const [local, remote] = [await rowsOf(r, q), await rowsOf(p, q)];
    assert.equal(local.length, 3000);
    assert.ok(local.every((row, i) => row[1] === remote[i][1]), "replica differs after one big transaction");
    await integrityOk(r);
});

test("DROP TABLE on the primary: page_count and freelist_count match", async () => {
    const p = primary();
    const t = uniqueName("drop");
    await p.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, b BLOB)`);
    await p.execute(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) INSERT INTO ${t} SELECT i, randomblob(2000) FROM n`);
    const r = replica(tempDir());
    await sync(r, "first sync");
    await p.execute(`DROP TABLE ${t}`);
    await sync(r, "after DROP TABLE");
    for (const pragma of ["PRAGMA page_count", "PRAGMA freelist_count"]) {
        assert.deepEqual(await rowsOf(r, pragma), await rowsOf(p, pragma), pragma);
    }
    await integrityOk(r);
});

test("syncUrl with a host name (localhost): the namespace the client derives from it is ignored", async () => {
    // The client sends the URL's first host label as x-namespace-bin (§8.5); with
    // namespaces disabled the server must ignore it.
    const p = primary();
    const t = uniqueName("host");
    await p.execute(`CREATE TABLE ${t} (a)`);
    await p.execute(`INSERT INTO ${t} VALUES (1)`);
    const url = new globalThis.URL(process.env.BASALT_URL);
    url.hostname = "localhost";
    const r = replica(tempDir(), { syncUrl: url.toString().replace(/\/$/, "") });
    await sync(r, "sync through localhost");
    assert.deepEqual(await rowsOf(r, `SELECT a FROM ${t}`), [[1]]);
    await r.execute(`INSERT INTO ${t} VALUES (2)`);
    assert.equal(await countRows(p, t), 2);
});

test("an encrypted embedded replica (encryptionKey) syncs plaintext frames from the server", async () => {
    const p = primary();
    const t = uniqueName("enc");
    await p.execute(`CREATE TABLE ${t} (id INTEGER PRIMARY KEY, v TEXT)`);
    await p.execute(`INSERT INTO ${t} VALUES (1, 'secret-marker-${t}')`);
    const dir = tempDir();
    const r = replica(dir, { encryptionKey: "correct horse battery staple" });
    await sync(r, "encrypted replica sync");
    assert.deepEqual(await rowsOf(r, `SELECT v FROM ${t}`), [[`secret-marker-${t}`]]);
    await integrityOk(r);
    r.close();
    // The files on disk do not contain the plaintext (the frames were written somewhere:
    // the database or its WAL grew past one page).
    const files = ["local.db", "local.db-wal"].map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));
    const bytes = Buffer.concat(files.map((f) => fs.readFileSync(f)));
    assert.ok(bytes.length > 8192, `replica files hold only ${bytes.length} bytes`);
    assert.ok(!bytes.includes(Buffer.from(`secret-marker-${t}`)), "the encrypted replica files hold plaintext");
});
