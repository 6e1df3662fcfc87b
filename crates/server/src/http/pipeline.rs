//! `POST /v2/pipeline`, `/v3/pipeline` (JSON) and `/v3-protobuf/pipeline`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use basalt_hrana::{self as hrana, Encoding, Version};

use super::{blocking, body_error, decode, json_error, protocol_error};
use crate::AppState;
use crate::hrana_exec::{RequestError, StreamState, resolve_batch, resolve_stmt};
use crate::streams::{BatonError, CheckedOut};

pub(super) async fn v2(
    state: State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    handle(state, body, Version::Hrana2, Encoding::Json).await
}

pub(super) async fn v3(
    state: State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    handle(state, body, Version::Hrana3, Encoding::Json).await
}

pub(super) async fn v3_protobuf(
    state: State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    handle(state, body, Version::Hrana3, Encoding::Protobuf).await
}

async fn handle(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
    version: Version,
    encoding: Encoding,
) -> Response {
    crate::metrics::Metrics::incr(&state.db.metrics().http_requests);
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(rejection),
    };
    let request = match decode(&body, encoding, hrana::PipelineReqBody::decode_protobuf) {
        Ok(request) => request,
        Err(e) => return protocol_error(e.to_string()),
    };
    if let Some(e) = request
        .requests
        .iter()
        .find_map(|r| r.check_version(version).err())
    {
        return protocol_error(e.to_string());
    }
    // Run detached from the connection: if the client goes away mid-request, the stream
    // still goes back to the registry (or is dropped) instead of leaking checked out.
    tokio::spawn(run_pipeline(state, request, encoding))
        .await
        .unwrap_or_else(|_| {
            json_error(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "request failed",
                "INTERNAL",
            )
        })
}

/// Checks out (or opens), runs and hands back the stream in one blocking call: a
/// one-shot request costs a single hop to a blocking thread.
async fn run_pipeline(
    state: Arc<AppState>,
    request: hrana::PipelineReqBody,
    encoding: Encoding,
) -> Response {
    let stream = match request.baton.as_deref() {
        Some(baton) => match check_out(&state, baton).await {
            Ok(stream) => Some(stream),
            Err(response) => return response,
        },
        None => None,
    };
    let app = state.clone();
    let outcome = blocking(move || {
        let mut stream = match stream {
            Some(stream) => stream,
            None => app.streams.create(app.db.session().map_err(Failure::Open)?),
        };
        let outcome = run_requests(&mut stream.state, request.requests);
        match outcome {
            Ok((results, false)) => {
                let baton = stream.baton();
                app.streams.release(stream);
                Ok((Some(baton), results))
            }
            Ok((results, true)) => {
                drop(app.streams.forget(stream));
                Ok((None, results))
            }
            Err(message) => {
                drop(app.streams.forget(stream));
                Err(Failure::Protocol(message))
            }
        }
    })
    .await;
    match outcome {
        Ok((baton, results)) => encode(
            hrana::PipelineRespBody {
                baton,
                base_url: None,
                results,
            },
            encoding,
        ),
        Err(Failure::Protocol(message)) => protocol_error(message),
        Err(Failure::Open(open_failure)) => json_error(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot open a connection: {open_failure}"),
            "INTERNAL",
        ),
    }
}

/// Why a pipeline produced no results.
enum Failure {
    /// A protocol error voided the pipeline.
    Protocol(String),
    /// No connection could be opened for a new stream.
    Open(basalt_engine::Error),
}

/// Takes the stream a baton names. A stream still held by the request that issued this
/// baton (a cursor body being flushed) comes back shortly: wait for it rather than refuse.
async fn check_out(state: &Arc<AppState>, baton: &str) -> Result<CheckedOut, Response> {
    let deadline = tokio::time::Instant::now() + state.config.write_wait;
    loop {
        match state.streams.check_out(baton) {
            Err(BatonError::Busy) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
            other => return other.map_err(baton_error),
        }
    }
}

/// The stream a baton names, or a new one.
pub(super) async fn open_stream(
    state: &Arc<AppState>,
    baton: Option<&str>,
) -> Result<CheckedOut, Response> {
    match baton {
        Some(baton) => check_out(state, baton).await,
        None => {
            let db = state.db.clone();
            let session = blocking(move || db.session()).await.map_err(|e| {
                json_error(
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    format!("cannot open a connection: {e}"),
                    "INTERNAL",
                )
            })?;
            Ok(state.streams.create(session))
        }
    }
}

pub(super) fn baton_error(e: BatonError) -> Response {
    match e {
        BatonError::Invalid => protocol_error("Received an invalid baton"),
        BatonError::AlreadyUsed | BatonError::Busy => {
            protocol_error("Received a baton that has already been used")
        }
        BatonError::Expired => json_error(
            axum::http::StatusCode::BAD_REQUEST,
            "The stream has expired due to inactivity",
            "STREAM_EXPIRED",
        ),
    }
}

/// Runs the requests in order. Returns the results and whether the stream was closed,
/// or the protocol error that voids the whole pipeline.
fn run_requests(
    stream: &mut StreamState,
    requests: Vec<hrana::StreamRequest>,
) -> Result<(Vec<hrana::StreamResult>, bool), String> {
    let mut results = Vec::with_capacity(requests.len());
    let mut closed = false;
    for request in requests {
        if closed {
            return Err("Stream for this baton was closed".into());
        }
        if matches!(request, hrana::StreamRequest::Close) {
            closed = true;
        }
        match run_request(stream, request) {
            Ok(response) => results.push(hrana::StreamResult::Ok { response }),
            Err(RequestError::Stmt(error)) => results.push(hrana::StreamResult::Error { error }),
            Err(RequestError::Protocol(message)) => return Err(message),
        }
    }
    Ok((results, closed))
}

fn run_request(
    stream: &mut StreamState,
    request: hrana::StreamRequest,
) -> Result<hrana::StreamResponse, RequestError> {
    use hrana::{StreamRequest as Req, StreamResponse as Resp};
    let protocol = |e: hrana::ProtocolError| RequestError::Protocol(e.to_string());
    Ok(match request {
        Req::Close => Resp::Close,
        Req::Execute(r) => {
            let stmt = resolve_stmt(r.stmt, &stream.sql).map_err(protocol)?;
            Resp::Execute {
                result: stream.execute(&stmt)?,
            }
        }
        Req::Batch(r) => {
            let batch = resolve_batch(r.batch, &stream.sql).map_err(protocol)?;
            Resp::Batch {
                result: stream.batch(&batch)?,
            }
        }
        Req::Sequence(r) => {
            let sql = stream
                .sql
                .resolve(r.sql.as_deref(), r.sql_id)
                .map_err(protocol)?
                .to_owned();
            stream.sequence(&sql)?;
            Resp::Sequence
        }
        Req::Describe(r) => {
            let sql = stream
                .sql
                .resolve(r.sql.as_deref(), r.sql_id)
                .map_err(protocol)?
                .to_owned();
            Resp::Describe {
                result: stream.describe(&sql)?,
            }
        }
        Req::StoreSql(r) => {
            stream.sql.store(r.sql_id, r.sql)?;
            Resp::StoreSql
        }
        Req::CloseSql(r) => {
            stream.sql.close(r.sql_id);
            Resp::CloseSql
        }
        Req::GetAutocommit => Resp::GetAutocommit {
            is_autocommit: stream.is_autocommit(),
        },
    })
}

fn encode(response: hrana::PipelineRespBody, encoding: Encoding) -> Response {
    match encoding {
        Encoding::Json => match serde_json::to_vec(&response) {
            Ok(body) => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
            Err(e) => json_error(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                e.to_string(),
                "INTERNAL",
            ),
        },
        Encoding::Protobuf => (
            [(header::CONTENT_TYPE, "application/x-protobuf")],
            response.encode_protobuf(),
        )
            .into_response(),
    }
}
