//! The server back-end: every record goes to a real Basalt server over HTTP, as one Hrana
//! `execute` request on `/v2/pipeline`.
//!
//! The server serves one database per data directory, so each test file gets its own
//! in-process server on `127.0.0.1:0` over a fresh temporary directory, on a
//! current-thread tokio runtime owned by the file's back-end. The runner's thread drives
//! that runtime while it waits for a response, so client and server run on one thread (the
//! server's engine calls still go to the runtime's blocking threads): in a debug build this
//! costs about half the CPU of a shared multi-thread runtime, where every request hops
//! between threads.
//!
//! Invariants:
//! - A back-end keeps one Hrana stream for the whole file, passing the newest baton back on
//!   every request, so connection state (TEMP tables, PRAGMAs, an open transaction) lasts
//!   as it does in the in-process back-end. The stream is closed when the back-end drops,
//!   and the server is stopped and awaited before its directory is removed.
//! - Records run in file order, each exactly once. [`Backend::run`] sends a run of records
//!   as pipelines of up to [`HttpFactory::pipeline_depth`] `execute` requests; the server
//!   runs a pipeline's requests in order and every one of them even when an earlier one
//!   fails, which is what the runner needs (records are judged one by one).
//! - A `{"type":"error"}` result is a statement error ([`BackendError::Server`]), which is
//!   what `statement error` records expect; anything else that goes wrong on the wire is a
//!   distinct variant, so a broken transport never passes for an expected SQL error.
//!
//! Where HTTP cannot mirror the engine back-end exactly:
//! - A query that fails while stepping comes back as an error with no rows. The back-end
//!   then asks the server to `describe` the query: if it prepares, the error is reported as
//!   [`QueryOutput::stopped_by`] with no rows (SQLite's driver would keep the rows read
//!   before the error; the corpus only relies on the "no rows" case). So that `describe`
//!   sees the schema the query ran against, a pipeline never holds a statement after a
//!   query.
//! - `execute` takes exactly one statement. A statement record with several (which
//!   `sqlite3_exec` runs in turn) comes back as `SQL_MANY_STATEMENTS` without running, and
//!   is sent again as a `sequence`; a record whose SQL might hold several therefore ends its
//!   pipeline, so the retry runs before the records after it.
//! - REAL values printed in `T` columns are rendered by the server's SQLite with
//!   `SELECT CAST(?1 AS TEXT)`, one request per distinct value (cached per file). Floats
//!   JSON cannot carry (±inf) use the runner's own rendering.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use basalt_engine::Value;
use basalt_hrana as hrana;
use basalt_hrana::{
    DescribeStreamReq, ExecuteStreamReq, PipelineReqBody, PipelineRespBody, SequenceStreamReq,
    Stmt, StmtResult, StreamRequest, StreamResponse, StreamResult,
};
use tokio::runtime::Runtime;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::{Backend, BackendError, BackendFactory, Outcome, QueryOutput, Work};

/// Largest SQL text, summed over a pipeline's requests, sent in one HTTP request; far below
/// the server's body limit (32 MiB), so no pipeline is refused for its size.
const MAX_PIPELINE_SQL_BYTES: usize = 1 << 20;

/// Opens one [`HttpBackend`], with its own server, per test file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpFactory {
    /// Most records sent in one HTTP request (at least 1). 1 sends every record on its own,
    /// the way an interactive client does; larger values spread the per-request cost (HTTP,
    /// a thread hop for the engine call, JSON framing) over many records.
    pub pipeline_depth: usize,
}

impl Default for HttpFactory {
    /// Pipelines of up to 64 records.
    fn default() -> Self {
        HttpFactory { pipeline_depth: 64 }
    }
}

impl BackendFactory for HttpFactory {
    fn open(&self) -> Result<Box<dyn Backend>, BackendError> {
        Ok(Box::new(HttpBackend::start(self.pipeline_depth)?))
    }
}

/// A server of its own plus one Hrana stream on it, used as a sqllogictest back-end.
///
/// It blocks on its own runtime, so it is used (and dropped) outside any async runtime, as
/// the runner's worker threads are.
#[derive(Debug)]
pub struct HttpBackend {
    client: reqwest::Client,
    /// `http://127.0.0.1:PORT/v2/pipeline`, parsed once (parsing is not free in a debug
    /// build, and every record needs it).
    url: reqwest::Url,
    /// The stream's newest baton; `None` before the first request and after `close`.
    baton: Option<String>,
    /// SQLite's text for REALs already asked for, by bit pattern.
    real_texts: HashMap<u64, String>,
    /// Most requests per pipeline.
    pipeline_depth: usize,
    server: Option<ServerTask>,
    /// Drives the server and the client; dropped after the server has stopped.
    runtime: Runtime,
    // Last, so the directory outlives the server that writes to it.
    _dir: tempfile::TempDir,
}

/// A running in-process server and the means to stop it.
#[derive(Debug)]
struct ServerTask {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), basalt_server::ServeError>>,
}

impl HttpBackend {
    /// Starts a server over a fresh temporary directory and connects to it; records are
    /// sent in pipelines of up to `pipeline_depth` requests. Must not be called from within
    /// an async runtime (the back-end blocks on its own).
    pub fn start(pipeline_depth: usize) -> Result<HttpBackend, BackendError> {
        let dir = tempfile::Builder::new()
            .prefix("basalt-slt-http-")
            .tempdir()
            .map_err(BackendError::ScratchDir)?;
        let mut config = basalt_server::Config::new(dir.path().join("data"));
        // Throwaway databases: no fsync at checkpoints.
        config.synchronous = basalt_engine::Synchronous::Off;
        // The runner holds its stream while it formats and compares a result; on a loaded
        // machine that gap must never expire the stream (and lose TEMP state).
        config.stream_idle_timeout = Duration::from_secs(3600);
        // SQLite's driver reads whole results; the default cap is for untrusted clients.
        config.max_response_bytes = 1 << 30;

        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(BackendError::Runtime)?;
        let (addr, server) = runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
                .await
                .map_err(BackendError::Listen)?;
            let addr = listener.local_addr().map_err(BackendError::Listen)?;
            let server = basalt_server::Server::open(config)
                .await
                .map_err(BackendError::StartServer)?;
            let (stop, stopped) = oneshot::channel::<()>();
            let task = tokio::spawn(server.serve(listener, async move {
                // A dropped sender stops the server too.
                let _ = stopped.await;
            }));
            Ok::<_, BackendError>((addr, ServerTask { stop, task }))
        })?;
        let client = reqwest::Client::builder()
            // One client per server: an idle connection is kept for the whole file.
            .pool_max_idle_per_host(1)
            .build()
            .map_err(BackendError::Http)?;
        Ok(HttpBackend {
            client,
            url: reqwest::Url::parse(&format!("http://{addr}/v2/pipeline"))
                .expect("a socket address makes a valid URL"),
            baton: None,
            real_texts: HashMap::new(),
            pipeline_depth: pipeline_depth.max(1),
            server: Some(server),
            runtime,
            _dir: dir,
        })
    }

    /// Sends `requests` on the stream in one pipeline and returns one result per request.
    fn pipeline(
        &mut self,
        requests: Vec<StreamRequest>,
    ) -> Result<Vec<StreamResult>, BackendError> {
        let expected = requests.len();
        let body = PipelineReqBody {
            baton: self.baton.take(),
            requests,
        };
        let body = serde_json::to_vec(&body).map_err(BackendError::Encode)?;
        let request = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        let (status, bytes) = self.runtime.block_on(async {
            let response = request.send().await?;
            let status = response.status();
            let bytes = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, bytes))
        })?;
        if !status.is_success() {
            // The stream is gone after a protocol error; the next request opens a new one.
            return Err(BackendError::HttpStatus {
                status: status.as_u16(),
                body: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        let response: PipelineRespBody =
            serde_json::from_slice(&bytes).map_err(BackendError::Decode)?;
        self.baton = response.baton;
        if response.results.len() != expected {
            return Err(BackendError::UnexpectedResponse {
                expected: "one result per request",
                got: format!("{} results for {expected} requests", response.results.len()),
            });
        }
        Ok(response.results)
    }

    /// Sends one request and returns its response, or its statement error.
    fn request(&mut self, request: StreamRequest) -> Result<StreamResponse, BackendError> {
        let result = self
            .pipeline(vec![request])?
            .pop()
            .expect("pipeline checked the number of results");
        match result {
            StreamResult::Ok { response } => Ok(response),
            StreamResult::Error { error } => Err(BackendError::Server(error)),
        }
    }

    /// `execute` of one statement.
    fn execute_stmt(&mut self, stmt: Stmt) -> Result<StmtResult, BackendError> {
        let result = self
            .pipeline(vec![execute_request(stmt)])?
            .pop()
            .expect("pipeline checked the number of results");
        execute_result(result)
    }

    /// Runs `work` as one pipeline of `execute` requests and returns one outcome per item.
    /// The caller cuts pipelines as [`pipeline_len`] does, which keeps the follow-up
    /// requests below (`describe`, `sequence`) in record order.
    fn run_pipeline(&mut self, work: &[Work<'_>]) -> Vec<Outcome> {
        let requests = work
            .iter()
            .map(|item| execute_request(Stmt::new(item.sql())))
            .collect();
        let results = match self.pipeline(requests) {
            Ok(results) => results,
            Err(e) => {
                // Nothing came back: the first record carries the reason, the rest say
                // they were not run (neither may pass for an expected SQL error).
                let errors =
                    std::iter::once(e).chain(std::iter::repeat_with(|| BackendError::Aborted));
                return work
                    .iter()
                    .zip(errors)
                    .map(|(item, e)| match item {
                        Work::Execute(_) => Outcome::Executed(Err(e)),
                        Work::Query(_) => Outcome::Queried(Err(e)),
                    })
                    .collect();
            }
        };
        let last = work.len() - 1;
        work.iter()
            .zip(results)
            .enumerate()
            .map(|(index, (item, result))| {
                let result = execute_result(result);
                match *item {
                    Work::Execute(sql) => {
                        Outcome::Executed(self.finish_execute(sql, result, index == last))
                    }
                    Work::Query(sql) => Outcome::Queried(self.finish_query(sql, result)),
                }
            })
            .collect()
    }

    /// A statement record's result, with `sqlite3_exec`'s treatment of scripts that hold
    /// no statement or several. `last`: nothing was sent after it in its pipeline.
    fn finish_execute(
        &mut self,
        sql: &str,
        result: Result<StmtResult, BackendError>,
        last: bool,
    ) -> Result<(), BackendError> {
        match result {
            Ok(_) => Ok(()),
            Err(BackendError::Server(e)) if e.code == "SQL_NO_STATEMENT" => Ok(()),
            // Nothing of it ran; running it now keeps record order only if nothing was
            // sent after it, which `pipeline_len` sees to.
            Err(BackendError::Server(e)) if e.code == "SQL_MANY_STATEMENTS" && last => {
                let request = StreamRequest::Sequence(SequenceStreamReq {
                    sql: Some(sql.to_owned()),
                    ..Default::default()
                });
                match self.request(request)? {
                    StreamResponse::Sequence => Ok(()),
                    other => Err(unexpected("sequence", &other)),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// A query record's result. A query that prepares but failed while running ends its
    /// rows with the error instead of failing (see the module docs).
    fn finish_query(
        &mut self,
        sql: &str,
        result: Result<StmtResult, BackendError>,
    ) -> Result<QueryOutput, BackendError> {
        match result {
            Ok(result) => Ok(QueryOutput {
                columns: result.cols.len(),
                rows: result
                    .rows
                    .into_iter()
                    .map(|row| row.into_iter().map(from_wire).collect())
                    .collect(),
                stopped_by: None,
            }),
            // No statement ran between the query and this `describe` (`pipeline_len`), so
            // it sees the schema the query ran against.
            Err(error @ BackendError::Server(_)) => match self.describe_columns(sql) {
                Ok(columns) => Ok(QueryOutput {
                    columns,
                    rows: Vec::new(),
                    stopped_by: Some(error),
                }),
                Err(_) => Err(error),
            },
            Err(e) => Err(e),
        }
    }

    /// The number of result columns of `sql` if it prepares.
    fn describe_columns(&mut self, sql: &str) -> Result<usize, BackendError> {
        let request = StreamRequest::Describe(DescribeStreamReq {
            sql: Some(sql.to_owned()),
            ..Default::default()
        });
        match self.request(request)? {
            StreamResponse::Describe { result } => Ok(result.cols.len()),
            other => Err(unexpected("describe", &other)),
        }
    }

    /// Closes the stream and stops the server, waiting for it to finish.
    fn shut_down(&mut self) {
        if self.baton.is_some()
            && let Err(e) = self.request(StreamRequest::Close)
        {
            tracing::warn!(error = %e, "cannot close the stream");
        }
        let Some(server) = self.server.take() else {
            return;
        };
        let _ = server.stop.send(());
        match self.runtime.block_on(server.task) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "server failed"),
            Err(e) => tracing::warn!(error = %e, "server task failed"),
        }
    }
}

impl Backend for HttpBackend {
    fn execute(&mut self, sql: &str) -> Result<(), BackendError> {
        match self.run_pipeline(&[Work::Execute(sql)]).pop() {
            Some(Outcome::Executed(result)) => result,
            _ => unreachable!("one outcome of the same kind per work item"),
        }
    }

    fn query(&mut self, sql: &str) -> Result<QueryOutput, BackendError> {
        match self.run_pipeline(&[Work::Query(sql)]).pop() {
            Some(Outcome::Queried(result)) => result,
            _ => unreachable!("one outcome of the same kind per work item"),
        }
    }

    fn run(&mut self, work: &[Work<'_>]) -> Vec<Outcome> {
        let mut outcomes = Vec::with_capacity(work.len());
        let mut rest = work;
        while !rest.is_empty() {
            let (now, later) = rest.split_at(pipeline_len(rest, self.pipeline_depth));
            outcomes.extend(self.run_pipeline(now));
            rest = later;
        }
        outcomes
    }

    fn real_to_text(&mut self, value: f64) -> String {
        if !value.is_finite() {
            return crate::format::real_to_text(value);
        }
        if let Some(text) = self.real_texts.get(&value.to_bits()) {
            return text.clone();
        }
        let stmt = Stmt::new("SELECT CAST(?1 AS TEXT)").with_args([hrana::Value::Float(value)]);
        let text = match self.execute_stmt(stmt) {
            Ok(result) => match result
                .rows
                .into_iter()
                .next()
                .and_then(|r| r.into_iter().next())
            {
                Some(hrana::Value::Text(text)) => text,
                other => {
                    tracing::warn!(?other, "the server did not render a real as text");
                    crate::format::real_to_text(value)
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "the server could not render a real; using the fallback");
                crate::format::real_to_text(value)
            }
        };
        self.real_texts.insert(value.to_bits(), text.clone());
        text
    }
}

impl Drop for HttpBackend {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// How many of `work`'s first items (at least one) go in the next pipeline: at most
/// `depth` and about [`MAX_PIPELINE_SQL_BYTES`] of SQL, never a statement after a query (a
/// failed query is described after its pipeline, against the schema it ran on), and a
/// statement that may hold several statements last (it may have to be sent again).
fn pipeline_len(work: &[Work<'_>], depth: usize) -> usize {
    let mut bytes = 0;
    let mut after_query = false;
    for (index, item) in work.iter().enumerate() {
        bytes += item.sql().len();
        let full = index >= depth || (index > 0 && bytes > MAX_PIPELINE_SQL_BYTES);
        match item {
            _ if full => return index,
            Work::Execute(_) if after_query => return index,
            Work::Execute(sql) if may_hold_several(sql) => return index + 1,
            Work::Execute(_) => {}
            Work::Query(_) => after_query = true,
        }
    }
    work.len()
}

/// False only when `sql` certainly holds at most one statement: no `;` is followed by
/// anything but whitespace. (A `;` inside a string literal gives a harmless false alarm.)
fn may_hold_several(sql: &str) -> bool {
    sql.trim_end().trim_end_matches(';').contains(';')
}

fn execute_request(stmt: Stmt) -> StreamRequest {
    StreamRequest::Execute(ExecuteStreamReq { stmt })
}

/// The statement result in an `execute` request's slot.
fn execute_result(result: StreamResult) -> Result<StmtResult, BackendError> {
    match result {
        StreamResult::Ok {
            response: StreamResponse::Execute { result },
        } => Ok(result),
        StreamResult::Ok { response } => Err(unexpected("execute", &response)),
        StreamResult::Error { error } => Err(BackendError::Server(error)),
    }
}

/// A Hrana value as an engine value.
fn from_wire(value: hrana::Value) -> Value {
    match value {
        hrana::Value::Null => Value::Null,
        hrana::Value::Integer(i) => Value::Integer(i),
        hrana::Value::Float(f) => Value::Real(f),
        hrana::Value::Text(t) => Value::Text(t),
        hrana::Value::Blob(b) => Value::Blob(b),
    }
}

fn unexpected(expected: &'static str, got: &StreamResponse) -> BackendError {
    BackendError::UnexpectedResponse {
        expected,
        got: format!("{got:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A back-end sending one record per HTTP request and one pipelining many.
    fn backends() -> [Box<dyn Backend>; 2] {
        [1, 64].map(|pipeline_depth| {
            HttpFactory { pipeline_depth }
                .open()
                .expect("start a server")
        })
    }

    fn executed(outcome: &Outcome) -> &Result<(), BackendError> {
        match outcome {
            Outcome::Executed(result) => result,
            Outcome::Queried(_) => panic!("expected a statement outcome"),
        }
    }

    fn queried(outcome: &Outcome) -> &Result<QueryOutput, BackendError> {
        match outcome {
            Outcome::Queried(result) => result,
            Outcome::Executed(_) => panic!("expected a query outcome"),
        }
    }

    #[test]
    fn statements_queries_and_errors() {
        for mut db in backends() {
            db.execute("CREATE TABLE t(a INTEGER, b TEXT, c REAL, d BLOB)")
                .expect("create");
            db.execute("INSERT INTO t VALUES (1, 'x', 1.5, x'00ff'), (2, NULL, NULL, NULL)")
                .expect("insert");
            let out = db
                .query("SELECT a, b, c, d FROM t ORDER BY a")
                .expect("select");
            assert_eq!(out.columns, 4);
            assert_eq!(
                out.rows,
                vec![
                    vec![
                        Value::Integer(1),
                        Value::Text("x".into()),
                        Value::Real(1.5),
                        Value::Blob(vec![0, 255])
                    ],
                    vec![Value::Integer(2), Value::Null, Value::Null, Value::Null],
                ]
            );
            let empty = db.query("SELECT a FROM t WHERE a > 5").expect("no rows");
            assert_eq!((empty.columns, empty.rows.len()), (1, 0));
            let error = db.execute("SELECT * FROM missing").unwrap_err();
            assert!(error.is_statement_error(), "{error}");
            assert!(
                error.to_string().contains("no such table: missing"),
                "{error}"
            );
            assert!(matches!(
                db.query("SELECT * FROM missing"),
                Err(BackendError::Server(_))
            ));
            // Empty and multi-statement scripts behave as with `sqlite3_exec`.
            db.execute("-- nothing").expect("empty script");
            db.execute("INSERT INTO t(a) VALUES (3); INSERT INTO t(a) VALUES (4)")
                .expect("two statements");
            let count = db.query("SELECT count(*) FROM t").expect("count");
            assert_eq!(count.rows, vec![vec![Value::Integer(4)]]);
        }
    }

    #[test]
    fn a_run_keeps_record_order_and_runs_every_record() {
        for mut db in backends() {
            let work = [
                Work::Execute("CREATE TABLE t(x INTEGER)"),
                Work::Execute("INSERT INTO missing VALUES (1)"),
                // Several statements mid-run: retried as a sequence before the rest.
                Work::Execute("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)"),
                Work::Query("SELECT count(*) FROM t"),
                Work::Query("SELECT sum(x) FROM (SELECT 1<<62 AS x UNION ALL SELECT 1<<62)"),
                Work::Query("SELECT nothing FROM t"),
                // A statement after queries, then a query that sees it.
                Work::Execute("DROP TABLE t"),
                Work::Query("SELECT count(*) FROM sqlite_schema"),
            ];
            let outcomes = db.run(&work);
            assert_eq!(outcomes.len(), work.len());
            assert!(executed(&outcomes[0]).is_ok());
            assert!(matches!(
                executed(&outcomes[1]),
                Err(BackendError::Server(_))
            ));
            assert!(executed(&outcomes[2]).is_ok());
            let count = queried(&outcomes[3]).as_ref().expect("count");
            assert_eq!(count.rows, vec![vec![Value::Integer(2)]]);
            let overflow = queried(&outcomes[4]).as_ref().expect("prepares");
            assert_eq!((overflow.columns, overflow.rows.len()), (1, 0));
            assert!(overflow.stopped_by.is_some());
            assert!(matches!(
                queried(&outcomes[5]),
                Err(BackendError::Server(_))
            ));
            assert!(executed(&outcomes[6]).is_ok());
            let schema = queried(&outcomes[7]).as_ref().expect("schema");
            assert_eq!(schema.rows, vec![vec![Value::Integer(0)]]);
        }
    }

    #[test]
    fn pipelines_are_cut_where_record_order_needs_it() {
        let q = Work::Query("SELECT 1");
        let s = Work::Execute("INSERT INTO t VALUES (1)");
        let several = Work::Execute("INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);");
        assert_eq!(pipeline_len(&[s, s, q, q, s, q], 64), 4);
        assert_eq!(pipeline_len(&[q, q, q], 2), 2);
        assert_eq!(pipeline_len(&[s, several, s], 64), 2);
        assert_eq!(pipeline_len(&[several, s], 64), 1);
        assert_eq!(pipeline_len(&[q], 1), 1);
        assert!(!may_hold_several("INSERT INTO t VALUES (1) ;  \n"));
        assert!(may_hold_several("SELECT 1; -- and a comment"));
    }

    #[test]
    fn the_stream_keeps_connection_state() {
        for mut db in backends() {
            db.execute("CREATE TEMP TABLE scratch(x)")
                .expect("temp table");
            db.execute("BEGIN").expect("begin");
            db.execute("INSERT INTO scratch VALUES (7)")
                .expect("insert");
            db.execute("COMMIT").expect("commit");
            let out = db
                .query("SELECT x FROM scratch")
                .expect("temp table is still there");
            assert_eq!(out.rows, vec![vec![Value::Integer(7)]]);
        }
    }

    #[test]
    fn each_backend_has_its_own_database() {
        let [mut first, mut second] = backends();
        first.execute("CREATE TABLE t(a)").expect("create");
        second
            .execute("CREATE TABLE t(a)")
            .expect("a fresh database has no t");
    }

    #[test]
    fn reals_are_rendered_by_the_server() {
        let [mut db, _] = backends();
        assert_eq!(db.real_to_text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(db.real_to_text(1.0), "1.0");
        assert_eq!(db.real_to_text(1.0), "1.0", "cached");
        assert_eq!(db.real_to_text(f64::INFINITY), "Inf");
    }

    #[test]
    fn transport_failures_are_not_statement_errors() {
        let [mut db, _] = backends();
        let mut backend = HttpBackend::start(8).expect("start a server");
        backend.shut_down();
        let outcomes = backend.run(&[Work::Execute("SELECT 1"), Work::Execute("SELECT 2")]);
        let first = executed(&outcomes[0]).as_ref().unwrap_err();
        assert!(matches!(first, BackendError::Http(_)), "{first}");
        assert!(!first.is_statement_error());
        let second = executed(&outcomes[1]).as_ref().unwrap_err();
        assert!(matches!(second, BackendError::Aborted));
        assert!(!second.is_statement_error());
        db.execute("SELECT 1")
            .expect("other servers are unaffected");
    }
}
