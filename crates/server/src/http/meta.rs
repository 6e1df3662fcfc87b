//! Small routes: health, version, and the version greetings clients probe.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};

use crate::AppState;
use axum::response::{IntoResponse, Response};

pub async fn health() -> StatusCode {
    StatusCode::OK
}

pub async fn version() -> Response {
    // No content-type, as libSQL's server answers.
    let mut response = concat!("basalt ", env!("CARGO_PKG_VERSION")).into_response();
    response.headers_mut().remove(header::CONTENT_TYPE);
    response
}

pub async fn hello_v1() -> &'static str {
    "This is sqld HTTP API v1"
}

pub async fn hello_v2() -> &'static str {
    "Hello, this is HTTP API v2 (Hrana over HTTP)"
}

pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let mut body = state.db.metrics().render();
    if let Some(log) = state.db.log() {
        let log = log.clone();
        let (bytes, last) = crate::http::blocking(move || {
            (log.size_bytes(), log.last_frame_no().map_or(0, |f| f.0 + 1))
        })
        .await;
        crate::metrics::Metrics::render_gauge(
            &mut body,
            "basalt_replication_log_bytes",
            "Bytes of replication log segments and snapshot.",
            bytes,
        );
        crate::metrics::Metrics::render_gauge(
            &mut body,
            "basalt_replication_durable_frames",
            "Frames durable in the replication log (last frame_no + 1).",
            last,
        );
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}
