//! The stateless APIs: Hrana-over-HTTP v1 (`/v1/execute`, `/v1/batch`) and the legacy
//! query API (`POST /` with `{"statements": [...]}`). Each request runs on a session of its
//! own, dropped afterwards (rolling back whatever it left open).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use basalt_hrana as hrana;

use super::{blocking, body_error, json_error, protocol_error};
use crate::AppState;
use basalt_hrana::legacy;

use crate::db::first_keyword_is;
use crate::hrana_exec::{
    RequestError, StreamState, check_syntax, from_wire, resolve_batch, resolve_stmt, stmt_error,
    to_wire,
};

pub(super) async fn v1_execute(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    v1(
        &state,
        body,
        |request: hrana::v1::ExecuteReqBody, stream| {
            let stmt = resolve_stmt(request.stmt, &stream.sql)
                .map_err(|e| RequestError::Protocol(e.to_string()))?;
            Ok(hrana::v1::ExecuteRespBody {
                result: stream.execute(&stmt)?,
            })
        },
    )
    .await
}

pub(super) async fn v1_batch(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    v1(&state, body, |request: hrana::v1::BatchReqBody, stream| {
        request
            .batch
            .check(hrana::Version::Hrana1)
            .map_err(|e| RequestError::Protocol(e.to_string()))?;
        let batch = resolve_batch(request.batch, &stream.sql)
            .map_err(|e| RequestError::Protocol(e.to_string()))?;
        Ok(hrana::v1::BatchRespBody {
            result: stream.batch(&batch)?,
        })
    })
    .await
}

/// One Hrana 1 request: decode the JSON body, run `work` on a fresh stream, answer with
/// its JSON or the v1 error.
async fn v1<Req, Resp>(
    state: &Arc<AppState>,
    body: Result<Bytes, BytesRejection>,
    work: fn(Req, &mut StreamState) -> Result<Resp, RequestError>,
) -> Response
where
    Req: serde::de::DeserializeOwned + Send + 'static,
    Resp: serde::Serialize + Send + 'static,
{
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(rejection),
    };
    let request: Req = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return protocol_error(hrana::ProtocolError::JsonDecode(e).to_string()),
    };
    match on_fresh_stream(state, move |stream| work(request, stream)).await {
        Ok(Ok(response)) => json(StatusCode::OK, &response),
        Ok(Err(e)) => v1_error(e),
        Err(response) => response,
    }
}

pub(super) async fn query(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(rejection),
    };
    let request: legacy::QueryBody = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) if e.is_data() => {
            let message = format!("Failed to deserialize the JSON body into the target type: {e}");
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                message,
            )
                .into_response();
        }
        Err(e) => {
            let message = format!("Failed to parse the request body as JSON: {e}");
            return (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                message,
            )
                .into_response();
        }
    };
    for query in &request.statements {
        if let Err(response) = precheck(&query.sql) {
            return response;
        }
    }
    let outcome = on_fresh_stream(&state, move |stream| {
        run_queries(stream, request.statements)
    })
    .await;
    match outcome {
        Ok(Ok(entries)) => json(StatusCode::OK, &entries),
        Ok(Err(response)) => response.into_response(),
        Err(response) => response,
    }
}

/// Checks one legacy statement before anything runs, as libSQL's server parses them all
/// first: one statement per string, valid syntax, no savepoints.
// The error is the HTTP answer itself, built at most once per request.
#[allow(clippy::result_large_err)]
fn precheck(sql: &str) -> Result<(), Response> {
    if first_keyword_is(sql, &["SAVEPOINT", "RELEASE"]) {
        return Err(generic_error(
            StatusCode::BAD_REQUEST,
            "Query error: `savepoints are not supported in HTTP API, use hrana protocol instead`",
        ));
    }
    match check_syntax(sql) {
        Ok(()) => Ok(()),
        Err(basalt_engine::Error::MultipleStatements) => Err(generic_error(
            StatusCode::BAD_REQUEST,
            "Failed to parse query: `found more than one command in a single statement string. It is allowed to issue only one command per string.`",
        )),
        Err(e) => {
            let error = stmt_error(&e, sql);
            let detail = error
                .message
                .strip_prefix("SQL string could not be parsed: ")
                .unwrap_or(&error.message);
            Err(generic_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                &format!("Internal Error: `{detail}`"),
            ))
        }
    }
}

/// Runs the statements in order (no implicit transaction) up to the first failure.
fn run_queries(
    stream: &mut StreamState,
    queries: Vec<legacy::Query>,
) -> Result<Vec<legacy::QueryResponseEntry>, LegacyError> {
    let mut entries = Vec::with_capacity(queries.len());
    let mut failed = false;
    for query in queries {
        if failed {
            entries.push(legacy::QueryResponseEntry::NotRun);
            continue;
        }
        let params = match query.params {
            legacy::Params::None => basalt_engine::Params::None,
            legacy::Params::Positional(values) => {
                basalt_engine::Params::Positional(values.into_iter().map(from_wire).collect())
            }
            legacy::Params::Named(values) => basalt_engine::Params::Named(
                values
                    .into_iter()
                    .map(|(name, v)| (name, from_wire(v)))
                    .collect(),
            ),
        };
        let started = std::time::Instant::now();
        match stream.session.execute(&query.sql, &params) {
            Ok(result) => entries.push(legacy::QueryResponseEntry::Results(legacy::QueryResults {
                columns: result.columns.into_iter().map(|c| c.name).collect(),
                rows_read: result.rows_read.max(result.rows.len() as u64),
                rows_written: result.rows_affected,
                rows: result
                    .rows
                    .into_iter()
                    .map(|row| row.into_iter().map(to_wire).collect())
                    .collect(),
                query_duration_ms: started.elapsed().as_micros() as f64 / 1000.0,
            })),
            Err(e) => {
                failed = true;
                let message = match &e {
                    basalt_engine::Error::Sqlite(s) => s.message.clone(),
                    other => other.to_string(),
                };
                entries.push(legacy::QueryResponseEntry::Error(message));
            }
        }
    }
    if !stream.is_autocommit() {
        // Dropping the stream's session rolls the transaction back.
        return Err(LegacyError(Box::new(generic_error(
            StatusCode::BAD_REQUEST,
            "Query error: `interactive transaction not allowed in HTTP queries`",
        ))));
    }
    Ok(entries)
}

/// A whole-request failure of the legacy API.
struct LegacyError(Box<Response>);

impl IntoResponse for LegacyError {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// libSQL's generic error body `{"error": "..."}`.
fn generic_error(status: StatusCode, message: &str) -> Response {
    json(
        status,
        &legacy::ErrorBody {
            error: message.to_owned(),
        },
    )
}

/// Runs `work` on a new session that is dropped afterwards.
#[allow(clippy::result_large_err)] // the error is the HTTP answer itself
async fn on_fresh_stream<T: Send + 'static>(
    state: &Arc<AppState>,
    work: impl FnOnce(&mut StreamState) -> T + Send + 'static,
) -> Result<T, Response> {
    let db = state.db.clone();
    blocking(move || {
        let session = db.session()?;
        let mut stream = StreamState::new(session);
        Ok(work(&mut stream))
    })
    .await
    .map_err(|e: basalt_engine::Error| {
        json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot open a connection: {e}"),
            "INTERNAL",
        )
    })
}

/// v1 errors: JSON `{message, code}` with libSQL's status for the code.
fn v1_error(e: RequestError) -> Response {
    match e {
        RequestError::Protocol(message) => protocol_error(message),
        RequestError::Stmt(error) => {
            let status = if error.code.starts_with("SQLITE_") {
                StatusCode::INTERNAL_SERVER_ERROR
            } else if error.code == "ARGS_BOTH_POSITIONAL_AND_NAMED" {
                StatusCode::NOT_IMPLEMENTED
            } else {
                StatusCode::BAD_REQUEST
            };
            json(status, &error)
        }
    }
}

fn json(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let text = serde_json::to_string(body).expect("wire types serialise");
    (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
}
