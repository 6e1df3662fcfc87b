//! The `server` section of RESULTS.md: how the run was made, the per-scenario table, the
//! one-off bulk operations, the goals and libSQL's reference figures.
//!
//! The libSQL figures are constants quoted from the project's issue (measured on another
//! 2-core machine, not by this program) and are labelled as such wherever they appear.

use std::fmt::Write as _;

use super::client::Transport;
use super::scenario::{BULK_ROWS, Op, Outcome, STALL};
use super::{Run, ServerKind};
use crate::report::{group, load_average, machine_base, utc_now};

/// libSQL's server on a comparable 2-core machine, from the project's issue.
/// Not measured by this program.
mod libsql {
    pub const HTTP_SELECT1_1: f64 = 1_970.0;
    pub const HTTP_SELECT1_1_P50_MS: f64 = 0.48;
    pub const HTTP_SELECT1_16: f64 = 3_900.0;
    pub const WS_SELECT1_1: f64 = 6_900.0;
    pub const WS_SELECT1_16: f64 = 35_000.0;
    pub const INSERT_1: f64 = 1_100.0;
    pub const INSERT_16: f64 = 640.0;
    pub const MIX_64_P99_MS: (f64, f64) = (165.0, 282.0);
}

/// `Some(1.234)` → `1.23`; `None` → `–`.
pub fn ms(v: Option<f64>) -> String {
    match v {
        Some(v) if v < 10.0 => format!("{v:.2}"),
        Some(v) => format!("{v:.1}"),
        None => "–".to_owned(),
    }
}

pub fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.0}%"))
}

fn find(run: &Run, op: Op, t: Transport, clients: usize) -> Option<&Outcome> {
    run.outcomes
        .iter()
        .find(|o| o.op == op && o.transport == t && o.clients == clients)
}

pub fn render(run: &Run) -> String {
    let mut s = String::new();
    // `write!` into a String cannot fail.
    let _ = render_into(&mut s, run);
    s
}

fn render_into(s: &mut String, run: &Run) -> std::fmt::Result {
    let st = &run.settings;
    writeln!(s, "# Basalt server load benchmark\n")?;
    writeln!(s, "- Command: `{}`", run.command)?;
    writeln!(s, "- Date: {}", utc_now())?;
    writeln!(
        s,
        "- Machine: {}. The load generator runs on the same machine as the server ({} tokio \
         worker thread{}), so they share the cores: see the CPU columns.",
        machine_base(),
        run.threads,
        if run.threads == 1 { "" } else { "s" }
    )?;
    match &run.server {
        ServerKind::Spawned { binary, url } => writeln!(
            s,
            "- Server: `{} serve --http-listen-addr 127.0.0.1:0 --data-dir <tempdir>` \
             (defaults otherwise: WAL, `synchronous=normal`), spawned by the benchmark, at {url}",
            binary.display()
        )?,
        ServerKind::Url(url) => writeln!(s, "- Server: the one at {url} (given with --url)")?,
    }
    writeln!(
        s,
        "- Build: {}",
        if cfg!(debug_assertions) {
            "DEBUG (figures not meaningful)"
        } else {
            "release"
        }
    )?;
    writeln!(
        s,
        "- Load: closed loop, each client sends its next operation as soon as the previous \
         one is answered; {} s per scenario. HTTP: one keep-alive HTTP/1.1 connection per \
         client, one `/v3/pipeline` request `[execute, close]` per operation, as \
         `@libsql/client` sends a statement outside a transaction. WebSocket: one socket per \
         client, subprotocol `hrana2`, `hello` and `open_stream` once, then one `execute` per \
         operation. JSON throughout; every answer is checked.",
        fmt_secs(st.duration.as_secs_f64())
    )?;
    writeln!(
        s,
        "- Data: `bench_kv(id INTEGER PRIMARY KEY, name TEXT, value REAL, payload BLOB)` with \
         {} rows (13-byte text, 32-byte blob), created and filled in one batch/transaction \
         ({:.0} ms); point selects read all columns of a seeded random id (seed {}); inserts \
         add one such row (auto id) to a separate table, autocommit.",
        group(st.rows as f64),
        run.setup.as_secs_f64() * 1e3,
        st.seed
    )?;
    writeln!(
        s,
        "- Errors: any non-ok or unexpected answer. Stall: no answer within {} s (that client \
         then stops).",
        STALL.as_secs()
    )?;
    writeln!(
        s,
        "- Load average when the report was written (1/5/15 min): {}\n",
        load_average()
    )?;

    writeln!(s, "## Timed scenarios\n")?;
    writeln!(
        s,
        "CPU columns are percent of one core over the scenario (so up to {}% each): the load \
         generator's process, the server's process, everything else on the machine (other \
         processes; well above 0 means the scenario was disturbed), and how busy all cores \
         were together (percent of the whole machine).\n",
        100 * std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
    )?;
    writeln!(
        s,
        "| scenario | transport | clients | ops/s | p50 ms | p99 ms | errors | stalls | \
         generator CPU | server CPU | other CPU | machine busy |"
    )?;
    writeln!(
        s,
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )?;
    for o in &run.outcomes {
        writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            o.op.name(),
            o.transport.name(),
            o.clients,
            group(o.ops_per_sec()),
            ms(o.percentile_ms(50.0)),
            ms(o.percentile_ms(99.0)),
            o.errors,
            o.stalls,
            pct(o.cpu.bench),
            pct(o.cpu.server),
            pct(o.cpu.others),
            pct(o.cpu.machine),
        )?;
    }

    if !run.one_offs.is_empty() {
        writeln!(s, "\n## One-off bulk operations\n")?;
        writeln!(
            s,
            "One client, one request each, repeated; time from sending the request to having \
             decoded the whole answer.\n"
        )?;
        writeln!(
            s,
            "| operation | transport | best ms | median ms | rows/s (best) | runs | error |"
        )?;
        writeln!(s, "|---|---|---:|---:|---:|---:|---|")?;
        for o in &run.one_offs {
            let best = o.best().map(|d| d.as_secs_f64());
            writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} |",
                o.what,
                o.transport.name(),
                ms(best.map(|b| b * 1e3)),
                ms(o.median().map(|d| d.as_secs_f64() * 1e3)),
                best.map_or_else(|| "–".to_owned(), |b| group(BULK_ROWS as f64 / b)),
                o.times.len(),
                o.error.as_deref().map_or_else(String::new, one_line),
            )?;
        }
    }

    goals(s, run)?;
    reference(s, run)?;

    let errors: Vec<&Outcome> = run
        .outcomes
        .iter()
        .filter(|o| o.first_error.is_some())
        .collect();
    if !errors.is_empty() {
        writeln!(s, "\n## First error per scenario\n")?;
        for o in errors {
            writeln!(
                s,
                "- {} over {}, {} clients: {}",
                o.op.name(),
                o.transport.name(),
                o.clients,
                one_line(o.first_error.as_deref().unwrap_or_default())
            )?;
        }
    }
    Ok(())
}

fn goals(s: &mut String, run: &Run) -> std::fmt::Result {
    writeln!(
        s,
        "\n## Goals (against libSQL's reference figures, which were not measured in this run)\n"
    )?;
    let verdict = |ok: bool| if ok { "met" } else { "**not met**" };
    let not_run = "not run (needs the scenario at that client count)";

    let throughput =
        |s: &mut String, label: &str, op, t, base: f64, factor: f64| match find(run, op, t, 16) {
            Some(o) => {
                let r = o.ops_per_sec();
                writeln!(
                    s,
                    "- {label}, 16 clients ≥ {factor}× libSQL's {} = {}/s: {}/s ({:.1}×) — {}",
                    group(base),
                    group(base * factor),
                    group(r),
                    r / base,
                    verdict(r >= base * factor && o.errors == 0 && o.stalls == 0)
                )
            }
            None => writeln!(s, "- {label}, 16 clients: {not_run}"),
        };
    throughput(
        s,
        "HTTP `SELECT 1`",
        Op::Select1,
        Transport::Http,
        libsql::HTTP_SELECT1_16,
        5.0,
    )?;
    throughput(
        s,
        "WebSocket `SELECT 1`",
        Op::Select1,
        Transport::Ws,
        libsql::WS_SELECT1_16,
        1.5,
    )?;
    for t in [Transport::Http, Transport::Ws] {
        throughput(
            s,
            &format!("Single-row inserts over {}", t.name()),
            Op::Insert,
            t,
            libsql::INSERT_16,
            10.0,
        )?;
    }
    for t in [Transport::Http, Transport::Ws] {
        match find(run, Op::Mix, t, 64) {
            Some(o) => {
                let p99 = o.percentile_ms(99.0);
                writeln!(
                    s,
                    "- 90/10 mix over {}, 64 clients, p99 ≤ 20 ms (libSQL: {:.0}–{:.0} ms): {} ms — {}",
                    t.name(),
                    libsql::MIX_64_P99_MS.0,
                    libsql::MIX_64_P99_MS.1,
                    ms(p99),
                    verdict(p99.is_some_and(|p| p <= 20.0) && o.stalls == 0)
                )?;
            }
            None => writeln!(s, "- 90/10 mix over {}, 64 clients: {not_run}", t.name())?,
        }
    }
    let stalls: u64 = run.outcomes.iter().map(|o| o.stalls).sum();
    let errors: u64 = run.outcomes.iter().map(|o| o.errors).sum();
    writeln!(
        s,
        "- Never a stall: {stalls} stalls in all scenarios — {} ({errors} errors in all)",
        verdict(stalls == 0)
    )
}

fn reference(s: &mut String, run: &Run) -> std::fmt::Result {
    writeln!(
        s,
        "\n## libSQL server reference figures — NOT measured in this run\n"
    )?;
    writeln!(
        s,
        "Quoted from the project's issue: libSQL's server (sqld) measured elsewhere on the same \
         kind of machine (2 cores, load generator on the same machine). They are here for \
         comparison only; to measure it beside Basalt, start it and run \
         `cargo run --release -p basalt-bench -- server --url http://127.0.0.1:PORT \
         --server-pid PID --out PATH`.\n"
    )?;
    writeln!(
        s,
        "| scenario | libSQL (reference) | Basalt (this run) | ratio |"
    )?;
    writeln!(s, "|---|---:|---:|---:|")?;
    let row = |s: &mut String, label: &str, base: f64, got: Option<f64>| {
        writeln!(
            s,
            "| {label} | {}/s | {} | {} |",
            group(base),
            got.map_or_else(|| "not run".to_owned(), |g| format!("{}/s", group(g))),
            got.map_or_else(|| "–".to_owned(), |g| format!("{:.1}×", g / base)),
        )
    };
    let rate = |op, t, n| find(run, op, t, n).map(Outcome::ops_per_sec);
    row(
        s,
        "HTTP `SELECT 1`, 1 client",
        libsql::HTTP_SELECT1_1,
        rate(Op::Select1, Transport::Http, 1),
    )?;
    row(
        s,
        "HTTP `SELECT 1`, 16 clients",
        libsql::HTTP_SELECT1_16,
        rate(Op::Select1, Transport::Http, 16),
    )?;
    row(
        s,
        "WebSocket `SELECT 1`, 1 client",
        libsql::WS_SELECT1_1,
        rate(Op::Select1, Transport::Ws, 1),
    )?;
    row(
        s,
        "WebSocket `SELECT 1`, 16 clients",
        libsql::WS_SELECT1_16,
        rate(Op::Select1, Transport::Ws, 16),
    )?;
    for (n, base) in [(1, libsql::INSERT_1), (16, libsql::INSERT_16)] {
        for t in [Transport::Http, Transport::Ws] {
            row(
                s,
                &format!(
                    "single-row INSERT, {n} client{} (Basalt over {})",
                    if n == 1 { "" } else { "s" },
                    t.name()
                ),
                base,
                rate(Op::Insert, t, n),
            )?;
        }
    }
    let p50 = find(run, Op::Select1, Transport::Http, 1).and_then(|o| o.percentile_ms(50.0));
    writeln!(
        s,
        "\nLatency: libSQL HTTP `SELECT 1` with 1 client p50 {:.2} ms (Basalt: {} ms); libSQL \
         90/10 mix at 64 clients p99 {:.0}–{:.0} ms (Basalt: HTTP {} ms, WebSocket {} ms).",
        libsql::HTTP_SELECT1_1_P50_MS,
        ms(p50),
        libsql::MIX_64_P99_MS.0,
        libsql::MIX_64_P99_MS.1,
        ms(find(run, Op::Mix, Transport::Http, 64).and_then(|o| o.percentile_ms(99.0))),
        ms(find(run, Op::Mix, Transport::Ws, 64).and_then(|o| o.percentile_ms(99.0))),
    )
}

fn fmt_secs(secs: f64) -> String {
    if secs.fract() == 0.0 {
        format!("{secs:.0}")
    } else {
        format!("{secs}")
    }
}

/// An error message on one table line.
fn one_line(e: &str) -> String {
    let e: String = e.replace(['\n', '|'], " ");
    if e.chars().count() > 300 {
        format!("{}…", e.chars().take(300).collect::<String>())
    } else {
        e
    }
}
