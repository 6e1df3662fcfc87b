//! The protobuf encodings: package `hrana` (shared structures, re-exported here),
//! [`http`] (`hrana.http`) and [`ws`] (`hrana.ws`).
//!
//! These are hand-written `prost` structs mirroring the Hrana 3 schema with sqld's extension
//! fields; field numbers follow LIBSQL-SURFACE §2.2, §3.4, §3.5, §4.5 and §5. The rest of Basalt
//! should not work on them directly: every message converts to and from the crate's
//! JSON-side types (`From` towards protobuf, `TryFrom` back, failing with [`ProtoError`]
//! where protobuf can express something the JSON side cannot, such as a `Value` with no
//! member set). The `encode_protobuf`/`decode_protobuf` methods on the top-level JSON-side
//! types (`PipelineReqBody`, `ClientMsg`, `CursorEntry`, ...) do both steps at once.
//!
//! Decoding never panics: malformed input yields [`ProtoError::Decode`] with prost's message
//! ("failed to decode Protobuf message: buffer underflow"), which servers put after "Could not
//! decode client message from Protobuf: ".

mod convert;
mod hrana;
pub mod http;
pub mod ws;

pub use hrana::*;

/// Why a protobuf message could not be decoded into Basalt's types.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ProtoError {
    /// The bytes are not a valid encoding of the message (prost's message, verbatim).
    #[error(transparent)]
    Decode(#[from] prost::DecodeError),
    /// A field without which the message means nothing is absent, e.g. a `Value` or
    /// `BatchCond` with no `oneof` member set.
    #[error("failed to decode Protobuf message: {message}.{field} is missing")]
    MissingField {
        /// Message name, e.g. `Value`.
        message: &'static str,
        /// Field or oneof name, e.g. `value`.
        field: &'static str,
    },
    /// A `BatchResult` map key beyond [`MAX_BATCH_RESULT_STEPS`], which would need a huge
    /// per-step vector.
    #[error("failed to decode Protobuf message: BatchResult step index {index} is too large")]
    StepIndexTooLarge {
        /// The offending step index.
        index: u32,
    },
}

impl From<std::convert::Infallible> for ProtoError {
    fn from(e: std::convert::Infallible) -> Self {
        match e {}
    }
}

/// Largest number of steps a decoded protobuf `BatchResult` may imply (its maps are keyed by
/// step index, and the JSON-side type has one slot per step).
pub const MAX_BATCH_RESULT_STEPS: u32 = 1 << 20;

/// Implements the protobuf codec methods on a JSON-side type with a protobuf twin.
macro_rules! protobuf_codec {
    ($($ty:ty => $proto:ty),* $(,)?) => {$(
        impl $ty {
            /// Encodes this value as a protobuf message.
            pub fn encode_protobuf(self) -> Vec<u8> {
                ::prost::Message::encode_to_vec(&<$proto>::from(self))
            }

            /// Decodes a protobuf message.
            pub fn decode_protobuf(buf: &[u8]) -> Result<Self, $crate::proto::ProtoError> {
                let msg = <$proto as ::prost::Message>::decode(buf)?;
                Self::try_from(msg).map_err($crate::proto::ProtoError::from)
            }

            /// Appends this value as a varint-length-prefixed protobuf message (the framing
            /// of `/v3-protobuf/cursor` bodies).
            pub fn encode_protobuf_delimited(self, out: &mut Vec<u8>) {
                ::prost::Message::encode_length_delimited(&<$proto>::from(self), out)
                    .expect("encoding into a Vec cannot run out of space");
            }

            /// Decodes one length-prefixed protobuf message from the front of `buf` and
            /// advances `buf` past it.
            pub fn decode_protobuf_delimited(
                buf: &mut &[u8],
            ) -> Result<Self, $crate::proto::ProtoError> {
                let msg = <$proto as ::prost::Message>::decode_length_delimited(buf)?;
                Self::try_from(msg).map_err($crate::proto::ProtoError::from)
            }
        }
    )*};
}

protobuf_codec! {
    crate::Value => Value,
    crate::Stmt => Stmt,
    crate::StmtResult => StmtResult,
    crate::Batch => Batch,
    crate::BatchCond => BatchCond,
    crate::BatchResult => BatchResult,
    crate::DescribeResult => DescribeResult,
    crate::CursorEntry => CursorEntry,
    crate::Error => Error,
    crate::PipelineReqBody => http::PipelineReqBody,
    crate::PipelineRespBody => http::PipelineRespBody,
    crate::CursorReqBody => http::CursorReqBody,
    crate::CursorRespBody => http::CursorRespBody,
    crate::ClientMsg => ws::ClientMsg,
    crate::ServerMsg => ws::ServerMsg,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{arb_batch_cond, arb_stmt_result_with, arb_stmt_with, arb_value};
    use proptest::prelude::*;

    #[test]
    fn value_wire_bytes() {
        // Field 2, zig-zag: -1 -> 1, 1 -> 2.
        assert_eq!(
            crate::Value::Integer(-1).encode_protobuf(),
            vec![0x10, 0x01]
        );
        assert_eq!(crate::Value::Integer(1).encode_protobuf(), vec![0x10, 0x02]);
        // Field 1, empty nested Null message.
        assert_eq!(crate::Value::Null.encode_protobuf(), vec![0x0a, 0x00]);
        // Field 3 double, field 4 string, field 5 bytes.
        assert_eq!(
            crate::Value::Float(1.0).encode_protobuf(),
            [&[0x19][..], &1.0f64.to_le_bytes()].concat()
        );
        assert_eq!(
            crate::Value::Text("a".into()).encode_protobuf(),
            vec![0x22, 1, b'a']
        );
        assert_eq!(crate::Value::Blob(vec![]).encode_protobuf(), vec![0x2a, 0]);
    }

    #[test]
    fn value_without_member_is_an_error() {
        let err = crate::Value::decode_protobuf(&[]).unwrap_err();
        assert_eq!(
            err,
            ProtoError::MissingField {
                message: "Value",
                field: "value"
            }
        );
        // Unknown fields are skipped, so this is a Value with nothing set too.
        assert!(crate::Value::decode_protobuf(&[0x30, 0x01]).is_err());
    }

    #[test]
    fn json_body_on_protobuf_endpoint_is_buffer_underflow() {
        let body =
            br#"{"baton": null, "requests": [{"type": "execute", "stmt": {"sql": "SELECT 1"}}]}"#;
        let err = crate::PipelineReqBody::decode_protobuf(body).unwrap_err();
        assert_eq!(
            crate::ProtocolError::from(err).to_string(),
            "Could not decode client message from Protobuf: failed to decode Protobuf message: buffer underflow"
        );
    }

    #[test]
    fn garbage_never_panics() {
        let inputs: [&[u8]; 5] = [
            &[0xff; 16],
            &[0x0a, 0x05, 0x01],
            &[0x12, 0x80],
            &[0x08],
            &[0x1a, 0x02, 0x0a],
        ];
        for input in inputs {
            let _ = crate::PipelineReqBody::decode_protobuf(input);
            let _ = crate::ClientMsg::decode_protobuf(input);
            let _ = crate::CursorReqBody::decode_protobuf(input);
            let _ = crate::ServerMsg::decode_protobuf(input);
        }
    }

    #[test]
    fn batch_result_maps_hold_executed_steps_only() {
        let mut r = crate::BatchResult::with_steps(4);
        r.step_results[0] = Some(crate::StmtResult::default());
        r.step_errors[1] = Some(crate::Error::new("m", "C"));
        r.replication_index = Some(9);
        let p = BatchResult::from(r.clone());
        assert_eq!(p.step_results.keys().copied().collect::<Vec<_>>(), vec![0]);
        assert_eq!(p.step_errors.keys().copied().collect::<Vec<_>>(), vec![1]);
        // With the step count, the round trip is exact except for the batch-level index,
        // which protobuf does not carry.
        let back = crate::BatchResult::from_proto(p.clone(), 4).unwrap();
        assert_eq!(
            back,
            crate::BatchResult {
                replication_index: None,
                ..r
            }
        );
        // Without it, trailing skipped steps are gone.
        let back = crate::BatchResult::try_from(p.clone()).unwrap();
        assert_eq!(back.step_results.len(), 2);
        assert!(crate::BatchResult::from_proto(p, 1).is_err());
        let mut huge = BatchResult::default();
        huge.step_errors.insert(u32::MAX, Error::default());
        assert!(matches!(
            crate::BatchResult::try_from(huge),
            Err(ProtoError::StepIndexTooLarge { index: u32::MAX })
        ));
    }

    #[test]
    fn cursor_entries_delimited_stream() {
        let entries = vec![
            crate::CursorEntry::StepBegin(crate::StepBeginEntry {
                step: 0,
                cols: vec![],
            }),
            crate::CursorEntry::Row {
                row: vec![crate::Value::Integer(-3)],
            },
            crate::CursorEntry::StepEnd(crate::StepEndEntry::default()),
            crate::CursorEntry::ReplicationIndex {
                replication_index: Some(19),
            },
        ];
        let mut body = Vec::new();
        crate::CursorRespBody {
            baton: Some("b".into()),
            base_url: None,
        }
        .encode_protobuf_delimited(&mut body);
        for e in entries.clone() {
            e.encode_protobuf_delimited(&mut body);
        }
        let mut buf = body.as_slice();
        let head = crate::CursorRespBody::decode_protobuf_delimited(&mut buf).unwrap();
        assert_eq!(head.baton.as_deref(), Some("b"));
        let mut got = Vec::new();
        while !buf.is_empty() {
            got.push(crate::CursorEntry::decode_protobuf_delimited(&mut buf).unwrap());
        }
        assert_eq!(got, entries);
        // Field 6 holds a message whose field 1 is the index.
        let ri = crate::CursorEntry::ReplicationIndex {
            replication_index: Some(19),
        };
        assert_eq!(ri.encode_protobuf(), vec![0x32, 0x02, 0x08, 19]);
    }

    #[test]
    fn missing_required_messages_default_like_sqld() {
        // ExecuteStreamReq without a stmt: a Stmt with neither sql nor sql_id, which the
        // server then rejects with "Either `sql` or `sql_id` are required".
        let req = http::PipelineReqBody {
            baton: None,
            requests: vec![http::StreamRequest {
                request: Some(http::stream_request::Request::Execute(
                    http::ExecuteStreamReq { stmt: None },
                )),
            }],
        };
        let body =
            crate::PipelineReqBody::decode_protobuf(&prost::Message::encode_to_vec(&req)).unwrap();
        match &body.requests[0] {
            crate::StreamRequest::Execute(r) => {
                assert!(matches!(
                    r.stmt.sql_ref(),
                    Err(crate::ProtocolError::SqlMissing)
                ))
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    fn arb_ws_request() -> impl Strategy<Value = crate::Request> {
        use crate::*;
        let stmt = arb_stmt_with(arb_value());
        let batch =
            proptest::collection::vec((proptest::option::of(arb_batch_cond()), stmt.clone()), 0..3)
                .prop_map(|steps| Batch {
                    steps: steps
                        .into_iter()
                        .map(|(condition, stmt)| BatchStep { condition, stmt })
                        .collect(),
                    replication_index: None,
                });
        prop_oneof![
            any::<i32>().prop_map(|stream_id| Request::OpenStream(OpenStreamReq { stream_id })),
            any::<i32>().prop_map(|stream_id| Request::CloseStream(CloseStreamReq { stream_id })),
            (any::<i32>(), stmt).prop_map(|(stream_id, stmt)| Request::Execute(ExecuteReq {
                stream_id,
                stmt,
                replication_index: None
            })),
            (any::<i32>(), batch.clone())
                .prop_map(|(stream_id, batch)| Request::Batch(BatchReq { stream_id, batch })),
            (any::<i32>(), any::<i32>(), batch).prop_map(|(stream_id, cursor_id, batch)| {
                Request::OpenCursor(OpenCursorReq {
                    stream_id,
                    cursor_id,
                    batch,
                })
            }),
            (any::<i32>(), any::<u32>()).prop_map(|(cursor_id, max_count)| {
                Request::FetchCursor(FetchCursorReq {
                    cursor_id,
                    max_count,
                })
            }),
            (
                any::<i32>(),
                proptest::option::of(".{0,8}"),
                proptest::option::of(any::<i32>())
            )
                .prop_map(|(stream_id, sql, sql_id)| Request::Sequence(SequenceReq {
                    stream_id,
                    sql,
                    sql_id,
                    replication_index: None
                })),
            (any::<i32>(), ".{0,8}")
                .prop_map(|(sql_id, sql)| Request::StoreSql(StoreSqlReq { sql_id, sql })),
            any::<i32>()
                .prop_map(|stream_id| Request::GetAutocommit(GetAutocommitReq { stream_id })),
        ]
    }

    proptest! {
        #[test]
        fn value_round_trip(v in arb_value()) {
            prop_assert_eq!(crate::Value::decode_protobuf(&v.clone().encode_protobuf()), Ok(v));
        }

        #[test]
        fn stmt_round_trip(s in arb_stmt_with(arb_value())) {
            prop_assert_eq!(crate::Stmt::decode_protobuf(&s.clone().encode_protobuf()), Ok(s));
        }

        #[test]
        // Durations are non-negative: a proto3 `double` cannot tell -0.0 from an absent 0.0.
        fn stmt_result_round_trip(r in arb_stmt_result_with(arb_value(), 0.0f64..1e9)) {
            let back = crate::StmtResult::decode_protobuf(&r.clone().encode_protobuf()).unwrap();
            prop_assert_eq!(back.query_duration_ms.to_bits(), r.query_duration_ms.to_bits());
            prop_assert_eq!(back, r);
        }

        #[test]
        fn batch_cond_round_trip(c in arb_batch_cond()) {
            prop_assert_eq!(crate::BatchCond::decode_protobuf(&c.clone().encode_protobuf()), Ok(c));
        }

        #[test]
        fn ws_client_msg_round_trip(request_id in any::<i32>(), request in arb_ws_request()) {
            let msg = crate::ClientMsg::Request { request_id, request };
            prop_assert_eq!(crate::ClientMsg::decode_protobuf(&msg.clone().encode_protobuf()), Ok(msg));
        }

        /// JSON-side value → protobuf → JSON-side → JSON text equals the direct JSON text.
        #[test]
        fn json_and_protobuf_agree(s in arb_stmt_with(crate::testutil::arb_json_value())) {
            let via_proto = crate::Stmt::decode_protobuf(&s.clone().encode_protobuf()).unwrap();
            prop_assert_eq!(
                serde_json::to_string(&via_proto).unwrap(),
                serde_json::to_string(&s).unwrap()
            );
        }
    }
}
