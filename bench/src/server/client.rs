//! The load generator's Hrana clients, one connection each, speaking JSON with the
//! project's wire types (`basalt-hrana`), shaped like `@libsql/client`'s traffic:
//!
//! - [`HttpConn`]: one keep-alive HTTP/1.1 connection; every statement is its own pipeline
//!   `{"baton":null,"requests":[execute, close]}` on `/v3/pipeline`, so no stream outlives
//!   a request (stateless ops, as the TypeScript client sends them outside transactions).
//! - [`WsConn`]: one WebSocket with subprotocol `hrana2`; `hello` and `open_stream` once,
//!   then one `execute` (or `batch`) request at a time on that stream.
//!
//! A transport failure drops the connection and the next call connects again, so one
//! server hiccup costs one error, not the rest of the scenario.

use anyhow::{Context, Result, anyhow, bail, ensure};
use basalt_hrana::{
    Batch, BatchResult, BatchStreamReq, ClientMsg, ExecuteReq, ExecuteStreamReq, OpenStreamReq,
    PipelineReqBody, PipelineRespBody, Request, Response, ServerMsg, Stmt, StmtResult,
    StreamRequest, StreamResponse, StreamResult,
};
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The server under test: where to connect for each transport.
#[derive(Clone, Debug)]
pub struct Target {
    /// `host:port`, for TCP and the `Host` header.
    pub authority: String,
    /// `ws://host:port/`.
    pub ws_url: String,
}

impl Target {
    /// Parses `http://host:port[/]` (also accepts `ws://` and a bare `host:port`).
    pub fn parse(url: &str) -> Result<Target> {
        let rest = match url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("ws://"))
        {
            Some(rest) => rest,
            None if url.contains("://") => {
                bail!("only plain http:// (or ws://) URLs are supported, got {url}")
            }
            None => url,
        };
        let authority = rest.trim_end_matches('/');
        ensure!(
            !authority.is_empty() && !authority.contains('/'),
            "expected http://HOST:PORT (no path), got {url}"
        );
        let authority = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            authority.to_owned()
        } else {
            format!("{authority}:80")
        };
        Ok(Target {
            ws_url: format!("ws://{authority}/"),
            authority,
        })
    }
}

/// Which protocol a scenario uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// One pipeline request per operation.
    Http,
    /// One `execute` request per operation on a long-lived stream.
    Ws,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::Http => "HTTP",
            Transport::Ws => "WebSocket",
        }
    }
}

/// A client connection of either transport.
pub enum Conn {
    Http(HttpConn),
    Ws(Box<WsConn>),
}

impl Conn {
    /// Connects (for WebSocket: also `hello` and `open_stream`).
    pub async fn connect(target: &Target, transport: Transport) -> Result<Conn> {
        Ok(match transport {
            Transport::Http => Conn::Http(HttpConn::connect(target).await?),
            Transport::Ws => Conn::Ws(Box::new(WsConn::connect(target).await?)),
        })
    }

    /// Runs one statement; a non-ok result is an error.
    pub async fn execute(&mut self, stmt: Stmt) -> Result<StmtResult> {
        match self {
            Conn::Http(c) => c.execute(stmt).await,
            Conn::Ws(c) => c.execute(stmt).await,
        }
    }

    /// Runs one batch; the batch itself failing is an error (failed steps are in the result).
    pub async fn batch(&mut self, batch: Batch) -> Result<BatchResult> {
        match self {
            Conn::Http(c) => c.batch(batch).await,
            Conn::Ws(c) => c.batch(batch).await,
        }
    }
}

/// One keep-alive HTTP/1.1 connection.
pub struct HttpConn {
    target: Target,
    sender: Option<http1::SendRequest<Full<Bytes>>>,
}

impl HttpConn {
    pub async fn connect(target: &Target) -> Result<HttpConn> {
        let mut conn = HttpConn {
            target: target.clone(),
            sender: None,
        };
        conn.sender = Some(conn.open().await?);
        Ok(conn)
    }

    async fn open(&self) -> Result<http1::SendRequest<Full<Bytes>>> {
        let tcp = TcpStream::connect(&self.target.authority)
            .await
            .with_context(|| format!("connecting to {}", self.target.authority))?;
        tcp.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(tcp)).await?;
        // The connection task ends when the sender is dropped or the server closes.
        tokio::spawn(connection);
        Ok(sender)
    }

    /// Sends one pipeline request and decodes the response.
    async fn pipeline(&mut self, requests: Vec<StreamRequest>) -> Result<PipelineRespBody> {
        let body = serde_json::to_vec(&PipelineReqBody {
            baton: None,
            requests,
        })?;
        if self
            .sender
            .as_ref()
            .is_none_or(http1::SendRequest::is_closed)
        {
            self.sender = Some(self.open().await?);
        }
        let sender = self.sender.as_mut().expect("connected just above");
        let request = hyper::Request::post("/v3/pipeline")
            .header(hyper::header::HOST, &self.target.authority)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))?;
        let result = async {
            sender.ready().await?;
            let response = sender.send_request(request).await?;
            let status = response.status();
            let bytes = response.into_body().collect().await?.to_bytes();
            anyhow::Ok((status, bytes))
        }
        .await;
        let (status, bytes) = match result {
            Ok(r) => r,
            Err(e) => {
                self.sender = None;
                return Err(e.context("HTTP transport"));
            }
        };
        if !status.is_success() {
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
            bail!("HTTP {status}: {text}");
        }
        serde_json::from_slice(&bytes).context("decoding the pipeline response")
    }

    pub async fn execute(&mut self, stmt: Stmt) -> Result<StmtResult> {
        let resp = self
            .pipeline(vec![
                StreamRequest::Execute(ExecuteStreamReq { stmt }),
                StreamRequest::Close,
            ])
            .await?;
        match take_two(resp)? {
            StreamResponse::Execute { result } => Ok(result),
            other => bail!("expected an execute response, got {other:?}"),
        }
    }

    pub async fn batch(&mut self, batch: Batch) -> Result<BatchResult> {
        let resp = self
            .pipeline(vec![
                StreamRequest::Batch(BatchStreamReq { batch }),
                StreamRequest::Close,
            ])
            .await?;
        match take_two(resp)? {
            StreamResponse::Batch { result } => Ok(result),
            other => bail!("expected a batch response, got {other:?}"),
        }
    }
}

/// The first response of a `[request, close]` pipeline, checking both results are ok.
fn take_two(resp: PipelineRespBody) -> Result<StreamResponse> {
    let mut results = resp.results.into_iter();
    let (Some(first), Some(second), None) = (results.next(), results.next(), results.next()) else {
        bail!("expected 2 pipeline results");
    };
    if let StreamResult::Error { error } = second {
        bail!("close failed: {} ({})", error.message, error.code);
    }
    match first {
        StreamResult::Ok { response } => Ok(response),
        StreamResult::Error { error } => bail!("{} ({})", error.message, error.code),
    }
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The one stream id each WebSocket client opens.
const STREAM_ID: i32 = 1;

/// One WebSocket (`hrana2`) with one open stream.
pub struct WsConn {
    target: Target,
    ws: Option<Ws>,
    next_request_id: i32,
}

impl WsConn {
    pub async fn connect(target: &Target) -> Result<WsConn> {
        let mut conn = WsConn {
            target: target.clone(),
            ws: None,
            next_request_id: 1,
        };
        conn.open().await?;
        Ok(conn)
    }

    /// Connects, says hello and opens the stream; `hello` and `open_stream` are sent back
    /// to back, as clients may pipeline requests behind `hello`.
    async fn open(&mut self) -> Result<()> {
        let mut request = self.target.ws_url.as_str().into_client_request()?;
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            hyper::header::HeaderValue::from_static("hrana2"),
        );
        let (mut ws, response) = tokio_tungstenite::connect_async_with_config(request, None, true)
            .await
            .with_context(|| format!("WebSocket connect to {}", self.target.ws_url))?;
        let protocol = response
            .headers()
            .get("Sec-WebSocket-Protocol")
            .and_then(|v| v.to_str().ok());
        ensure!(
            protocol == Some("hrana2"),
            "server negotiated subprotocol {protocol:?}, not hrana2"
        );
        send(&mut ws, &ClientMsg::Hello { jwt: None }).await?;
        let open_id = self.next_id();
        send(
            &mut ws,
            &ClientMsg::Request {
                request_id: open_id,
                request: Request::OpenStream(OpenStreamReq {
                    stream_id: STREAM_ID,
                }),
            },
        )
        .await?;
        match recv(&mut ws).await? {
            ServerMsg::HelloOk => {}
            other => bail!("expected hello_ok, got {other:?}"),
        }
        match recv(&mut ws).await? {
            ServerMsg::ResponseOk {
                request_id,
                response: Response::OpenStream,
            } if request_id == open_id => {}
            other => bail!("expected the open_stream response, got {other:?}"),
        }
        self.ws = Some(ws);
        Ok(())
    }

    fn next_id(&mut self) -> i32 {
        let id = self.next_request_id;
        self.next_request_id = self.next_request_id.wrapping_add(1).max(1);
        id
    }

    async fn request(&mut self, request: Request) -> Result<Response> {
        if self.ws.is_none() {
            self.open().await?;
        }
        let id = self.next_id();
        let ws = self.ws.as_mut().expect("opened just above");
        let result = async {
            send(
                ws,
                &ClientMsg::Request {
                    request_id: id,
                    request,
                },
            )
            .await?;
            recv(ws).await
        }
        .await;
        match result {
            Ok(ServerMsg::ResponseOk {
                request_id,
                response,
            }) if request_id == id => Ok(response),
            Ok(ServerMsg::ResponseError { request_id, error }) if request_id == id => {
                bail!("{} ({})", error.message, error.code)
            }
            Ok(other) => {
                self.ws = None;
                bail!("unexpected message for request {id}: {other:?}")
            }
            Err(e) => {
                self.ws = None;
                Err(e.context("WebSocket transport"))
            }
        }
    }

    pub async fn execute(&mut self, stmt: Stmt) -> Result<StmtResult> {
        match self
            .request(Request::Execute(ExecuteReq {
                stream_id: STREAM_ID,
                stmt,
                replication_index: None,
            }))
            .await?
        {
            Response::Execute { result } => Ok(result),
            other => bail!("expected an execute response, got {other:?}"),
        }
    }

    pub async fn batch(&mut self, batch: Batch) -> Result<BatchResult> {
        match self
            .request(Request::Batch(basalt_hrana::BatchReq {
                stream_id: STREAM_ID,
                batch,
            }))
            .await?
        {
            Response::Batch { result } => Ok(result),
            other => bail!("expected a batch response, got {other:?}"),
        }
    }
}

async fn send(ws: &mut Ws, msg: &ClientMsg) -> Result<()> {
    ws.send(Message::text(serde_json::to_string(msg)?)).await?;
    Ok(())
}

/// The next server message; pings are answered by tungstenite itself and skipped here.
async fn recv(ws: &mut Ws) -> Result<ServerMsg> {
    loop {
        let msg = ws
            .next()
            .await
            .ok_or_else(|| anyhow!("WebSocket closed by the server"))??;
        match msg {
            Message::Text(text) => {
                return serde_json::from_str(text.as_str()).context("decoding a server message");
            }
            Message::Close(frame) => bail!("WebSocket closed by the server: {frame:?}"),
            Message::Binary(_) => bail!("binary message on a JSON subprotocol"),
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let t = Target::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(t.authority, "127.0.0.1:8080");
        assert_eq!(t.ws_url, "ws://127.0.0.1:8080/");
        assert_eq!(Target::parse("ws://h:1/").unwrap().authority, "h:1");
        assert_eq!(Target::parse("http://h").unwrap().authority, "h:80");
        assert!(Target::parse("https://h:1").is_err());
        assert!(Target::parse("http://h:1/v2").is_err());
    }
}
