// Shared helpers for the @libsql/client compatibility tests.
// Not a test file itself (it lives outside test/ so `node --test` does not run it).
import { describe, after } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "@libsql/client";

const baseUrl = process.env.BASALT_URL;
if (!baseUrl) {
    throw new Error("BASALT_URL is not set; run the suite through tests/compat/ts/run.sh");
}

export const HTTP_URL = baseUrl.replace(/\/+$/, "");
export const WS_URL = HTTP_URL.replace(/^http/, "ws");

/** Both transports served on the same port. */
export const TRANSPORTS = [
    { name: "http", url: HTTP_URL, protocol: "http" },
    { name: "ws", url: WS_URL, protocol: "ws" },
];

/**
 * Runs `body` once per transport inside a `describe` block. `body` receives a context with
 * `client(opts)` (creates a client that is closed after the block) and `table(prefix)` (a
 * table name unique to this run).
 */
export function forEachTransport(title, body) {
    for (const transport of TRANSPORTS) {
        describe(`${title} [${transport.name}]`, () => {
            const clients = [];
            const ctx = {
                transport,
                url: transport.url,
                client(opts = {}) {
                    const c = createClient({ url: transport.url, ...opts });
                    clients.push(c);
                    return c;
                },
                table(prefix = "t") {
                    return uniqueName(`${prefix}_${transport.name}`);
                },
            };
            after(() => {
                for (const c of clients) {
                    try {
                        c.close();
                    } catch {
                        // already closed
                    }
                }
            });
            body(ctx);
        });
    }
}

let counter = 0;
export function uniqueName(prefix) {
    counter += 1;
    const rand = Math.random().toString(36).slice(2, 8);
    return `${prefix}_${process.pid}_${counter}_${rand}`;
}

/** Asserts that `promise` rejects with a LibsqlError whose `code` equals `code`; returns the error. */
export async function expectCode(promise, code, messageIncludes) {
    let err;
    try {
        await promise;
    } catch (e) {
        err = e;
    }
    assert.ok(err, `expected an error with code ${code}, but the operation succeeded`);
    assert.equal(err.code, code, `expected code ${code}, got ${err.code} (message: ${err.message})`);
    if (messageIncludes !== undefined) {
        assert.ok(
            String(err.message).includes(messageIncludes),
            `expected the message to include ${JSON.stringify(messageIncludes)}, got ${JSON.stringify(err.message)}`,
        );
    }
    return err;
}

/** Reads `SELECT count(*)` of a table through `client`. */
export async function countRows(client, table, where = "") {
    const rs = await client.execute(`SELECT count(*) AS n FROM ${table} ${where}`);
    return Number(rs.rows[0].n);
}

export function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves to "pending" if `promise` has not settled within `ms`, else "settled". */
export async function stateAfter(promise, ms) {
    let settled = false;
    promise.then(
        () => { settled = true; },
        () => { settled = true; },
    );
    await sleep(ms);
    return settled ? "settled" : "pending";
}
