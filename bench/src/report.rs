//! Turns timings into the Markdown report printed to stdout and written to RESULTS.md:
//! context (command, date, machine, SQLite version), the headline table, the goal check,
//! and the step-by-step breakdown that locates the gap.

use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::suite::{Kind, SCAN_PASSES, Step, Timings};
use crate::workload::PAYLOAD_LEN;

/// The SDK's goal, as a share of raw rusqlite's rows/s.
const GOAL: f64 = 0.95;

/// The command that reproduces this run.
pub fn command_line(args: impl Iterator<Item = String>) -> String {
    let args: Vec<String> = args.map(|a| shell_quote(&a)).collect();
    let mut cmd = String::from("cargo run --release -p basalt-bench");
    if !args.is_empty() {
        cmd.push_str(" -- ");
        cmd.push_str(&args.join(" "));
    }
    cmd
}

fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=./:,+".contains(c));
    if plain {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// The whole report.
pub fn render(t: &Timings, command: &str) -> String {
    let mut s = String::new();
    // `write!` into a String cannot fail.
    let _ = render_into(&mut s, t, command);
    s
}

fn render_into(s: &mut String, t: &Timings, command: &str) -> std::fmt::Result {
    writeln!(s, "# Basalt benchmark results\n")?;
    writeln!(s, "- Command: `{command}`")?;
    writeln!(s, "- Date: {}", utc_now())?;
    writeln!(s, "- Machine: {}", machine())?;
    writeln!(
        s,
        "- SQLite: {} (bundled through rusqlite; one build, linked once, used by all stacks)",
        basalt_engine::sqlite_version()
    )?;
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
        "- Workload: table `(id INTEGER PRIMARY KEY, name TEXT, value REAL, payload BLOB)`, \
         {} rows (~13-byte text, {PAYLOAD_LEN}-byte blob) inserted in one transaction, then {} point \
         SELECTs by random id, then a full scan; every column read. Fresh database file per stack \
         and run; WAL, `synchronous=NORMAL`, `foreign_keys=ON`.",
        group(t.rows as f64),
        group(t.lookups as f64),
    )?;
    writeln!(
        s,
        "- Figures: best of {} runs ({} scan passes), the sample least disturbed by other \
         processes; the median is shown beside it, and their spread is the noise. Every \
         stack's reads are checked against the generated data.",
        t.runs,
        t.runs * SCAN_PASSES
    )?;
    writeln!(
        s,
        "- Load average when the report was written (1/5/15 min): {}\n",
        load_average()
    )?;

    writeln!(s, "## Throughput\n")?;
    writeln!(
        s,
        "| workload | stack | rows/s (best) | vs raw rusqlite | rows/s (median) | vs raw (median) |"
    )?;
    writeln!(s, "|---|---|---:|---:|---:|---:|")?;
    for kind in Kind::ALL {
        for step in Step::HEADLINE {
            writeln!(
                s,
                "| {} | {} | {} | {:.1}% | {} | {:.1}% |",
                kind_name(kind),
                step.name(),
                group(t.rate(kind, t.best(step, kind))),
                100.0 * ratio(t, step, kind),
                group(t.rate(kind, t.median(step, kind))),
                100.0 * median_ratio(t, step, kind),
            )?;
        }
    }

    writeln!(
        s,
        "\n## Goal: the SDK keeps ≥ {:.0}% of raw rusqlite's throughput\n",
        GOAL * 100.0
    )?;
    for kind in Kind::ALL {
        let best = ratio(t, Step::Sdk, kind);
        let verdict = if best >= GOAL { "met" } else { "**not met**" };
        writeln!(
            s,
            "- {}: {:.1}% (median {:.1}%) — {verdict}",
            kind_name(kind),
            best * 100.0,
            median_ratio(t, Step::Sdk, kind) * 100.0
        )?;
    }

    writeln!(s, "\n## Where the gap comes from\n")?;
    writeln!(
        s,
        "Each step below adds one layer to the one above it; best-run cost per row (ns), \
         and in brackets the share of raw rusqlite's rows/s.\n"
    )?;
    writeln!(
        s,
        "| step | how it reaches SQLite | insert ns/row | lookup ns/op | scan ns/row |"
    )?;
    writeln!(s, "|---|---|---:|---:|---:|")?;
    for step in Step::ALL {
        write!(s, "| {} | {} |", step.name(), step.how())?;
        for kind in Kind::ALL {
            write!(
                s,
                " {:.0} ({:.0}%) |",
                ns(t, step, kind),
                100.0 * ratio(t, step, kind)
            )?;
        }
        writeln!(s)?;
    }
    writeln!(
        s,
        "\nCost each layer adds (ns per row; insert / lookup / scan):\n"
    )?;
    for (from, to, what) in LAYERS {
        let d = |k| ns(t, to, k) - ns(t, from, k);
        writeln!(
            s,
            "- {} → {}: {:+.0} / {:+.0} / {:+.0}. {what}",
            from.name(),
            to.name(),
            d(Kind::Insert),
            d(Kind::Lookup),
            d(Kind::Scan)
        )?;
    }
    writeln!(
        s,
        "\nDeltas smaller than the run-to-run spread (compare the best and median columns) \
         are noise. See bench/README.md for how to read this and how to profile a step."
    )?;
    Ok(())
}

/// The layers between consecutive steps and what each one does per statement and per row.
const LAYERS: [(Step, Step, &str); 5] = [
    (
        Step::RawHeld,
        Step::Raw,
        "Finding the statement in rusqlite's statement cache (hashing the SQL text) on every run.",
    ),
    (
        Step::Raw,
        Step::RawOwned,
        "Copying text and blob into owned buffers: one allocation each way per value.",
    ),
    (
        Step::RawOwned,
        Step::Engine,
        "The engine's per-statement bookkeeping in `query::run` (statement-status and change \
         counters read, the front-end's first-keyword check, a `QueryResult` built), the `Params` \
         vector, and a `Vec<Value>` per row.",
    ),
    (
        Step::Engine,
        Step::EngineExecute,
        "`Connection::execute` collects every row into `QueryResult::rows` before returning.",
    ),
    (
        Step::EngineExecute,
        Step::Sdk,
        "The SDK: mutex lock, rows collected (through `query_with`) and moved into a `VecDeque` \
         per query, lazily described columns, and a `Row` (with its `Arc` clone) per row; text \
         and blobs are read borrowed (`get_str`, `get_blob`).",
    ),
];

/// `step`'s best rows/s as a share of raw rusqlite's best.
fn ratio(t: &Timings, step: Step, kind: Kind) -> f64 {
    t.rate(kind, t.best(step, kind)) / t.rate(kind, t.best(Step::Raw, kind))
}

fn median_ratio(t: &Timings, step: Step, kind: Kind) -> f64 {
    t.rate(kind, t.median(step, kind)) / t.rate(kind, t.median(Step::Raw, kind))
}

/// Best-run nanoseconds per row.
fn ns(t: &Timings, step: Step, kind: Kind) -> f64 {
    t.ns_per_op(kind, t.best(step, kind))
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Insert => "insert (1 tx)",
        Kind::Lookup => "point lookup",
        Kind::Scan => "full scan",
    }
}

/// `1234567.8` → `1,234,568`.
pub(crate) fn group(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The current UTC date and time, `YYYY-MM-DD HH:MM UTC`, without a date library.
pub(crate) fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
    let (hh, mm) = (secs % 86_400 / 3600, secs % 3600 / 60);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02} UTC")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Hinnant's era/day-of-era method).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Other work on the machine skews the figures; say how much there was.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn machine() -> String {
    format!("{}; single-threaded benchmark", machine_base())
}

/// Cores, CPU model, OS and architecture.
pub(crate) fn machine_base() -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|r| r.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!(
        "{cores} cores ({cpu}), {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn grouping_and_quoting() {
        assert_eq!(group(1_234_567.4), "1,234,567");
        assert_eq!(group(999.0), "999");
        assert_eq!(shell_quote("--rows"), "--rows");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(
            command_line(["--rows".to_owned(), "10".to_owned()].into_iter()),
            "cargo run --release -p basalt-bench -- --rows 10"
        );
    }
}
