//! HTTP routes: Hrana pipelines and cursors, the legacy APIs, health and version, and the
//! WebSocket upgrade on `/`, and libSQL's replication gRPC services.

mod cursor;
mod legacy;
mod meta;
mod pipeline;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{Any, CorsLayer};

use crate::AppState;

pub(crate) fn router(state: Arc<AppState>) -> Router {
    let limit = state.config.max_request_bytes;
    let router = Router::new()
        .route("/", get(crate::ws::upgrade).post(legacy::query))
        .route("/health", get(meta::health))
        .route("/version", get(meta::version))
        .route("/metrics", get(meta::metrics))
        .route("/v1", get(meta::hello_v1))
        .route("/v1/execute", post(legacy::v1_execute))
        .route("/v1/batch", post(legacy::v1_batch))
        .route("/v2", get(meta::hello_v2))
        .route("/v2/pipeline", post(pipeline::v2))
        .route("/v3", get(meta::hello_v2))
        .route("/v3/pipeline", post(pipeline::v3))
        .route("/v3/cursor", post(cursor::v3))
        .route("/v3-protobuf", get(meta::hello_v2))
        .route("/v3-protobuf/pipeline", post(pipeline::v3_protobuf))
        .route("/v3-protobuf/cursor", post(cursor::v3_protobuf))
        .layer(DefaultBodyLimit::max(limit))
        .layer(CompressionLayer::new().deflate(true).gzip(true));
    // gRPC (libSQL's replication services) on the same port; `GET /info` stays 404 so
    // that embedded replicas use this protocol (LIBSQL-SURFACE.md §8.9).
    crate::replication::add_routes(router, &state)
        .layer(
            CorsLayer::new()
                .allow_origin(Any)
                .allow_methods(Any)
                .allow_headers(Any),
        )
        .layer(middleware::from_fn(server_timing))
        .with_state(state)
}

/// Adds `server-timing` with the time spent producing the response head.
async fn server_timing(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let mut response = next.run(request).await;
    let value = format!("total;dur={:.3}", started.elapsed().as_secs_f64() * 1000.0);
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert("server-timing", value);
    }
    response
}

/// A protocol error: `400 text/plain` with the message, as libSQL's server answers.
pub(crate) fn protocol_error(message: impl Into<String>) -> Response {
    let message = message.into();
    tracing::debug!(%message, "protocol error");
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain")],
        message,
    )
        .into_response()
}

/// A JSON error body `{"message", "code"}` with the given status.
pub(crate) fn json_error(status: StatusCode, message: impl Into<String>, code: &str) -> Response {
    let body = serde_json::json!({ "message": message.into(), "code": code });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The answer to a request body the limit refused.
pub(crate) fn body_error(rejection: axum::extract::rejection::BytesRejection) -> Response {
    let status = rejection.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        json_error(status, "Request body is too large", "REQUEST_TOO_LARGE")
    } else {
        json_error(status, rejection.body_text(), "INVALID_BODY")
    }
}

/// Decodes a request body in the endpoint's encoding; the error is the 400 text.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    body: &[u8],
    encoding: basalt_hrana::Encoding,
    from_protobuf: fn(&[u8]) -> Result<T, basalt_hrana::ProtoError>,
) -> Result<T, String> {
    use basalt_hrana::ProtocolError;
    match encoding {
        basalt_hrana::Encoding::Json => {
            serde_json::from_slice(body).map_err(|e| ProtocolError::JsonDecode(e).to_string())
        }
        basalt_hrana::Encoding::Protobuf => {
            from_protobuf(body).map_err(|e| ProtocolError::ProtobufDecode(e).to_string())
        }
    }
}

/// Runs blocking engine work off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(work)
        .await
        .expect("engine work does not panic")
}
