//! Hrana over WebSocket, on `GET /` of the HTTP listener.
//!
//! One task reads the socket and handles connection-level messages (hello, stored SQL,
//! stream and cursor bookkeeping) in order; each stream gets a worker task that runs its
//! requests in order on its own session, so streams of one socket run concurrently (one
//! can wait for the write gate while another commits). A single writer task owns the
//! sending half. Protocol violations close the socket with a Close frame whose reason
//! fits the control-frame limit; request failures become `response_error`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{
    CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade,
    rejection::WebSocketUpgradeRejection,
};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use basalt_hrana::{self as hrana, Encoding, Subprotocol, Version};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;

use crate::AppState;
use crate::hrana_exec::{RequestError, SqlStore, StreamState, resolve_batch, resolve_stmt};
use crate::http::blocking;

/// Close codes (RFC 6455).
const CLOSE_UNSUPPORTED: u16 = 1003;
const CLOSE_INVALID_DATA: u16 = 1007;
const CLOSE_POLICY: u16 = 1008;

/// Streams one socket may have open at once.
const MAX_STREAMS_PER_SOCKET: usize = 256;

pub(crate) async fn upgrade(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let Ok(ws) = ws else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let offered = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::trim);
    let (subprotocol, echo) = match Subprotocol::negotiate(offered) {
        Ok(Some(p)) => (p, true),
        Ok(None) => (Subprotocol::Hrana1, false),
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    let ws = if echo {
        ws.protocols([subprotocol.name()])
    } else {
        ws
    };
    ws.on_upgrade(move |socket| serve(socket, state, subprotocol))
}

enum Outgoing {
    Msg(hrana::ServerMsg),
    Close(u16, String),
}

struct Conn {
    state: Arc<AppState>,
    version: Version,
    encoding: Encoding,
    out: mpsc::Sender<Outgoing>,
    sql: SqlStore,
    streams: HashMap<i32, mpsc::UnboundedSender<Job>>,
    /// Open cursors: each has a task answering its fetches in order.
    cursors: HashMap<i32, mpsc::UnboundedSender<Fetch>>,
    greeted: bool,
}

async fn serve(socket: WebSocket, state: Arc<AppState>, subprotocol: Subprotocol) {
    let (mut sink, mut source) = socket.split();
    let (out, mut outgoing) = mpsc::channel::<Outgoing>(256);
    let encoding = subprotocol.encoding();
    let writer = tokio::spawn(async move {
        while let Some(item) = outgoing.recv().await {
            let message = match item {
                Outgoing::Msg(msg) => encode(msg, encoding),
                Outgoing::Close(code, reason) => {
                    let _ = sink
                        .send(Message::Close(Some(CloseFrame {
                            code,
                            reason: Utf8Bytes::from(reason),
                        })))
                        .await;
                    break;
                }
            };
            if sink.send(message).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let mut conn = Conn {
        state,
        version: subprotocol.version(),
        encoding,
        out,
        sql: SqlStore::default(),
        streams: HashMap::new(),
        cursors: HashMap::new(),
        greeted: false,
    };
    while let Some(Ok(message)) = source.next().await {
        let decoded = match (message, conn.encoding) {
            (Message::Text(text), Encoding::Json) => {
                serde_json::from_str::<hrana::ClientMsg>(&text).map_err(|e| {
                    (
                        CLOSE_INVALID_DATA,
                        format!("Cannot deserialize client message from JSON: {e}"),
                    )
                })
            }
            (Message::Binary(bytes), Encoding::Protobuf) => {
                hrana::ClientMsg::decode_protobuf(&bytes).map_err(|e| {
                    (
                        CLOSE_INVALID_DATA,
                        hrana::ProtocolError::ProtobufDecode(e).to_string(),
                    )
                })
            }
            (Message::Binary(_), Encoding::Json) => Err((
                CLOSE_UNSUPPORTED,
                "Received a binary WebSocket message, which is not supported in this encoding"
                    .to_string(),
            )),
            (Message::Text(_), Encoding::Protobuf) => Err((
                CLOSE_UNSUPPORTED,
                "Received a text WebSocket message, which is not supported in this encoding"
                    .to_string(),
            )),
            (Message::Close(_), _) => break,
            _ => continue,
        };
        let result = match decoded {
            Ok(msg) => conn.handle(msg).await,
            Err(e) => Err(e),
        };
        if let Err((code, reason)) = result {
            tracing::debug!(code, reason, "closing WebSocket after a protocol violation");
            let _ = conn.out.send(Outgoing::Close(code, truncate(reason))).await;
            break;
        }
    }
    // Dropping the stream senders lets each worker finish and drop its session.
    drop(conn);
    let _ = writer.await;
}

/// Close reasons must fit a control frame (125 bytes, 2 of them for the code).
fn truncate(mut reason: String) -> String {
    if reason.len() > 123 {
        let mut cut = 120;
        while !reason.is_char_boundary(cut) {
            cut -= 1;
        }
        reason.truncate(cut);
        reason.push_str("...");
    }
    reason
}

/// Encodes a message; a result JSON cannot carry (±inf) becomes an error response.
fn encode(msg: hrana::ServerMsg, encoding: Encoding) -> Message {
    match encoding {
        Encoding::Json => {
            let text = serde_json::to_string(&msg).unwrap_or_else(|e| {
                let request_id = match &msg {
                    hrana::ServerMsg::ResponseOk { request_id, .. }
                    | hrana::ServerMsg::ResponseError { request_id, .. } => *request_id,
                    _ => 0,
                };
                let error =
                    hrana::Error::new(format!("SQLite error: {e}"), "FLOAT_NOT_REPRESENTABLE");
                serde_json::to_string(&hrana::ServerMsg::ResponseError { request_id, error })
                    .expect("errors serialise")
            });
            Message::Text(Utf8Bytes::from(text))
        }
        Encoding::Protobuf => Message::Binary(msg.encode_protobuf().into()),
    }
}

type Violation = (u16, String);

fn violation(e: impl ToString) -> Violation {
    (CLOSE_POLICY, e.to_string())
}

impl Conn {
    async fn send(&self, msg: hrana::ServerMsg) {
        let _ = self.out.send(Outgoing::Msg(msg)).await;
    }

    async fn handle(&mut self, msg: hrana::ClientMsg) -> Result<(), Violation> {
        msg.check_hello(!self.greeted, self.version)
            .map_err(violation)?;
        match msg {
            hrana::ClientMsg::Hello { .. } => {
                self.greeted = true;
                self.send(hrana::ServerMsg::HelloOk).await;
                Ok(())
            }
            hrana::ClientMsg::Request {
                request_id,
                request,
            } => {
                request.check_version(self.version).map_err(violation)?;
                self.request(request_id, request).await
            }
        }
    }

    async fn request(&mut self, request_id: i32, request: hrana::Request) -> Result<(), Violation> {
        use hrana::Request as R;
        match request {
            R::OpenStream(r) => self.open_stream(request_id, r.stream_id).await,
            R::CloseStream(r) => {
                let stream = self
                    .streams
                    .remove(&r.stream_id)
                    .ok_or_else(|| violation("stream not open"))?;
                // The response goes through the worker so it follows the stream's earlier work.
                let _ = stream.send(Job {
                    request_id,
                    kind: JobKind::Close,
                });
                Ok(())
            }
            R::Execute(r) => {
                let stmt = resolve_stmt(r.stmt, &self.sql).map_err(violation)?;
                self.dispatch(r.stream_id, request_id, JobKind::Execute(stmt))
            }
            R::Batch(r) => {
                let batch = resolve_batch(r.batch, &self.sql).map_err(violation)?;
                self.dispatch(r.stream_id, request_id, JobKind::Batch(batch))
            }
            R::Sequence(r) => {
                let sql = self
                    .sql
                    .resolve(r.sql.as_deref(), r.sql_id)
                    .map_err(violation)?
                    .to_owned();
                self.dispatch(r.stream_id, request_id, JobKind::Sequence(sql))
            }
            R::Describe(r) => {
                let sql = self
                    .sql
                    .resolve(r.sql.as_deref(), r.sql_id)
                    .map_err(violation)?
                    .to_owned();
                self.dispatch(r.stream_id, request_id, JobKind::Describe(sql))
            }
            R::GetAutocommit(r) => self.dispatch(r.stream_id, request_id, JobKind::GetAutocommit),
            R::StoreSql(r) => {
                match self.sql.store(r.sql_id, r.sql) {
                    Ok(()) => self.send(ok(request_id, hrana::Response::StoreSql)).await,
                    Err(RequestError::Stmt(error)) => {
                        self.send(hrana::ServerMsg::ResponseError { request_id, error })
                            .await;
                    }
                    Err(RequestError::Protocol(e)) => return Err(violation(e)),
                }
                Ok(())
            }
            R::CloseSql(r) => {
                self.sql.close(r.sql_id);
                self.send(ok(request_id, hrana::Response::CloseSql)).await;
                Ok(())
            }
            R::OpenCursor(r) => {
                if self.cursors.contains_key(&r.cursor_id) {
                    return Err(violation("cursor id already in use"));
                }
                let batch = resolve_batch(r.batch, &self.sql).map_err(violation)?;
                let (entries, receiver) = mpsc::channel(128);
                let (fetches, fetch_queue) = mpsc::unbounded_channel();
                self.cursors.insert(r.cursor_id, fetches);
                tokio::spawn(serve_fetches(receiver, fetch_queue, self.out.clone()));
                // The official TS client rejects sqld's trailing replication_index entry in
                // protobuf; JSON cursors keep it, as sqld sends it.
                let end_entry = self.encoding == Encoding::Json;
                let kind = JobKind::Cursor {
                    batch,
                    entries,
                    end_entry,
                };
                self.dispatch(r.stream_id, request_id, kind)
            }
            R::CloseCursor(r) => {
                self.cursors
                    .remove(&r.cursor_id)
                    .ok_or_else(|| violation("cursor not open"))?;
                self.send(ok(request_id, hrana::Response::CloseCursor))
                    .await;
                Ok(())
            }
            R::FetchCursor(r) => {
                let cursor = self
                    .cursors
                    .get(&r.cursor_id)
                    .ok_or_else(|| violation("cursor not open"))?;
                let _ = cursor.send(Fetch {
                    request_id,
                    max: r.max_count as usize,
                });
                Ok(())
            }
        }
    }

    async fn open_stream(&mut self, request_id: i32, stream_id: i32) -> Result<(), Violation> {
        if self.streams.contains_key(&stream_id) {
            return Err(violation("stream id already in use"));
        }
        if self.streams.len() >= MAX_STREAMS_PER_SOCKET {
            let error = hrana::Error::new(
                format!("Too many streams on one connection (at most {MAX_STREAMS_PER_SOCKET})"),
                "STREAM_TOO_MANY",
            );
            self.send(hrana::ServerMsg::ResponseError { request_id, error })
                .await;
            return Ok(());
        }
        let (jobs, receiver) = mpsc::unbounded_channel();
        self.streams.insert(stream_id, jobs);
        tokio::spawn(stream_worker(
            self.state.clone(),
            request_id,
            receiver,
            self.out.clone(),
        ));
        Ok(())
    }

    fn dispatch(&self, stream_id: i32, request_id: i32, kind: JobKind) -> Result<(), Violation> {
        let stream = self
            .streams
            .get(&stream_id)
            .ok_or_else(|| violation("stream not open"))?;
        let _ = stream.send(Job { request_id, kind });
        Ok(())
    }
}

fn ok(request_id: i32, response: hrana::Response) -> hrana::ServerMsg {
    hrana::ServerMsg::ResponseOk {
        request_id,
        response,
    }
}

struct Job {
    request_id: i32,
    kind: JobKind,
}

enum JobKind {
    Execute(hrana::Stmt),
    Batch(hrana::Batch),
    Sequence(String),
    Describe(String),
    GetAutocommit,
    Cursor {
        batch: hrana::Batch,
        entries: mpsc::Sender<hrana::CursorEntry>,
        /// Whether to end with sqld's replication_index entry.
        end_entry: bool,
    },
    Close,
}

/// Runs one stream's requests in order. The session is opened first (answering the
/// `open_stream` request) and dropped, off the async workers, when the stream closes.
async fn stream_worker(
    state: Arc<AppState>,
    open_request_id: i32,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    out: mpsc::Sender<Outgoing>,
) {
    let db = state.db.clone();
    let opened = blocking(move || db.session()).await;
    let mut stream = match opened {
        Ok(session) => {
            let _ = out
                .send(Outgoing::Msg(ok(
                    open_request_id,
                    hrana::Response::OpenStream,
                )))
                .await;
            Some(StreamState::new(session))
        }
        Err(e) => {
            let error =
                hrana::Error::new(format!("cannot open a connection: {e}"), "STREAM_NOT_OPEN");
            let _ = out
                .send(Outgoing::Msg(hrana::ServerMsg::ResponseError {
                    request_id: open_request_id,
                    error,
                }))
                .await;
            None
        }
    };
    while let Some(job) = jobs.recv().await {
        let request_id = job.request_id;
        let closing = matches!(job.kind, JobKind::Close);
        let Some(current) = stream.take() else {
            let msg = if closing {
                ok(request_id, hrana::Response::CloseStream)
            } else {
                let error = hrana::Error::new("The stream is not open", "STREAM_NOT_OPEN");
                hrana::ServerMsg::ResponseError { request_id, error }
            };
            let _ = out.send(Outgoing::Msg(msg)).await;
            continue;
        };
        let reply = out.clone();
        let (current, msg) = blocking(move || {
            let mut current = current;
            let msg = run_job(&mut current, job, &reply);
            (current, msg)
        })
        .await;
        if closing {
            blocking(move || drop(current)).await;
        } else {
            stream = Some(current);
        }
        if let Some(msg) = msg {
            let _ = out.send(Outgoing::Msg(msg)).await;
        }
    }
    if let Some(current) = stream {
        blocking(move || drop(current)).await;
    }
}

/// Runs one job on a blocking thread; returns the message to send, if any (a cursor sends
/// its own `open_cursor` answer before streaming entries).
fn run_job(
    stream: &mut StreamState,
    job: Job,
    out: &mpsc::Sender<Outgoing>,
) -> Option<hrana::ServerMsg> {
    use hrana::Response as Resp;
    let request_id = job.request_id;
    let result = match job.kind {
        JobKind::Execute(stmt) => stream.execute(&stmt).map(|result| Resp::Execute { result }),
        JobKind::Batch(batch) => stream.batch(&batch).map(|result| Resp::Batch { result }),
        JobKind::Sequence(sql) => stream.sequence(&sql).map(|()| Resp::Sequence),
        JobKind::Describe(sql) => stream
            .describe(&sql)
            .map(|result| Resp::Describe { result }),
        JobKind::GetAutocommit => Ok(Resp::GetAutocommit {
            is_autocommit: stream.is_autocommit(),
        }),
        JobKind::Close => Ok(Resp::CloseStream),
        JobKind::Cursor {
            batch,
            entries,
            end_entry,
        } => match stream.prepare_batch(&batch) {
            Err(e) => Err(e),
            Ok(steps) => {
                let _ = out.blocking_send(Outgoing::Msg(ok(request_id, Resp::OpenCursor)));
                stream.cursor(&batch, steps, &mut |entry| {
                    entries
                        .blocking_send(entry)
                        .map_err(|_| basalt_engine::Error::EmptyStatement)
                });
                if end_entry {
                    let end = hrana::CursorEntry::ReplicationIndex {
                        replication_index: None,
                    };
                    let _ = entries.blocking_send(end);
                }
                return None;
            }
        },
    };
    Some(match result {
        Ok(response) => ok(request_id, response),
        Err(RequestError::Stmt(error)) => hrana::ServerMsg::ResponseError { request_id, error },
        // Statements were resolved before dispatch, so what is left here is a request
        // error the client can recover from.
        Err(RequestError::Protocol(message)) => hrana::ServerMsg::ResponseError {
            request_id,
            error: hrana::Error::new(message, "PROTOCOL_ERROR"),
        },
    })
}

/// One `fetch_cursor` request.
struct Fetch {
    request_id: i32,
    max: usize,
}

/// Answers a cursor's fetches one after another, so pipelined fetches get consecutive
/// chunks in request order. Ends (dropping the entries, which stops the producer) when
/// the cursor is closed.
async fn serve_fetches(
    mut entries: mpsc::Receiver<hrana::CursorEntry>,
    mut fetches: mpsc::UnboundedReceiver<Fetch>,
    out: mpsc::Sender<Outgoing>,
) {
    while let Some(Fetch { request_id, max }) = fetches.recv().await {
        let mut batch = Vec::new();
        let mut done = false;
        while batch.len() < max {
            match entries.recv().await {
                Some(entry) => batch.push(entry),
                None => {
                    done = true;
                    break;
                }
            }
        }
        done |= entries.is_closed() && entries.is_empty();
        let response = hrana::Response::FetchCursor {
            entries: batch,
            done,
        };
        if out
            .send(Outgoing::Msg(ok(request_id, response)))
            .await
            .is_err()
        {
            return;
        }
    }
}
