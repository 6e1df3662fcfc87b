//! `proxy.Proxy`: replicas forward writes (and everything inside a write transaction)
//! here. Each `client_id` keeps one server-side session, so a transaction spans `Execute`
//! calls; a program's steps run with their conditions, as a Hrana batch's do; sessions
//! idle past the timeout are rolled back and dropped (§8.6).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use basalt_engine::{Error as EngineError, Params, Value};
use basalt_hrana::BatchCond;
use basalt_rpc::proxy::proxy_server::Proxy as ProxyRpc;
use basalt_rpc::proxy::{
    self as pb, Ack, DescribeRequest, DescribeResult, Description, DisconnectMessage,
    ExecuteResults, ProgramReq, QueryResult, ResultRows, Row, State, cond, describe_result, query,
    query_result,
};
use basalt_rpc::value::Value as WireValue;
use tonic::{Request, Response, Status};

use crate::AppState;
use crate::db::Session;
use crate::metrics::Metrics;

/// Proxy clients (each holds a connection) kept at most.
const MAX_CLIENTS: usize = 1024;
/// Longest accepted `client_id`.
const MAX_CLIENT_ID: usize = 256;
/// Deepest accepted condition nesting.
const MAX_COND_DEPTH: usize = 64;

/// One replica connection's server-side state.
pub(crate) struct ProxyClient {
    session: Session,
    last_used: Instant,
}

type ClientSlot = Arc<Mutex<Option<ProxyClient>>>;

/// The proxy clients of a server, by `client_id`.
#[derive(Default)]
pub(crate) struct ProxyClients {
    clients: Mutex<HashMap<String, ClientSlot>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ProxyClients {
    fn slot(&self, client_id: &str) -> Result<ClientSlot, Status> {
        let mut clients = lock(&self.clients);
        if let Some(slot) = clients.get(client_id) {
            return Ok(slot.clone());
        }
        if clients.len() >= MAX_CLIENTS {
            return Err(Status::resource_exhausted(
                "too many proxy client connections",
            ));
        }
        let slot = ClientSlot::default();
        clients.insert(client_id.to_owned(), slot.clone());
        Ok(slot)
    }

    fn remove(&self, client_id: &str) -> Option<ClientSlot> {
        lock(&self.clients).remove(client_id)
    }

    /// Removes the clients idle for longer than `timeout` that are not running a call;
    /// dropping what this returns rolls their transactions back (blocking).
    pub(crate) fn expire_idle(&self, timeout: Duration) -> Vec<ProxyClient> {
        let mut clients = lock(&self.clients);
        let mut expired = Vec::new();
        clients.retain(|_, slot| {
            let Ok(mut guard) = slot.try_lock() else {
                return true;
            };
            match guard.as_ref() {
                Some(c) if c.last_used.elapsed() < timeout => true,
                Some(_) => {
                    expired.extend(guard.take());
                    false
                }
                None => true,
            }
        });
        expired
    }

    /// Drops every client (at shutdown).
    pub(crate) fn drain(&self) -> Vec<ProxyClient> {
        lock(&self.clients)
            .drain()
            .filter_map(|(_, slot)| lock(&slot).take())
            .collect()
    }
}

pub(crate) struct ProxyService {
    state: Arc<AppState>,
}

impl ProxyService {
    pub(crate) fn new(state: Arc<AppState>) -> ProxyService {
        ProxyService { state }
    }

    /// Runs `work` on the client's session (opened on first use) on a blocking thread.
    async fn with_client<T: Send + 'static>(
        &self,
        client_id: String,
        work: impl FnOnce(&mut Session) -> Result<T, Status> + Send + 'static,
    ) -> Result<T, Status> {
        if client_id.len() > MAX_CLIENT_ID {
            return Err(Status::invalid_argument("client_id is too long"));
        }
        let state = self.state.clone();
        tokio::task::spawn_blocking(move || {
            let slot = state.proxy.slot(&client_id)?;
            let mut guard = lock(&slot);
            if guard.is_none() {
                let session = state.db.session().map_err(|e| {
                    Status::permission_denied(format!("cannot open a connection: {e}"))
                })?;
                *guard = Some(ProxyClient {
                    session,
                    last_used: Instant::now(),
                });
            }
            let client = guard.as_mut().expect("filled above");
            let result = work(&mut client.session);
            client.last_used = Instant::now();
            result
        })
        .await
        .map_err(|e| Status::internal(format!("proxy task failed: {e}")))?
    }
}

fn to_engine(v: &pb::Value) -> Result<Value, Status> {
    let value = WireValue::decode(&v.data)
        .map_err(|e| Status::invalid_argument(format!("invalid value: {e}")))?;
    Ok(match value {
        WireValue::Null => Value::Null,
        WireValue::Integer(i) => Value::Integer(i),
        WireValue::Real(f) => Value::Real(f),
        WireValue::Text(t) => Value::Text(t),
        WireValue::Blob(b) => Value::Blob(b),
    })
}

fn to_wire(v: Value) -> pb::Value {
    let value = match v {
        Value::Null => WireValue::Null,
        Value::Integer(i) => WireValue::Integer(i),
        Value::Real(f) => WireValue::Real(f),
        Value::Text(t) => WireValue::Text(t),
        Value::Blob(b) => WireValue::Blob(b),
    };
    pb::Value {
        data: value.encode(),
    }
}

fn params(q: &pb::Query) -> Result<Params, Status> {
    Ok(match &q.params {
        None => Params::None,
        Some(query::Params::Positional(p)) if p.values.is_empty() => Params::None,
        Some(query::Params::Positional(p)) => {
            Params::Positional(p.values.iter().map(to_engine).collect::<Result<_, _>>()?)
        }
        Some(query::Params::Named(n)) => {
            if n.names.len() != n.values.len() {
                return Err(Status::invalid_argument(
                    "named parameters: names and values differ in number",
                ));
            }
            Params::Named(
                n.names
                    .iter()
                    .cloned()
                    .zip(
                        n.values
                            .iter()
                            .map(to_engine)
                            .collect::<Result<Vec<_>, _>>()?,
                    )
                    .collect(),
            )
        }
    })
}

/// The proto condition as a Hrana batch condition (the same semantics).
fn batch_cond(c: &pb::Cond, depth: usize) -> Result<BatchCond, Status> {
    if depth > MAX_COND_DEPTH {
        return Err(Status::invalid_argument("condition is nested too deeply"));
    }
    let step = |s: i64| u32::try_from(s).unwrap_or(u32::MAX);
    let all = |conds: &[pb::Cond]| {
        conds
            .iter()
            .map(|c| batch_cond(c, depth + 1))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(match &c.cond {
        Some(cond::Cond::Ok(ok)) => BatchCond::Ok {
            step: step(ok.step),
        },
        Some(cond::Cond::Err(err)) => BatchCond::Error {
            step: step(err.step),
        },
        Some(cond::Cond::Not(not)) => BatchCond::Not {
            cond: Box::new(match &not.cond {
                Some(c) => batch_cond(c, depth + 1)?,
                None => return Err(Status::invalid_argument("empty condition")),
            }),
        },
        Some(cond::Cond::And(and)) => BatchCond::And {
            conds: all(&and.conds)?,
        },
        Some(cond::Cond::Or(or)) => BatchCond::Or {
            conds: all(&or.conds)?,
        },
        Some(cond::Cond::IsAutocommit(_)) => BatchCond::IsAutocommit,
        None => return Err(Status::invalid_argument("empty condition")),
    })
}

/// A statement failure as the proxy reports it.
fn sql_error(e: &EngineError) -> pb::Error {
    let (message, extended_code) = match e {
        EngineError::Sqlite(s) => (s.message.clone(), s.extended_code),
        other => (other.to_string(), 1), // SQLITE_ERROR
    };
    pb::Error {
        code: pb::error::ErrorCode::SqlError as i32,
        message,
        extended_code,
    }
}

fn columns(cols: Vec<basalt_engine::Column>) -> Vec<pb::Column> {
    cols.into_iter()
        .map(|c| pb::Column {
            name: c.name,
            decltype: c.decltype,
        })
        .collect()
}

/// Runs a program's steps whose conditions hold. Skipped steps have no entry in the
/// results (the client expects every entry to be a result or an error).
fn run_program(session: &mut Session, program: pb::Program) -> Result<Vec<QueryResult>, Status> {
    // Check the whole program before running any of it.
    let mut steps = Vec::with_capacity(program.steps.len());
    for step in program.steps {
        let cond = step.cond.as_ref().map(|c| batch_cond(c, 0)).transpose()?;
        let query = step
            .query
            .ok_or_else(|| Status::invalid_argument("step without a query"))?;
        let params = params(&query)?;
        steps.push((cond, query, params));
    }
    let mut outcomes: Vec<Option<bool>> = Vec::with_capacity(steps.len());
    let mut results = Vec::with_capacity(steps.len());
    for (cond, query, params) in steps {
        if let Some(cond) = cond {
            let autocommit = session.is_autocommit();
            let holds = cond.eval_with(
                &|step| outcomes.get(step as usize).copied().flatten(),
                autocommit,
            );
            if !holds {
                outcomes.push(None);
                continue;
            }
        }
        let result = match session.execute(&query.stmt, &params) {
            Ok(r) => {
                outcomes.push(Some(true));
                query_result::RowResult::Row(ResultRows {
                    column_descriptions: columns(r.columns),
                    rows: if query.skip_rows {
                        Vec::new()
                    } else {
                        r.rows
                            .into_iter()
                            .map(|row| Row {
                                values: row.into_iter().map(to_wire).collect(),
                            })
                            .collect()
                    },
                    affected_row_count: r.rows_affected,
                    last_insert_rowid: Some(r.last_insert_rowid),
                })
            }
            Err(e) => {
                outcomes.push(Some(false));
                query_result::RowResult::Error(sql_error(&e))
            }
        };
        results.push(QueryResult {
            row_result: Some(result),
        });
    }
    Ok(results)
}

type ExecStream = std::pin::Pin<
    Box<dyn futures_util::Stream<Item = Result<pb::ExecResp, Status>> + Send + 'static>,
>;

#[tonic::async_trait]
impl ProxyRpc for ProxyService {
    type StreamExecStream = ExecStream;

    async fn stream_exec(
        &self,
        _request: Request<tonic::Streaming<pb::ExecReq>>,
    ) -> Result<Response<ExecStream>, Status> {
        Err(Status::unimplemented(
            "StreamExec is not supported; use Execute",
        ))
    }

    async fn execute(
        &self,
        request: Request<ProgramReq>,
    ) -> Result<Response<ExecuteResults>, Status> {
        Metrics::incr(&self.state.db.metrics().proxy_executes);
        let ProgramReq { client_id, pgm } = request.into_inner();
        let program = pgm.unwrap_or_default();
        let log = self.state.db.log().cloned();
        let response = self
            .with_client(client_id, move |session| {
                let results = run_program(session, program)?;
                let state = if session.is_autocommit() {
                    State::Init
                } else {
                    State::Txn
                };
                // Commits made by the program are durable by now (the session waits).
                let current_frame_no = log.and_then(|l| l.last_frame_no()).map(|f| f.0);
                Ok(ExecuteResults {
                    results,
                    state: state as i32,
                    current_frame_no,
                })
            })
            .await?;
        Ok(Response::new(response))
    }

    async fn describe(
        &self,
        request: Request<DescribeRequest>,
    ) -> Result<Response<DescribeResult>, Status> {
        let DescribeRequest { client_id, stmt } = request.into_inner();
        let result = self
            .with_client(client_id, move |session| {
                Ok(match session.describe(&stmt) {
                    Ok(info) => describe_result::DescribeResult::Description(Description {
                        column_descriptions: columns(info.columns),
                        param_count: info.params.len() as u64,
                        param_names: info
                            .params
                            .into_iter()
                            .map(Option::unwrap_or_default)
                            .collect(),
                    }),
                    Err(e) => describe_result::DescribeResult::Error(sql_error(&e)),
                })
            })
            .await?;
        Ok(Response::new(DescribeResult {
            describe_result: Some(result),
        }))
    }

    async fn disconnect(
        &self,
        request: Request<DisconnectMessage>,
    ) -> Result<Response<Ack>, Status> {
        if let Some(slot) = self.state.proxy.remove(&request.get_ref().client_id) {
            // Rolls back an open transaction: keep it off the async workers.
            tokio::task::spawn_blocking(move || drop(lock(&slot).take()))
                .await
                .map_err(|e| Status::internal(format!("proxy task failed: {e}")))?;
        }
        Ok(Response::new(Ack {}))
    }
}
