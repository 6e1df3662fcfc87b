//! Every protobuf body the server decodes (`/v3-protobuf/*`, `hrana3-protobuf` frames).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = basalt_hrana::PipelineReqBody::decode_protobuf(data) {
        let _ = body.encode_protobuf();
    }
    if let Ok(body) = basalt_hrana::CursorReqBody::decode_protobuf(data) {
        let _ = body.encode_protobuf();
    }
    if let Ok(msg) = basalt_hrana::ClientMsg::decode_protobuf(data) {
        let _ = msg.encode_protobuf();
    }
});
