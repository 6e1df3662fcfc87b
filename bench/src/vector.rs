//! `vector`: the vector index benchmark. For each row count and metric it builds a table
//! of seeded synthetic embeddings with a `libsql_vector_idx` index (indexed inserts, in
//! transactions of `--batch` rows), then runs `--queries` top-10 searches through
//! `vector_top_k` and the same queries as exact scans (`ORDER BY vector_distance_…
//! LIMIT 10`) in the same run, and reports build time, search latency percentiles,
//! recall@10 against the exact answers, and file bytes per vector.
//!
//! Data: clustered, not uniform noise. Cluster sizes are uneven (weights ∝ 1/(i+1)),
//! centres are Gaussian, and within a cluster points vary along a few directions of
//! their own (a random 16-dimensional subspace per cluster, with its own spread) plus a
//! little isotropic noise, as text embeddings vary along few directions. Isotropic
//! Gaussian clusters in 384 dimensions would make every point of a cluster almost
//! equidistant from every query, which no real embedding set looks like. Vectors are
//! not normalised; queries are fresh points drawn from the same mixture, so they are
//! near many stored vectors without being copies of them.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use basalt_engine::{Connection, OpenOptions, Params, Value};

use crate::report;
use crate::results_file;
use crate::workload::SplitMix64;

/// Flags of the vector benchmark.
#[derive(Debug, clap::Args)]
pub struct VectorArgs {
    /// Row counts to build, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
    rows: Vec<usize>,

    /// Dimensions of every vector.
    #[arg(long, default_value_t = 384)]
    dims: usize,

    /// Metrics, comma-separated (`cosine`, `l2`).
    #[arg(long, value_delimiter = ',', default_value = "cosine,l2")]
    metrics: Vec<String>,

    /// Top-10 queries per configuration.
    #[arg(long, default_value_t = 200)]
    queries: usize,

    /// Rows per insert transaction.
    #[arg(long, default_value_t = 10_000)]
    batch: usize,

    /// Extra `libsql_vector_idx` options, e.g. `--options search_l=100,max_neighbors=48`.
    #[arg(long, value_delimiter = ',')]
    options: Vec<String>,

    /// A fast run for development: 2,000 rows, cosine only, 50 queries (flags given
    /// explicitly still win).
    #[arg(long)]
    quick: bool,

    /// SQLite page cache for the benchmark's connection, in MiB [default: SQLite's
    /// 2 MiB]. The index reads one node block per visited node, so a cache that holds
    /// the hot part of the graph saves most of the reads.
    #[arg(long, value_name = "MIB")]
    cache_mb: Option<i64>,

    /// Seed of the generated data.
    #[arg(long, default_value_t = 42)]
    seed: u64,

    /// Where to write the Markdown report [default: bench/RESULTS.md]
    #[arg(long, value_name = "PATH")]
    out: Option<PathBuf>,

    /// Only print the results; write no file.
    #[arg(long, conflicts_with = "out")]
    no_write: bool,
}

/// One configuration's figures.
struct Outcome {
    rows: usize,
    metric: String,
    build: Duration,
    p50: Duration,
    p99: Duration,
    exact_p50: Duration,
    recall: f64,
    file_bytes: u64,
    block_bytes: u64,
}

/// Gaussian sampler over SplitMix64 (Box–Muller).
struct Gauss(SplitMix64);

impl Gauss {
    fn uniform(&mut self) -> f64 {
        ((self.0.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn next(&mut self) -> f32 {
        let (u, v) = (self.uniform(), self.uniform());
        ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
    }
}

/// Directions a cluster's points vary along.
const LATENT: usize = 16;
/// Isotropic noise added to every element.
const NOISE: f32 = 0.02;

/// The mixture the data and queries are drawn from.
struct Mixture {
    centres: Vec<Vec<f32>>,
    /// Per cluster, `LATENT` direction vectors.
    bases: Vec<Vec<Vec<f32>>>,
    spreads: Vec<f32>,
    /// Cumulative weights.
    cdf: Vec<f64>,
}

impl Mixture {
    fn new(clusters: usize, dims: usize, g: &mut Gauss) -> Mixture {
        let centres = (0..clusters)
            .map(|_| (0..dims).map(|_| g.next()).collect())
            .collect();
        let scale = 1.0 / (dims as f32).sqrt();
        let bases = (0..clusters)
            .map(|_| {
                (0..LATENT)
                    .map(|_| (0..dims).map(|_| g.next() * scale).collect())
                    .collect()
            })
            .collect();
        let spreads = (0..clusters)
            .map(|_| 2.0 + 4.0 * g.uniform() as f32)
            .collect();
        let weights: Vec<f64> = (0..clusters).map(|i| 1.0 / (i as f64 + 1.0)).collect();
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let cdf = weights
            .iter()
            .map(|w| {
                acc += w / total;
                acc
            })
            .collect();
        Mixture {
            centres,
            bases,
            spreads,
            cdf,
        }
    }

    fn sample(&self, g: &mut Gauss) -> Vec<f32> {
        let u = g.uniform();
        let c = self
            .cdf
            .partition_point(|&x| x < u)
            .min(self.centres.len() - 1);
        let mut v: Vec<f32> = self.centres[c]
            .iter()
            .map(|&x| x + NOISE * g.next())
            .collect();
        for dir in &self.bases[c] {
            let z = self.spreads[c] * g.next();
            for (x, d) in v.iter_mut().zip(dir) {
                *x += z * d;
            }
        }
        v
    }
}

fn blob(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ids(conn: &Connection, sql: &str, q: &[u8]) -> Result<Vec<i64>> {
    let rows = conn
        .execute(sql, &Params::Positional(vec![Value::Blob(q.to_vec())]))
        .with_context(|| sql.to_owned())?
        .rows;
    rows.into_iter()
        .map(|r| match r[0] {
            Value::Integer(i) => Ok(i),
            ref other => bail!("unexpected id {other:?}"),
        })
        .collect()
}

fn run_one(
    dir: &Path,
    args: &VectorArgs,
    rows: usize,
    metric: &str,
    queries: usize,
) -> Result<Outcome> {
    let path = dir.join(format!("vec-{rows}-{metric}.db"));
    let conn = Connection::open(&path, &OpenOptions::default())?;
    let mut opts = vec![format!("'metric={metric}'")];
    opts.extend(args.options.iter().map(|o| format!("'{o}'")));
    conn.execute_batch(&format!(
        "{pragma}CREATE TABLE items (id INTEGER PRIMARY KEY, emb F32_BLOB({d}));
         CREATE INDEX items_idx ON items (libsql_vector_idx(emb, {o}));",
        d = args.dims,
        o = opts.join(", "),
        pragma = args
            .cache_mb
            .map(|mb| format!("PRAGMA cache_size = -{};", mb * 1024))
            .unwrap_or_default(),
    ))?;
    let mut g = Gauss(SplitMix64::new(args.seed));
    let clusters = (rows / 400).clamp(8, 256);
    let mix = Mixture::new(clusters, args.dims, &mut g);
    let data: Vec<Vec<u8>> = (0..rows).map(|_| blob(&mix.sample(&mut g))).collect();
    let qs: Vec<Vec<u8>> = (0..queries).map(|_| blob(&mix.sample(&mut g))).collect();

    eprintln!("  {rows} rows, {metric}: inserting");
    let start = Instant::now();
    for (chunk_no, chunk) in data.chunks(args.batch.max(1)).enumerate() {
        conn.execute_batch("BEGIN")?;
        for (i, v) in chunk.iter().enumerate() {
            let id = (chunk_no * args.batch + i + 1) as i64;
            conn.execute(
                "INSERT INTO items (id, emb) VALUES (?1, ?2)",
                &Params::Positional(vec![Value::Integer(id), Value::Blob(v.clone())]),
            )?;
        }
        conn.execute_batch("COMMIT")?;
        eprintln!(
            "    {} rows in {:.1} s",
            (chunk_no * args.batch + chunk.len()),
            start.elapsed().as_secs_f64()
        );
    }
    let build = start.elapsed();

    eprintln!("  {rows} rows, {metric}: {queries} queries");
    let func = if metric == "l2" {
        "vector_distance_l2"
    } else {
        "vector_distance_cos"
    };
    let approx_sql = "SELECT id FROM vector_top_k('items_idx', ?1, 10)";
    let exact_sql = format!("SELECT id FROM items ORDER BY {func}(emb, ?1), id LIMIT 10");
    // Warm the page cache and the statement caches.
    for q in qs.iter().take(5) {
        ids(&conn, approx_sql, q)?;
    }
    let mut lat = Vec::with_capacity(queries);
    let mut approx = Vec::with_capacity(queries);
    for q in &qs {
        let t = Instant::now();
        let got = ids(&conn, approx_sql, q)?;
        lat.push(t.elapsed());
        approx.push(got);
    }
    let mut exact_lat = Vec::with_capacity(queries);
    let mut hits = 0usize;
    for (q, got) in qs.iter().zip(&approx) {
        let t = Instant::now();
        let want = ids(&conn, &exact_sql, q)?;
        exact_lat.push(t.elapsed());
        hits += want.iter().filter(|id| got.contains(id)).count();
    }
    lat.sort();
    exact_lat.sort();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    let block_bytes = match conn
        .execute(
            "SELECT length(data) FROM items_idx_shadow LIMIT 1",
            &Params::None,
        )?
        .rows
        .first()
        .map(|r| r[0].clone())
    {
        Some(Value::Integer(n)) => n as u64,
        _ => 0,
    };
    let file_bytes = std::fs::metadata(&path)?.len();
    drop(conn);
    let _ = std::fs::remove_file(&path);
    Ok(Outcome {
        rows,
        metric: metric.to_owned(),
        build,
        p50: percentile(&lat, 0.5),
        p99: percentile(&lat, 0.99),
        exact_p50: percentile(&exact_lat, 0.5),
        recall: hits as f64 / (10 * queries.max(1)) as f64,
        file_bytes,
        block_bytes,
    })
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn render(out: &[Outcome], args: &VectorArgs, queries: usize, command: &str) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let opts = if args.options.is_empty() {
        "defaults (at 384 dims Basalt picks 1-bit neighbour copies for cosine, 8-bit for L2, max_neighbors 32, alpha 1.0; search_l 200 for cosine and 150 for L2, insert_l 70)".to_owned()
    } else {
        args.options.join(", ")
    };
    let _ = writeln!(s, "# Vector index benchmark\n");
    let _ = writeln!(s, "- Command: `{command}`");
    let _ = writeln!(s, "- Date: {}", report::utc_now());
    let _ = writeln!(
        s,
        "- Machine: {}; single-threaded benchmark",
        report::machine_base()
    );
    let _ = writeln!(
        s,
        "- SQLite: {}; build: {}",
        basalt_engine::sqlite_version(),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    let _ = writeln!(
        s,
        "- Data: {} dims, float32 (`F32_BLOB`), seed {}; clustered (uneven cluster sizes ∝ 1/(i+1); each cluster varies along its own 16-dimensional subspace with its own spread, plus isotropic noise 0.02), queries drawn from the same mixture; {queries} top-10 queries per row.",
        args.dims, args.seed
    );
    let _ = writeln!(s, "- Index options: {opts}.");
    let _ = writeln!(
        s,
        "- Page cache: {}.",
        args.cache_mb
            .map_or("SQLite's default (2 MiB)".to_owned(), |mb| format!(
                "{mb} MiB (`--cache-mb`)"
            ))
    );
    let _ = writeln!(
        s,
        "- Build: indexed `INSERT`s (index created on the empty table), {} rows per transaction, file on disk, WAL, `synchronous=NORMAL`. Query latency: `SELECT id FROM vector_top_k('items_idx', ?, 10)` through `Connection::execute`, warm cache. Recall@10: against `ORDER BY vector_distance_…(emb, ?), id LIMIT 10` for the same queries in the same run. Size: database file after a checkpoint, divided by the row count (the raw vector is {} bytes).",
        args.batch,
        args.dims * 4
    );
    let _ = writeln!(
        s,
        "- Load average when the report was written (1/5/15 min): {}\n",
        report::load_average()
    );
    let _ = writeln!(
        s,
        "| rows | metric | build (s) | per insert (ms) | top-10 p50 (ms) | top-10 p99 (ms) | exact scan p50 (ms) | recall@10 | file bytes/vector | node block (bytes) |"
    );
    let _ = writeln!(s, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for o in out {
        let _ = writeln!(
            s,
            "| {} | {} | {:.1} | {:.3} | {} | {} | {} | {:.3} | {} | {} |",
            report::group(o.rows as f64),
            o.metric,
            o.build.as_secs_f64(),
            o.build.as_secs_f64() * 1000.0 / o.rows as f64,
            ms(o.p50),
            ms(o.p99),
            ms(o.exact_p50),
            o.recall,
            report::group((o.file_bytes / o.rows.max(1) as u64) as f64),
            report::group(o.block_bytes as f64),
        );
    }
    let _ = writeln!(s, "\n## Goals\n");
    for o in out {
        let mut goals = Vec::new();
        if o.rows == 10_000 && args.dims == 384 {
            goals.push(format!(
                "build ≤ 10 s: {}",
                if o.build.as_secs_f64() <= 10.0 {
                    "met"
                } else {
                    "**not met**"
                }
            ));
        }
        goals.push(format!(
            "p50 ≤ 2 ms: {}",
            if o.p50.as_secs_f64() <= 0.002 {
                "met"
            } else {
                "**not met**"
            }
        ));
        goals.push(format!(
            "recall@10 ≥ 0.95: {}",
            if o.recall >= 0.95 {
                "met"
            } else {
                "**not met**"
            }
        ));
        let _ = writeln!(
            s,
            "- {} rows, {}: {}",
            report::group(o.rows as f64),
            o.metric,
            goals.join("; ")
        );
    }
    let _ = writeln!(
        s,
        "\nFor reference, libSQL 0.1.11 (default options, f32 neighbour copies, 80 KB node blocks at 384 dims) needed 142 s for 10,000 indexed inserts and reached recall@10 0.70."
    );
    s
}

pub fn run(args: &VectorArgs) -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: debug build; run with `cargo run --release -p basalt-bench -- vector`");
    }
    let rows_given = std::env::args().any(|a| a.starts_with("--rows"));
    let metrics_given = std::env::args().any(|a| a.starts_with("--metrics"));
    let queries_given = std::env::args().any(|a| a.starts_with("--queries"));
    let rows = if args.quick && !rows_given {
        vec![2_000]
    } else {
        args.rows.clone()
    };
    let metrics = if args.quick && !metrics_given {
        vec!["cosine".to_owned()]
    } else {
        args.metrics.clone()
    };
    let queries = if args.quick && !queries_given {
        50
    } else {
        args.queries
    };
    for m in &metrics {
        if m != "cosine" && m != "l2" {
            bail!("unknown metric {m:?}: use cosine or l2");
        }
    }
    let dir = tempfile::tempdir().context("creating a temp dir")?;
    let mut out = Vec::new();
    for &n in &rows {
        for m in &metrics {
            let o = run_one(dir.path(), args, n, m, queries)?;
            eprintln!(
                "  → build {:.1} s, p50 {} ms, p99 {} ms, recall {:.3}, {} bytes/vector",
                o.build.as_secs_f64(),
                ms(o.p50),
                ms(o.p99),
                o.recall,
                o.file_bytes / n as u64
            );
            out.push(o);
        }
    }
    let command = report::command_line(std::env::args().skip(1));
    let text = render(&out, args, queries, &command);
    println!("{text}");
    if !args.no_write {
        let path = args
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("RESULTS.md"));
        results_file::write_section(&path, "vector", &text)?;
        eprintln!("wrote the vector section of {}", path.display());
    }
    Ok(())
}
