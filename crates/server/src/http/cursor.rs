//! `POST /v3/cursor` (newline-delimited JSON) and `/v3-protobuf/cursor` (length-delimited
//! protobuf): a batch whose rows stream to the client as they are produced.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use basalt_engine::Error as EngineError;
use basalt_hrana::{self as hrana, Encoding};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::pipeline::open_stream;
use super::{body_error, decode, protocol_error};
use crate::AppState;
use crate::hrana_exec::RequestError;

pub(super) async fn v3(
    state: State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    handle(state, body, Encoding::Json).await
}

pub(super) async fn v3_protobuf(
    state: State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    handle(state, body, Encoding::Protobuf).await
}

enum Message {
    /// The batch checked out; the body may start.
    Ready,
    /// The batch failed before running.
    Failed(RequestError),
    /// One encoded entry.
    Chunk(Bytes),
}

async fn handle(
    State(state): State<Arc<AppState>>,
    body: Result<Bytes, BytesRejection>,
    encoding: Encoding,
) -> Response {
    crate::metrics::Metrics::incr(&state.db.metrics().http_requests);
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return body_error(rejection),
    };
    let request = match decode(&body, encoding, hrana::CursorReqBody::decode_protobuf) {
        Ok(request) => request,
        Err(e) => return protocol_error(e.to_string()),
    };
    let mut stream = match open_stream(&state, request.baton.as_deref()).await {
        Ok(stream) => stream,
        Err(response) => return response,
    };
    let baton = stream.baton();
    // Unbounded: the batch runs to the end and hands its stream back at once, whatever
    // the client's reading pace (clients send the next request on the stream as soon as
    // they have the rows they want, before the body is drained).
    let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
    let app = state.clone();
    tokio::task::spawn_blocking(move || {
        let batch = request.batch;
        match stream.state.prepare_batch(&batch) {
            Err(e) => {
                let _ = tx.send(Message::Failed(e));
                let dropped = app.streams.forget(stream);
                drop(dropped);
                return;
            }
            Ok(steps) => {
                if tx.send(Message::Ready).is_ok() {
                    stream.state.cursor(&batch, steps, &mut |entry| {
                        tx.send(Message::Chunk(encode_entry(entry, encoding)))
                            .map_err(|_| EngineError::EmptyStatement)
                    });
                    // sqld ends JSON cursors with a replication_index entry; the official TS
                    // client rejects it in protobuf, so protobuf cursors end without it.
                    if encoding == Encoding::Json {
                        let end = hrana::CursorEntry::ReplicationIndex {
                            replication_index: None,
                        };
                        let _ = tx.send(Message::Chunk(encode_entry(end, encoding)));
                    }
                }
            }
        }
        app.streams.release(stream);
    });
    match rx.recv().await {
        Some(Message::Ready) => {}
        Some(Message::Failed(RequestError::Protocol(message))) => return protocol_error(message),
        Some(Message::Failed(RequestError::Stmt(error))) => {
            let body =
                serde_json::json!({ "error": format!("Internal Error: `{}`", error.message) });
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response();
        }
        Some(Message::Chunk(_)) | None => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "cursor ended unexpectedly",
            )
                .into_response();
        }
    }
    let head = encode_head(&baton, encoding);
    // `poll_fn` keeps answering `None` once the channel is closed, so layers that poll
    // past the end (compression) are safe.
    let rest = futures_util::stream::poll_fn(move |cx| {
        rx.poll_recv(cx).map(|message| match message {
            Some(Message::Chunk(bytes)) => Some(Ok::<Bytes, std::io::Error>(bytes)),
            _ => None,
        })
    });
    let chunks = futures_util::stream::iter([Ok(head)]).chain(rest);
    let content_type = match encoding {
        Encoding::Json => "text/plain",
        Encoding::Protobuf => "application/octet-stream",
    };
    (
        [(header::CONTENT_TYPE, content_type)],
        Body::from_stream(chunks),
    )
        .into_response()
}

fn encode_head(baton: &str, encoding: Encoding) -> Bytes {
    let head = hrana::CursorRespBody {
        baton: Some(baton.to_owned()),
        base_url: None,
    };
    let mut out = Vec::new();
    match encoding {
        Encoding::Json => hrana::encode_ndjson_line(&head, &mut out).expect("the head serialises"),
        Encoding::Protobuf => head.encode_protobuf_delimited(&mut out),
    }
    Bytes::from(out)
}

/// One entry in the body's framing. A row JSON cannot carry (±inf) becomes the step's
/// error instead: the client learns why rather than failing to decode the line.
fn encode_entry(entry: hrana::CursorEntry, encoding: Encoding) -> Bytes {
    let mut out = Vec::new();
    match encoding {
        Encoding::Json => {
            if let Err(e) = hrana::encode_ndjson_line(&entry, &mut out) {
                let error =
                    hrana::Error::new(format!("SQLite error: {e}"), "FLOAT_NOT_REPRESENTABLE");
                hrana::encode_ndjson_line(&hrana::CursorEntry::Error { error }, &mut out)
                    .expect("errors serialise");
            }
        }
        Encoding::Protobuf => entry.encode_protobuf_delimited(&mut out),
    }
    Bytes::from(out)
}
