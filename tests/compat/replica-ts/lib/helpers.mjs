// Shared helpers for the @libsql/client embedded-replica tests.
// Not a test file itself (it lives outside test/ so `node --test` does not run it).
import { after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createClient } from "@libsql/client";

const baseUrl = process.env.BASALT_URL;
if (!baseUrl) {
    throw new Error("BASALT_URL is not set; run the suite through tests/compat/replica-ts/run.sh");
}
export const URL = baseUrl.replace(/\/+$/, "");

const cleanup = [];
after(() => {
    for (const f of cleanup.reverse()) {
        try {
            f();
        } catch {
            // already closed / removed
        }
    }
});

/** A client of the primary itself (Hrana over HTTP), closed after the file's tests. */
export function primary(opts = {}) {
    const c = createClient({ url: URL, ...opts });
    cleanup.push(() => c.close());
    return c;
}

/** A fresh temporary directory, removed after the file's tests. */
export function tempDir() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "basalt-replica-ts-"));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
}

/** An embedded replica: `file:<dir>/<name>` synced from the server. Closed after the file's tests. */
export function replica(dir, opts = {}, name = "local.db") {
    const c = createClient({ url: `file:${path.join(dir, name)}`, syncUrl: URL, ...opts });
    cleanup.push(() => c.close());
    return c;
}

let counter = 0;
export function uniqueName(prefix) {
    counter += 1;
    const rand = Math.random().toString(36).slice(2, 8);
    return `${prefix}_${process.pid}_${counter}_${rand}`;
}

function norm(v) {
    if (v instanceof ArrayBuffer) return "x'" + Buffer.from(v).toString("hex") + "'";
    if (ArrayBuffer.isView(v)) return "x'" + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex") + "'";
    return v;
}

/** Rows of a result set as plain arrays of comparable values (blobs as hex). */
export function plain(rs) {
    return rs.rows.map((row) => rs.columns.map((_, i) => norm(row[i])));
}

export async function rowsOf(client, sql, args) {
    return plain(await client.execute(args === undefined ? sql : { sql, args }));
}

export async function countRows(client, table) {
    const rs = await client.execute(`SELECT count(*) AS n FROM ${table}`);
    return Number(rs.rows[0].n);
}

/** `client.sync()`, failing the test with the client's message. */
export async function sync(client, what) {
    try {
        return await client.sync();
    } catch (e) {
        assert.fail(`${what}: sync() failed: ${e?.code ?? ""} ${e?.message ?? e}`);
    }
}

export async function integrityOk(client) {
    assert.deepEqual(await rowsOf(client, "PRAGMA integrity_check"), [["ok"]], "PRAGMA integrity_check on the replica");
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
