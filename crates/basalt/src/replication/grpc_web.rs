//! gRPC-web over HTTP/1.1 (LIBSQL-SURFACE.md §8.1), the transport embedded replicas use
//! to reach the primary's user port: a `POST /<package>.<Service>/<Method>` whose body is
//! the request message in a 5-byte-prefixed frame (flag 0x00, u32 BE length), answered
//! by message frames and a final trailers frame (flag 0x80) holding `grpc-status` and
//! `grpc-message` lines. A trailers-only answer carries the status in the HTTP headers.
//!
//! Whole bodies are read before decoding, so a response cut short or holding garbage is
//! rejected before any of its messages is used.

use std::time::Duration;

use prost::Message;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};

use crate::error::{Error, Result};

/// The content type sent; tonic-web servers also accept `application/grpc-web`.
const GRPC_WEB_PROTO: &str = "application/grpc-web+proto";
/// Flag byte of a trailers frame.
const TRAILERS_FLAG: u8 = 0x80;
/// Flag bit of a compressed message (never requested, so never accepted).
const COMPRESSED_FLAG: u8 = 0x01;

/// gRPC status codes the replica reacts to.
pub(crate) mod code {
    /// OK.
    pub const OK: i32 = 0;
    /// FAILED_PRECONDITION: `NEED_SNAPSHOT`, `NO_HELLO`.
    pub const FAILED_PRECONDITION: i32 = 9;
    /// UNAVAILABLE: `snapshot not found` (being prepared).
    pub const UNAVAILABLE: i32 = 14;
}

/// A gRPC-web client for one server: base URL, auth metadata and an HTTP/1.1 pool.
#[derive(Debug, Clone)]
pub(crate) struct GrpcWebClient {
    http: reqwest::Client,
    base: String,
    authorization: Option<HeaderValue>,
}

impl GrpcWebClient {
    /// A client for `url` (`http://host:port`, optionally with a path prefix). HTTPS is
    /// not available: the SDK is built without TLS.
    pub(crate) fn new(url: &str, auth_token: &str) -> Result<GrpcWebClient> {
        let base = url.trim_end_matches('/');
        let Some(rest) = base.strip_prefix("http://") else {
            let reason = if base.starts_with("https://") || base.starts_with("libsql://") {
                "embedded replicas support only http:// primaries for now (this SDK is built without TLS)"
            } else {
                "an embedded replica's primary URL must start with http://"
            };
            return Err(Error::InvalidUrl(format!("{url}: {reason}")));
        };
        if rest.is_empty() {
            return Err(Error::InvalidUrl(format!("{url}: no host")));
        }
        let authorization = if auth_token.is_empty() {
            None
        } else {
            Some(
                HeaderValue::from_str(&format!("Bearer {auth_token}")).map_err(|_| {
                    Error::InvalidUrl("the auth token is not a valid header value".into())
                })?,
            )
        };
        let http = reqwest::Client::builder()
            .http1_only()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(Error::Http)?;
        Ok(GrpcWebClient {
            http,
            base: base.to_owned(),
            authorization,
        })
    }

    /// A unary call: exactly one response message.
    pub(crate) async fn unary<Req: Message, Resp: Message + Default>(
        &self,
        path: &str,
        request: &Req,
        metadata: &[(&'static str, HeaderValue)],
    ) -> Result<Resp> {
        let messages = self.call(path, request, metadata).await?;
        let [message] = <[Vec<u8>; 1]>::try_from(messages).map_err(|m| {
            Error::Protocol(format!(
                "{path}: expected one response message, got {}",
                m.len()
            ))
        })?;
        decode_message(path, &message)
    }

    /// A server-streaming call, collected whole.
    pub(crate) async fn server_stream<Req: Message, Resp: Message + Default>(
        &self,
        path: &str,
        request: &Req,
        metadata: &[(&'static str, HeaderValue)],
    ) -> Result<Vec<Resp>> {
        self.call(path, request, metadata)
            .await?
            .iter()
            .map(|m| decode_message(path, m))
            .collect()
    }

    /// A server-streaming call read as it arrives: each message is handed out as soon as
    /// its frame is complete (`LogEntries` keeps the response open while the log grows).
    pub(crate) async fn open_stream<Req: Message>(
        &self,
        path: &'static str,
        request: &Req,
        metadata: &[(&'static str, HeaderValue)],
    ) -> Result<MessageStream> {
        let response = self.send(path, request, metadata).await?;
        if let Some(status) = header_status(response.headers())? {
            check_status(status)?;
        }
        if response.status() != reqwest::StatusCode::OK {
            return Err(Error::Server {
                status: response.status().as_u16(),
                message: format!("{path}: the stream was refused"),
            });
        }
        Ok(MessageStream {
            path,
            response,
            buf: Vec::new(),
            done: false,
        })
    }

    async fn send<Req: Message>(
        &self,
        path: &str,
        request: &Req,
        metadata: &[(&'static str, HeaderValue)],
    ) -> Result<reqwest::Response> {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .header(CONTENT_TYPE, GRPC_WEB_PROTO)
            .header("accept", GRPC_WEB_PROTO)
            .header("x-grpc-web", "1")
            .body(encode_frame(&request.encode_to_vec()))
            .build()
            .map_err(Error::Http)?;
        if let Some(value) = &self.authorization {
            request.headers_mut().insert(
                HeaderName::from_static(basalt_rpc::metadata_keys::AUTHORIZATION),
                value.clone(),
            );
        }
        for (key, value) in metadata {
            request
                .headers_mut()
                .insert(HeaderName::from_static(key), value.clone());
        }
        self.http.execute(request).await.map_err(Error::Http)
    }

    async fn call<Req: Message>(
        &self,
        path: &str,
        request: &Req,
        metadata: &[(&'static str, HeaderValue)],
    ) -> Result<Vec<Vec<u8>>> {
        let response = self.send(path, request, metadata).await?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(Error::Http)?;
        decode_response(path, status.as_u16(), &headers, &body)
    }
}

/// The messages of a streaming response, decoded frame by frame as bytes arrive.
#[derive(Debug)]
pub(crate) struct MessageStream {
    path: &'static str,
    response: reqwest::Response,
    buf: Vec<u8>,
    done: bool,
}

impl MessageStream {
    /// The next message; `None` once the server ended the stream with an OK status. A
    /// stream that stops without its trailers is an error (the connection was cut).
    pub(crate) async fn next<M: Message + Default>(&mut self) -> Result<Option<M>> {
        self.read(true).await
    }

    /// The next message if it has already arrived (nothing is awaited); `None` when none
    /// has, or the stream ended.
    pub(crate) async fn next_ready<M: Message + Default>(&mut self) -> Result<Option<M>> {
        self.read(false).await
    }

    async fn read<M: Message + Default>(&mut self, wait: bool) -> Result<Option<M>> {
        loop {
            if self.done {
                return Ok(None);
            }
            if let Some((flag, payload)) = self.take_frame()? {
                if flag & TRAILERS_FLAG != 0 {
                    self.done = true;
                    let status = parse_trailers(&payload)
                        .map_err(|e| Error::Protocol(format!("{}: {e}", self.path)))?;
                    check_status(status)?;
                    return Ok(None);
                }
                if flag != 0 {
                    return Err(Error::Protocol(format!(
                        "{}: {}",
                        self.path,
                        FramingError::UnknownFlag(flag)
                    )));
                }
                return decode_message(self.path, &payload).map(Some);
            }
            let chunk = if wait {
                self.response.chunk().await
            } else {
                // A zero timeout polls once: data already received, or nothing.
                match tokio::time::timeout(Duration::ZERO, self.response.chunk()).await {
                    Ok(chunk) => chunk,
                    Err(_) => return Ok(None),
                }
            };
            match chunk.map_err(Error::Http)? {
                Some(chunk) => self.buf.extend_from_slice(&chunk),
                None => {
                    return Err(Error::Protocol(format!(
                        "{}: the stream ended without a gRPC status (connection cut?)",
                        self.path
                    )));
                }
            }
        }
    }

    /// Removes one complete frame from the buffer, if there is one.
    fn take_frame(&mut self) -> Result<Option<(u8, Vec<u8>)>> {
        let Some(header) = self.buf.get(..5) else {
            return Ok(None);
        };
        let flag = header[0];
        let len = u32::from_be_bytes(header[1..5].try_into().expect("4 bytes")) as usize;
        if self.buf.len() < 5 + len {
            return Ok(None);
        }
        let payload = self.buf[5..5 + len].to_vec();
        self.buf.drain(..5 + len);
        Ok(Some((flag, payload)))
    }
}

/// Frames one message.
pub(crate) fn encode_frame(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + message.len());
    out.push(0);
    out.extend_from_slice(&(message.len() as u32).to_be_bytes());
    out.extend_from_slice(message);
    out
}

fn decode_message<M: Message + Default>(path: &str, bytes: &[u8]) -> Result<M> {
    M::decode(bytes)
        .map_err(|e| Error::Protocol(format!("{path}: cannot decode the response: {e}")))
}

/// The messages of a whole response, or the error its status names.
pub(crate) fn decode_response(
    path: &str,
    http_status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<Vec<u8>>> {
    // Trailers-only answer: the status travels in the headers.
    if let Some(status) = header_status(headers)? {
        check_status(status)?;
    }
    if http_status != 200 {
        return Err(Error::Server {
            status: http_status,
            message: format!(
                "{path}: {}",
                String::from_utf8_lossy(&body[..body.len().min(200)])
            ),
        });
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("application/grpc") {
        return Err(Error::Protocol(format!(
            "{path}: the server answered with content type {content_type:?}, not gRPC-web"
        )));
    }
    let (messages, trailers) =
        decode_body(body).map_err(|e| Error::Protocol(format!("{path}: {e}")))?;
    match trailers {
        Some(status) => check_status(status)?,
        None if header_status(headers)?.is_some() => {}
        None => {
            return Err(Error::Protocol(format!(
                "{path}: the response ended without a gRPC status (truncated?)"
            )));
        }
    }
    Ok(messages)
}

/// A `grpc-status` (and message) found in headers or a trailers frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Status {
    pub(crate) code: i32,
    pub(crate) message: String,
}

fn check_status(status: Status) -> Result<()> {
    if status.code == code::OK {
        Ok(())
    } else {
        Err(Error::Grpc {
            code: status.code,
            message: status.message,
        })
    }
}

fn header_status(headers: &HeaderMap) -> Result<Option<Status>> {
    let Some(code) = headers.get("grpc-status") else {
        return Ok(None);
    };
    let code = code
        .to_str()
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .ok_or_else(|| Error::Protocol("unreadable grpc-status header".into()))?;
    let message = headers
        .get("grpc-message")
        .map(|m| percent_decode(m.as_bytes()))
        .unwrap_or_default();
    Ok(Some(Status { code, message }))
}

/// Why a gRPC-web body is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FramingError {
    #[error("truncated gRPC-web frame at byte {0}")]
    Truncated(usize),
    #[error("compressed gRPC-web messages are not supported")]
    Compressed,
    #[error("unknown gRPC-web frame flag {0:#04x}")]
    UnknownFlag(u8),
    #[error("data after the trailers frame")]
    AfterTrailers,
    #[error("unreadable trailers: {0}")]
    BadTrailers(String),
}

/// Splits a body into its messages and the status of its trailers frame, if any.
pub(crate) fn decode_body(body: &[u8]) -> Result<(Vec<Vec<u8>>, Option<Status>), FramingError> {
    let mut messages = Vec::new();
    let mut pos = 0;
    while pos < body.len() {
        let header = body.get(pos..pos + 5).ok_or(FramingError::Truncated(pos))?;
        let flag = header[0];
        let len = u32::from_be_bytes(header[1..5].try_into().expect("4 bytes")) as usize;
        let start = pos + 5;
        let payload = start
            .checked_add(len)
            .and_then(|end| body.get(start..end))
            .ok_or(FramingError::Truncated(pos))?;
        pos = start + len;
        if flag & TRAILERS_FLAG != 0 {
            if pos != body.len() {
                return Err(FramingError::AfterTrailers);
            }
            return Ok((messages, Some(parse_trailers(payload)?)));
        }
        match flag {
            0 => messages.push(payload.to_vec()),
            f if f & COMPRESSED_FLAG != 0 => return Err(FramingError::Compressed),
            f => return Err(FramingError::UnknownFlag(f)),
        }
    }
    Ok((messages, None))
}

fn parse_trailers(payload: &[u8]) -> Result<Status, FramingError> {
    let text =
        std::str::from_utf8(payload).map_err(|_| FramingError::BadTrailers("not UTF-8".into()))?;
    let mut code = None;
    let mut message = String::new();
    for line in text.split("\r\n").flat_map(|l| l.split('\n')) {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        match key.trim().to_ascii_lowercase().as_str() {
            "grpc-status" => {
                code = Some(value.trim().parse::<i32>().map_err(|_| {
                    FramingError::BadTrailers(format!("grpc-status {:?}", value.trim()))
                })?);
            }
            "grpc-message" => message = percent_decode(value.trim().as_bytes()),
            _ => {}
        }
    }
    let code = code.ok_or_else(|| FramingError::BadTrailers("no grpc-status".into()))?;
    Ok(Status { code, message })
}

/// gRPC's percent-encoding of `grpc-message`.
fn percent_decode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(hex) = std::str::from_utf8(hex)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trailers(text: &str) -> Vec<u8> {
        let mut out = vec![TRAILERS_FLAG];
        out.extend_from_slice(&(text.len() as u32).to_be_bytes());
        out.extend_from_slice(text.as_bytes());
        out
    }

    fn grpc_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/grpc-web+proto"),
        );
        h
    }

    #[test]
    fn frames_round_trip_with_trailers() {
        let mut body = encode_frame(b"abc");
        body.extend(encode_frame(b""));
        body.extend(trailers("grpc-status:0\r\ngrpc-message:\r\n"));
        let (messages, status) = decode_body(&body).unwrap();
        assert_eq!(messages, vec![b"abc".to_vec(), Vec::new()]);
        assert_eq!(status.unwrap().code, 0);
        assert_eq!(
            decode_response("/x", 200, &grpc_headers(), &body)
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn error_status_in_trailers_or_headers() {
        let body = trailers("grpc-status: 9\r\ngrpc-message: NEED%20SNAPSHOT%25\r\n");
        match decode_response("/x", 200, &grpc_headers(), &body) {
            Err(Error::Grpc { code, message }) => {
                assert_eq!(code, 9);
                assert_eq!(message, "NEED SNAPSHOT%");
            }
            other => panic!("{other:?}"),
        }
        let mut headers = grpc_headers();
        headers.insert("grpc-status", HeaderValue::from_static("9"));
        headers.insert("grpc-message", HeaderValue::from_static("NO_HELLO"));
        match decode_response("/x", 200, &headers, &[]) {
            Err(Error::Grpc { code: 9, message }) => assert_eq!(message, "NO_HELLO"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_bodies_are_errors() {
        let mut truncated = encode_frame(&[1; 100]);
        truncated.truncate(50);
        assert_eq!(decode_body(&truncated), Err(FramingError::Truncated(0)));
        assert_eq!(decode_body(&[0, 0]), Err(FramingError::Truncated(0)));
        assert_eq!(decode_body(&[1, 0, 0, 0, 0]), Err(FramingError::Compressed));
        assert_eq!(
            decode_body(&[0x42, 0, 0, 0, 0]),
            Err(FramingError::UnknownFlag(0x42))
        );
        let mut after = trailers("grpc-status: 0");
        after.extend(encode_frame(b"x"));
        assert_eq!(decode_body(&after), Err(FramingError::AfterTrailers));
        assert!(matches!(
            decode_body(&trailers("grpc-status: zero")),
            Err(FramingError::BadTrailers(_))
        ));
        // Messages but no status: cut before the trailers.
        assert!(matches!(
            decode_response("/x", 200, &grpc_headers(), &encode_frame(b"abc")),
            Err(Error::Protocol(_))
        ));
        // Not gRPC at all.
        let mut html = HeaderMap::new();
        html.insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
        assert!(matches!(
            decode_response("/x", 200, &html, b"<html>"),
            Err(Error::Protocol(_))
        ));
        assert!(matches!(
            decode_response("/x", 404, &html, b"not found"),
            Err(Error::Server { status: 404, .. })
        ));
    }

    #[test]
    fn urls() {
        assert!(GrpcWebClient::new("http://127.0.0.1:8080/", "").is_ok());
        for bad in ["https://x", "libsql://x", "ws://x", "x", "http://"] {
            assert!(
                matches!(GrpcWebClient::new(bad, ""), Err(Error::InvalidUrl(_))),
                "{bad}"
            );
        }
    }
}
