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
use crate::hrana_exec::{RequestError, StreamState, resolve_batch, resolve_stmt};

pub(super) async fn v1_execute(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(rejection),
    };
    let request: hrana::v1::ExecuteReqBody = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return protocol_error(hrana::ProtocolError::JsonDecode(e).to_string()),
    };
    let outcome = on_fresh_stream(&state, move |stream| {
        let stmt = resolve_stmt(request.stmt, &stream.sql)
            .map_err(|e| RequestError::Protocol(e.to_string()))?;
        stream.execute(&stmt)
    })
    .await;
    match outcome {
        Ok(Ok(result)) => json(StatusCode::OK, &hrana::v1::ExecuteRespBody { result }),
        Ok(Err(e)) => v1_error(e),
        Err(response) => response,
    }
}

pub(super) async fn v1_batch(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(rejection),
    };
    let request: hrana::v1::BatchReqBody = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return protocol_error(hrana::ProtocolError::JsonDecode(e).to_string()),
    };
    if let Err(e) = request.batch.check(hrana::Version::Hrana1) {
        return protocol_error(e.to_string());
    }
    let outcome = on_fresh_stream(&state, move |stream| {
        let batch = resolve_batch(request.batch, &stream.sql)
            .map_err(|e| RequestError::Protocol(e.to_string()))?;
        stream.batch(&batch)
    })
    .await;
    match outcome {
        Ok(Ok(result)) => json(StatusCode::OK, &hrana::v1::BatchRespBody { result }),
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
    let _ = (state, body);
    StatusCode::NOT_IMPLEMENTED.into_response()
}

/// Runs `work` on a new session that is dropped afterwards.
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
