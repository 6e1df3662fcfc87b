//! Cursors: the streamed form of a batch result (LIBSQL-SURFACE §3.5, §4.3, §5.6).
//!
//! Over HTTP (`/v3/cursor`) the JSON response body is newline-delimited JSON: first a
//! [`CursorRespBody`] line, then one [`CursorEntry`] per line, every line (the last too) ending
//! in `\n`. [`encode_ndjson_line`] writes one such line; [`NdjsonDecoder`] splits a body back
//! into lines for clients. Over WebSocket the same entries arrive in `fetch_cursor` responses.
//!
//! Number types differ from [`crate::StmtResult`] here, as in sqld: `last_insert_rowid` and
//! `replication_index` are JSON *numbers* (or `null`), not strings (the Rust libSQL client
//! fails to decode strings here). Input accepts both.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::batch::Batch;
use crate::error::Error;
use crate::stmt::Col;
use crate::value::{NonFiniteFloat, Value};

/// Request body of `/v3/cursor`: `{"baton": string|null, "batch": Batch}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CursorReqBody {
    /// The stream's latest baton, or `None` to open a new stream.
    #[serde(default)]
    pub baton: Option<String>,
    /// The batch to run.
    pub batch: Batch,
}

/// First line of a `/v3/cursor` response: `{"baton": ..., "base_url": ...}`.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CursorRespBody {
    /// Baton for the next request on this stream.
    #[serde(default)]
    pub baton: Option<String>,
    /// Base URL for the stream's later requests (`None`: same server).
    #[serde(default)]
    pub base_url: Option<String>,
}

/// One entry of a cursor, JSON-tagged by `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CursorEntry {
    /// A step starts: `{"type":"step_begin","step":n,"cols":[..]}`.
    StepBegin(StepBeginEntry),
    /// A step finished: `{"type":"step_end","affected_row_count":n,"last_insert_rowid":n|null}`.
    StepEnd(StepEndEntry),
    /// A step failed after its `step_begin`: `{"type":"step_error","step":n,"error":Error}`.
    StepError(StepErrorEntry),
    /// A row of the current step: `{"type":"row","row":[Value..]}`.
    Row {
        /// The values.
        row: Vec<Value>,
    },
    /// The whole batch failed; always the last entry: `{"type":"error","error":Error}`.
    Error {
        /// The error.
        error: Error,
    },
    /// sqld extension, sent after the last step:
    /// `{"type":"replication_index","replication_index":n|null}` (a JSON number).
    ReplicationIndex {
        /// Last committed frame number.
        #[serde(default, with = "crate::serde_util::opt_u64_num")]
        replication_index: Option<u64>,
    },
}

/// Payload of [`CursorEntry::StepBegin`].
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StepBeginEntry {
    /// 0-based step index.
    pub step: u32,
    /// The step's result columns.
    pub cols: Vec<Col>,
}

/// Payload of [`CursorEntry::StepEnd`].
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StepEndEntry {
    /// As in [`crate::StmtResult::affected_row_count`].
    pub affected_row_count: u64,
    /// As in [`crate::StmtResult::last_insert_rowid`], but a JSON number.
    #[serde(default, with = "crate::serde_util::opt_i64_num")]
    pub last_insert_rowid: Option<i64>,
}

/// Payload of [`CursorEntry::StepError`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepErrorEntry {
    /// 0-based step index.
    pub step: u32,
    /// The error.
    pub error: Error,
}

impl CursorEntry {
    /// Fails when a row holds a float JSON cannot carry.
    pub fn check_json_encodable(&self) -> Result<(), NonFiniteFloat> {
        match self {
            CursorEntry::Row { row } => Value::check_all_json_encodable(row),
            _ => Ok(()),
        }
    }
}

/// Appends `value` as one compact JSON line terminated by `\n` (the NDJSON cursor framing).
/// On error nothing is appended.
pub fn encode_ndjson_line<T: Serialize>(value: &T, out: &mut Vec<u8>) -> serde_json::Result<()> {
    let start = out.len();
    match serde_json::to_writer(&mut *out, value) {
        Ok(()) => {
            out.push(b'\n');
            Ok(())
        }
        Err(e) => {
            out.truncate(start);
            Err(e)
        }
    }
}

/// Splits an NDJSON body arriving in chunks into complete lines and decodes them.
///
/// Push chunks with [`NdjsonDecoder::push`], then call [`NdjsonDecoder::next_line`] until it
/// returns `None`; a trailing partial line waits for the next chunk.
#[derive(Debug, Default)]
pub struct NdjsonDecoder {
    buf: Vec<u8>,
    pos: usize,
}

impl NdjsonDecoder {
    /// An empty decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a chunk of the body.
    pub fn push(&mut self, chunk: &[u8]) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(chunk);
    }

    /// Decodes the next complete non-empty line, if any.
    pub fn next_line<T: DeserializeOwned>(&mut self) -> Option<serde_json::Result<T>> {
        loop {
            let rest = &self.buf[self.pos..];
            let nl = rest.iter().position(|b| *b == b'\n')?;
            let line = &rest[..nl];
            self.pos += nl + 1;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(serde_json::from_slice(line));
        }
    }

    /// Bytes received after the last complete line (non-empty at the end of a body means the
    /// body was cut short).
    pub fn remainder(&self) -> &[u8] {
        &self.buf[self.pos..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_lines_are_byte_exact() {
        let entries = vec![
            CursorEntry::StepBegin(StepBeginEntry {
                step: 0,
                cols: vec![Col::new("one", None)],
            }),
            CursorEntry::Row {
                row: vec![Value::Integer(1)],
            },
            CursorEntry::StepEnd(StepEndEntry {
                affected_row_count: 0,
                last_insert_rowid: None,
            }),
            CursorEntry::StepBegin(StepBeginEntry {
                step: 1,
                cols: vec![],
            }),
            CursorEntry::StepError(StepErrorEntry {
                step: 1,
                error: Error::new(
                    "SQLite error: UNIQUE constraint failed: t.id",
                    "SQLITE_CONSTRAINT",
                ),
            }),
            CursorEntry::StepEnd(StepEndEntry {
                affected_row_count: 1,
                last_insert_rowid: Some(11),
            }),
            CursorEntry::ReplicationIndex {
                replication_index: Some(19),
            },
            CursorEntry::ReplicationIndex {
                replication_index: None,
            },
        ];
        let mut out = Vec::new();
        for e in &entries {
            encode_ndjson_line(e, &mut out).unwrap();
        }
        let want = concat!(
            r#"{"type":"step_begin","step":0,"cols":[{"name":"one","decltype":null}]}"#,
            "\n",
            r#"{"type":"row","row":[{"type":"integer","value":"1"}]}"#,
            "\n",
            r#"{"type":"step_end","affected_row_count":0,"last_insert_rowid":null}"#,
            "\n",
            r#"{"type":"step_begin","step":1,"cols":[]}"#,
            "\n",
            r#"{"type":"step_error","step":1,"error":{"message":"SQLite error: UNIQUE constraint failed: t.id","code":"SQLITE_CONSTRAINT"}}"#,
            "\n",
            r#"{"type":"step_end","affected_row_count":1,"last_insert_rowid":11}"#,
            "\n",
            r#"{"type":"replication_index","replication_index":19}"#,
            "\n",
            r#"{"type":"replication_index","replication_index":null}"#,
            "\n",
        );
        assert_eq!(String::from_utf8(out.clone()).unwrap(), want);

        let mut dec = NdjsonDecoder::new();
        let mut got = Vec::new();
        for chunk in out.chunks(7) {
            dec.push(chunk);
            while let Some(line) = dec.next_line::<CursorEntry>() {
                got.push(line.unwrap());
            }
        }
        assert!(dec.remainder().is_empty());
        assert_eq!(got, entries);
    }

    #[test]
    fn failed_line_leaves_buffer_untouched() {
        let mut out = b"x\n".to_vec();
        let bad = CursorEntry::Row {
            row: vec![Value::Float(f64::INFINITY)],
        };
        assert!(bad.check_json_encodable().is_err());
        assert!(encode_ndjson_line(&bad, &mut out).is_err());
        assert_eq!(out, b"x\n");
    }

    #[test]
    fn step_end_accepts_string_rowid() {
        let e: CursorEntry = serde_json::from_str(
            r#"{"type":"step_end","affected_row_count":1,"last_insert_rowid":"5"}"#,
        )
        .unwrap();
        assert_eq!(
            e,
            CursorEntry::StepEnd(StepEndEntry {
                affected_row_count: 1,
                last_insert_rowid: Some(5)
            })
        );
    }

    #[test]
    fn resp_body_line() {
        let mut out = Vec::new();
        encode_ndjson_line(
            &CursorRespBody {
                baton: Some("b".into()),
                base_url: None,
            },
            &mut out,
        )
        .unwrap();
        assert_eq!(out, b"{\"baton\":\"b\",\"base_url\":null}\n");
    }
}
