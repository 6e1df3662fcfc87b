//! `basalt-bench server`: a load generator for any Hrana server, over HTTP and WebSocket.
//!
//! | module | holds |
//! |---|---|
//! | `spawn` | starting `target/release/basalt serve` on port 0 and stopping it |
//! | `client` | one HTTP/1.1 or WebSocket (`hrana2`) client connection |
//! | `scenario` | table setup, the timed closed-loop scenarios, the one-off bulk operations |
//! | `cpu` | CPU time of the generator, the server and the machine from `/proc` |
//! | `report` | the Markdown section (and libSQL's reference figures and the goals) |
//!
//! The generator runs in this process on its own tokio runtime (`--threads`, default 1
//! worker), so on a small machine it takes a known share of the cores and leaves the rest
//! to the server; the CPU columns of the report show the actual split.

pub(crate) mod client;
mod cpu;
pub(crate) mod report;
pub(crate) mod scenario;
pub(crate) mod spawn;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::builder::RangedU64ValueParser;

use client::{Target, Transport};
use scenario::{Bulk, Op, Settings};

/// Put load on a Hrana server over HTTP and WebSocket and report ops/s, latency
/// percentiles, errors and stalls per scenario.
#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// Base URL of a running server, `http://HOST:PORT` (WebSocket goes to
    /// `ws://HOST:PORT/`). Without it, a `basalt serve` is spawned (--spawn).
    #[arg(long, value_name = "URL", conflicts_with_all = ["spawn", "basalt_bin"])]
    url: Option<String>,

    /// Start `basalt serve` on 127.0.0.1:0 with a fresh data directory, and stop it at the
    /// end (the default without --url). Nothing is built: run
    /// `cargo build --release -p basalt-cli` first.
    #[arg(long)]
    spawn: bool,

    /// The basalt binary to spawn [default: target/release/basalt in this workspace]
    #[arg(long, value_name = "PATH")]
    basalt_bin: Option<PathBuf>,

    /// Pid of the server behind --url, to report its CPU use (e.g. libSQL's sqld).
    #[arg(long, value_name = "PID", requires = "url")]
    server_pid: Option<u32>,

    /// Length of each timed scenario, in seconds.
    #[arg(long, default_value = "5", value_name = "SECS", value_parser = parse_secs)]
    duration: Duration,

    /// Concurrent clients; each scenario runs once per value.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64", value_name = "N,..",
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=10_000))]
    clients: Vec<usize>,

    /// Transports to measure.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "http,ws",
        value_name = "T,.."
    )]
    transports: Vec<TransportArg>,

    /// Timed scenarios to run.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "select1,point,insert,mix",
        value_name = "S,.."
    )]
    scenarios: Vec<ScenarioArg>,

    /// Rows in the point-select table.
    #[arg(long, default_value_t = 100_000, value_name = "N",
          value_parser = RangedU64ValueParser::<usize>::new().range(10_000..))]
    rows: usize,

    /// Repetitions of each one-off bulk operation (best and median reported); 0 skips them.
    #[arg(long, default_value_t = 3, value_name = "R",
          value_parser = RangedU64ValueParser::<usize>::new().range(0..=100))]
    bulk_runs: usize,

    /// Worker threads of the load generator's tokio runtime.
    #[arg(long, default_value_t = 1, value_name = "N",
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=256))]
    threads: usize,

    /// Seed for the random ids and rows (the sequence per client is deterministic).
    #[arg(long, default_value_t = 42)]
    seed: u64,

    /// File whose `server` section is written [default: bench/RESULTS.md]
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,

    /// Only print the results; write no file.
    #[arg(long, conflicts_with = "out")]
    no_write: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ScenarioArg {
    /// `SELECT 1`.
    Select1,
    /// Point select by primary key.
    Point,
    /// Single-row INSERT, autocommit.
    Insert,
    /// 90 % point selects, 10 % inserts.
    Mix,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum TransportArg {
    Http,
    Ws,
}

pub(crate) fn parse_secs(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim_end_matches('s')
        .parse()
        .map_err(|e| format!("not a number of seconds: {e}"))?;
    if !(secs > 0.0 && secs <= 3600.0) {
        return Err("must be between 0 and 3600 seconds".into());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Which server was measured, for the report.
pub enum ServerKind {
    Spawned { binary: PathBuf, url: String },
    Url(String),
}

/// Everything the report needs.
pub struct Run {
    pub server: ServerKind,
    pub settings: Settings,
    pub threads: usize,
    pub setup: Duration,
    pub outcomes: Vec<scenario::Outcome>,
    pub one_offs: Vec<scenario::OneOff>,
    pub command: String,
}

pub fn run(args: &ServerArgs) -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: debug build; run with `cargo run --release -p basalt-bench -- server` \
             for real numbers"
        );
    }
    let out = (!args.no_write).then(|| {
        args.out
            .clone()
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("RESULTS.md"))
    });

    let (spawned, server, url) = match &args.url {
        Some(url) => (None, ServerKind::Url(url.clone()), url.clone()),
        None => {
            let binary = args
                .basalt_bin
                .clone()
                .unwrap_or_else(spawn::default_binary);
            let s = spawn::Spawned::start(&binary)?;
            eprintln!(
                "spawned {} (pid {}) on {}",
                s.binary.display(),
                s.pid(),
                s.url
            );
            let kind = ServerKind::Spawned {
                binary: s.binary.clone(),
                url: s.url.clone(),
            };
            let url = s.url.clone();
            (Some(s), kind, url)
        }
    };
    let settings = Settings {
        target: Target::parse(&url)?,
        duration: args.duration,
        rows: args.rows,
        seed: args.seed,
        server_pid: args
            .server_pid
            .or(spawned.as_ref().map(spawn::Spawned::pid)),
    };
    let transports: Vec<Transport> = args
        .transports
        .iter()
        .map(|t| match t {
            TransportArg::Http => Transport::Http,
            TransportArg::Ws => Transport::Ws,
        })
        .collect();

    let ops: Vec<Op> = args
        .scenarios
        .iter()
        .map(|s| match s {
            ScenarioArg::Select1 => Op::Select1,
            ScenarioArg::Point => Op::PointSelect,
            ScenarioArg::Insert => Op::Insert,
            ScenarioArg::Mix => Op::Mix,
        })
        .collect();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .enable_all()
        .build()
        .context("starting the load generator's runtime")?;
    let measured = runtime.block_on(measure(
        &settings,
        &ops,
        &transports,
        &args.clients,
        args.bulk_runs,
    ));
    drop(runtime);
    let measured = match measured {
        Ok(m) => m,
        Err(e) => {
            if let Some(s) = &spawned {
                eprintln!("server log:\n{}", s.log());
            }
            return Err(e);
        }
    };
    if let Some(s) = spawned {
        s.stop().context("stopping the server")?;
        eprintln!("server stopped");
    }

    let run = Run {
        server,
        settings,
        threads: args.threads,
        setup: measured.0,
        outcomes: measured.1,
        one_offs: measured.2,
        command: crate::report::command_line(std::env::args().skip(1)),
    };
    let text = report::render(&run);
    println!("{text}");
    if let Some(out) = out {
        crate::results_file::write_section(&out, "server", &text)?;
        eprintln!("wrote the server section of {}", out.display());
    }
    Ok(())
}

type Measured = (Duration, Vec<scenario::Outcome>, Vec<scenario::OneOff>);

async fn measure(
    s: &Settings,
    ops: &[Op],
    transports: &[Transport],
    clients: &[usize],
    bulk_runs: usize,
) -> Result<Measured> {
    eprintln!("setting up: {} rows in one batch", s.rows);
    let setup = scenario::setup(&s.target, s.rows).await?;
    eprintln!("setup took {:.0} ms", setup.as_secs_f64() * 1e3);

    let total = ops.len() * transports.len() * clients.len();
    let mut outcomes = Vec::with_capacity(total);
    for &op in ops {
        for &transport in transports {
            for &n in clients {
                let outcome = match scenario::run(s, op, transport, n).await {
                    Ok(o) => o,
                    Err(e) => scenario::Outcome::failed(op, transport, n, &e),
                };
                eprintln!(
                    "[{}/{total}] {} over {}, {n} clients: {} ops/s, p50 {} ms, p99 {} ms, \
                     {} errors, {} stalls; CPU: generator {}, server {}, others {}",
                    outcomes.len() + 1,
                    op.name(),
                    transport.name(),
                    crate::report::group(outcome.ops_per_sec()),
                    report::ms(outcome.percentile_ms(50.0)),
                    report::ms(outcome.percentile_ms(99.0)),
                    outcome.errors,
                    outcome.stalls,
                    report::pct(outcome.cpu.bench),
                    report::pct(outcome.cpu.server),
                    report::pct(outcome.cpu.others),
                );
                if let Some(e) = &outcome.first_error {
                    eprintln!("    first error: {e}");
                }
                outcomes.push(outcome);
                // Let closed connections drain before the next scenario's clients connect.
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }

    let mut one_offs = Vec::new();
    let bulks: &[Bulk] = if bulk_runs == 0 { &[] } else { &Bulk::ALL };
    for &bulk in bulks {
        for &transport in transports {
            let o = scenario::one_off(&s.target, bulk, transport, bulk_runs, s.seed)
                .await
                .with_context(|| format!("{} over {}", bulk.name(), transport.name()))?;
            eprintln!(
                "{} over {}: best {} ms{}",
                bulk.name(),
                transport.name(),
                report::ms(o.best().map(|d| d.as_secs_f64() * 1e3)),
                o.error
                    .as_ref()
                    .map(|e| format!(", error: {e}"))
                    .unwrap_or_default()
            );
            one_offs.push(o);
        }
    }
    Ok((setup, outcomes, one_offs))
}
