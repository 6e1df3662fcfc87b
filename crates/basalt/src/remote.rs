//! The remote backend: a Basalt or libSQL server over Hrana 3 HTTP (`/v3/pipeline`).
//!
//! Statements outside a transaction go as one-shot pipelines (`execute` + `close`).
//! Once a statement may open a transaction, the connection keeps the server stream: each
//! request carries the last baton and asks `get_autocommit`, so the connection knows when
//! the transaction ended. The stream is closed when the connection is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use basalt_engine::{Column, Params, QueryResult, Value};
use basalt_hrana as hrana;
use tokio::sync::Mutex;

use crate::error::{Error, Result};

/// Where a remote database lives and how to reach it.
#[derive(Debug, Clone)]
pub(crate) struct RemoteDatabase {
    http: reqwest::Client,
    pipeline_url: String,
    token: Option<String>,
}

impl RemoteDatabase {
    pub(crate) fn new(url: &str, token: String) -> Result<RemoteDatabase> {
        let base = normalise_url(url)?;
        let http = reqwest::Client::builder().build().map_err(Error::Http)?;
        let token = (!token.is_empty()).then_some(token);
        Ok(RemoteDatabase {
            http,
            pipeline_url: format!("{base}/v3/pipeline"),
            token,
        })
    }

    pub(crate) fn connect(&self) -> RemoteConnection {
        RemoteConnection {
            db: self.clone(),
            state: Arc::new(Mutex::new(StreamState::default())),
            counters: Arc::new(Counters::default()),
        }
    }
}

/// `libsql://` means HTTPS, as in the official clients; `ws(s)://` maps to `http(s)://`.
fn normalise_url(url: &str) -> Result<String> {
    let url = url.trim_end_matches('/');
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| Error::InvalidUrl(url.to_owned()))?;
    let scheme = match scheme {
        "http" | "ws" => "http",
        "https" | "wss" | "libsql" => "https",
        _ => return Err(Error::InvalidUrl(url.to_owned())),
    };
    Ok(format!("{scheme}://{rest}"))
}

/// The server stream, held across a request so requests on one connection go in order.
#[derive(Debug, Default)]
struct StreamState {
    baton: Option<String>,
    in_transaction: bool,
}

/// What synchronous getters read without waiting for a request in flight.
#[derive(Debug, Default)]
struct Counters {
    in_transaction: AtomicBool,
    last_insert_rowid: AtomicI64,
    changes: AtomicU64,
    total_changes: AtomicU64,
}

/// One remote connection (a server stream while a transaction is open).
#[derive(Debug, Clone)]
pub(crate) struct RemoteConnection {
    db: RemoteDatabase,
    state: Arc<Mutex<StreamState>>,
    counters: Arc<Counters>,
}

impl RemoteConnection {
    /// Runs one statement.
    pub(crate) async fn execute(&self, sql: &str, params: &Params) -> Result<QueryResult> {
        let stmt = to_stmt(sql, params);
        let mut state = self.state.lock().await;
        let keep_stream = state.in_transaction || may_begin_transaction(sql);
        let requests = if keep_stream {
            vec![
                hrana::StreamRequest::Execute(hrana::ExecuteStreamReq { stmt }),
                hrana::StreamRequest::GetAutocommit,
            ]
        } else {
            vec![
                hrana::StreamRequest::Execute(hrana::ExecuteStreamReq { stmt }),
                hrana::StreamRequest::Close,
            ]
        };
        let baton = if keep_stream {
            state.baton.take()
        } else {
            None
        };
        let (new_baton, results) = match self.send(baton, requests).await {
            Ok(answer) => answer,
            Err(e) => {
                // A transport or protocol failure ends the stream, as in the official clients.
                state.in_transaction = false;
                self.counters.in_transaction.store(false, Ordering::Relaxed);
                return Err(e);
            }
        };
        let mut results = results.into_iter();
        let executed = results.next();
        if keep_stream {
            self.track_stream(&mut state, new_baton, results.next());
        }
        let result = match executed {
            Some(hrana::StreamResult::Ok {
                response: hrana::StreamResponse::Execute { result },
            }) => result,
            Some(hrana::StreamResult::Error { error }) => {
                return Err(Error::Remote {
                    code: error.code,
                    message: error.message,
                });
            }
            _ => {
                return Err(Error::Protocol(
                    "the server answered execute with something else".into(),
                ));
            }
        };
        if let Some(rowid) = result.last_insert_rowid {
            self.counters
                .last_insert_rowid
                .store(rowid, Ordering::Relaxed);
        }
        self.counters
            .changes
            .store(result.affected_row_count, Ordering::Relaxed);
        self.counters
            .total_changes
            .fetch_add(result.affected_row_count, Ordering::Relaxed);
        Ok(from_stmt_result(result))
    }

    /// Runs a script of statements (`sequence`), on the transaction's stream if one is open.
    pub(crate) async fn execute_batch(&self, sql: &str) -> Result<()> {
        let mut state = self.state.lock().await;
        let request = hrana::StreamRequest::Sequence(hrana::SequenceStreamReq {
            sql: Some(sql.to_owned()),
            sql_id: None,
            replication_index: None,
        });
        let baton = state.baton.take();
        let (new_baton, results) = match self
            .send(baton, vec![request, hrana::StreamRequest::GetAutocommit])
            .await
        {
            Ok(answer) => answer,
            Err(e) => {
                state.in_transaction = false;
                self.counters.in_transaction.store(false, Ordering::Relaxed);
                return Err(e);
            }
        };
        let mut results = results.into_iter();
        let sequence = results.next();
        self.track_stream(&mut state, new_baton, results.next());
        match sequence {
            Some(hrana::StreamResult::Ok { .. }) => Ok(()),
            Some(hrana::StreamResult::Error { error }) => Err(Error::Remote {
                code: error.code,
                message: error.message,
            }),
            None => Err(Error::Protocol(
                "the server sent no result for sequence".into(),
            )),
        }
    }

    /// The columns `sql` would return, from `describe`.
    pub(crate) async fn columns(&self, sql: &str) -> Result<Vec<Column>> {
        let request = hrana::StreamRequest::Describe(hrana::DescribeStreamReq {
            sql: Some(sql.to_owned()),
            sql_id: None,
            replication_index: None,
        });
        let (_, results) = self
            .send(None, vec![request, hrana::StreamRequest::Close])
            .await?;
        match results.into_iter().next() {
            Some(hrana::StreamResult::Ok {
                response: hrana::StreamResponse::Describe { result },
            }) => Ok(result
                .cols
                .into_iter()
                .map(|c| Column {
                    name: c.name,
                    decltype: c.decltype,
                })
                .collect()),
            Some(hrana::StreamResult::Error { error }) => Err(Error::Remote {
                code: error.code,
                message: error.message,
            }),
            _ => Err(Error::Protocol(
                "the server answered describe with something else".into(),
            )),
        }
    }

    pub(crate) fn is_autocommit(&self) -> bool {
        !self.counters.in_transaction.load(Ordering::Relaxed)
    }

    pub(crate) fn last_insert_rowid(&self) -> i64 {
        self.counters.last_insert_rowid.load(Ordering::Relaxed)
    }

    pub(crate) fn changes(&self) -> u64 {
        self.counters.changes.load(Ordering::Relaxed)
    }

    pub(crate) fn total_changes(&self) -> u64 {
        self.counters.total_changes.load(Ordering::Relaxed)
    }

    /// Keeps the stream while a transaction is open; closes it once the server reports
    /// autocommit again.
    fn track_stream(
        &self,
        state: &mut StreamState,
        baton: Option<String>,
        autocommit: Option<hrana::StreamResult>,
    ) {
        let autocommit = match autocommit {
            Some(hrana::StreamResult::Ok {
                response: hrana::StreamResponse::GetAutocommit { is_autocommit },
            }) => is_autocommit,
            _ => true,
        };
        state.in_transaction = !autocommit && baton.is_some();
        self.counters
            .in_transaction
            .store(state.in_transaction, Ordering::Relaxed);
        if state.in_transaction {
            state.baton = baton;
        } else {
            self.close_in_background(baton);
        }
    }

    /// Sends one pipeline and returns the new baton and the results.
    async fn send(
        &self,
        baton: Option<String>,
        requests: Vec<hrana::StreamRequest>,
    ) -> Result<(Option<String>, Vec<hrana::StreamResult>)> {
        let body = hrana::PipelineReqBody { baton, requests };
        let mut request = self.db.http.post(&self.db.pipeline_url).json(&body);
        if let Some(token) = &self.db.token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(Error::Http)?;
        let status = response.status();
        let text = response.text().await.map_err(Error::Http)?;
        if !status.is_success() {
            return Err(server_error(status.as_u16(), &text));
        }
        let body: hrana::PipelineRespBody = serde_json::from_str(&text)
            .map_err(|e| Error::Protocol(format!("cannot decode the server's answer: {e}")))?;
        Ok((body.baton, body.results))
    }

    fn close_in_background(&self, baton: Option<String>) {
        let Some(baton) = baton else { return };
        let this = self.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                let _ = this
                    .send(Some(baton), vec![hrana::StreamRequest::Close])
                    .await;
            });
        }
    }
}

/// A non-200 answer: JSON `{message, code}` when the server gives one, else its text.
fn server_error(status: u16, body: &str) -> Error {
    if let Ok(error) = serde_json::from_str::<hrana::Error>(body) {
        return Error::Remote {
            code: error.code,
            message: error.message,
        };
    }
    Error::Server {
        status,
        message: body.to_owned(),
    }
}

/// Whether a statement may leave a transaction open (then the stream is kept).
fn may_begin_transaction(sql: &str) -> bool {
    let word: String = sql
        .trim_start()
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_uppercase();
    matches!(word.as_str(), "BEGIN" | "SAVEPOINT")
}

fn to_stmt(sql: &str, params: &Params) -> hrana::Stmt {
    let mut stmt = hrana::Stmt::new(sql);
    match params {
        Params::None => {}
        Params::Positional(values) => stmt.args = values.iter().cloned().map(to_wire).collect(),
        Params::Named(values) => {
            stmt.named_args = values
                .iter()
                .map(|(name, value)| hrana::NamedArg {
                    name: name.clone(),
                    value: to_wire(value.clone()),
                })
                .collect();
        }
    }
    stmt
}

fn to_wire(v: Value) -> hrana::Value {
    match v {
        Value::Null => hrana::Value::Null,
        Value::Integer(i) => hrana::Value::Integer(i),
        Value::Real(f) => hrana::Value::Float(f),
        Value::Text(t) => hrana::Value::Text(t),
        Value::Blob(b) => hrana::Value::Blob(b),
    }
}

fn from_wire(v: hrana::Value) -> Value {
    match v {
        hrana::Value::Null => Value::Null,
        hrana::Value::Integer(i) => Value::Integer(i),
        hrana::Value::Float(f) => Value::Real(f),
        hrana::Value::Text(t) => Value::Text(t),
        hrana::Value::Blob(b) => Value::Blob(b),
    }
}

fn from_stmt_result(result: hrana::StmtResult) -> QueryResult {
    QueryResult {
        columns: result
            .cols
            .into_iter()
            .map(|c| Column {
                name: c.name.unwrap_or_default(),
                decltype: c.decltype,
            })
            .collect(),
        rows: result
            .rows
            .into_iter()
            .map(|row| row.into_iter().map(from_wire).collect())
            .collect(),
        rows_affected: result.affected_row_count,
        last_insert_rowid: result.last_insert_rowid.unwrap_or(0),
        readonly: false,
        rows_read: result.rows_read,
    }
}
