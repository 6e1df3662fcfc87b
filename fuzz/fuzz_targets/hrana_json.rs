//! Every JSON body the server decodes: pipelines, cursors, WebSocket messages, legacy
//! queries. Decoding may fail; it must never panic, and what decodes must re-encode.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = serde_json::from_slice::<basalt_hrana::PipelineReqBody>(data) {
        let _ = serde_json::to_vec(&body);
    }
    if let Ok(body) = serde_json::from_slice::<basalt_hrana::CursorReqBody>(data) {
        let _ = serde_json::to_vec(&body);
    }
    if let Ok(msg) = serde_json::from_slice::<basalt_hrana::ClientMsg>(data) {
        let _ = serde_json::to_vec(&msg);
    }
    let _ = serde_json::from_slice::<basalt_hrana::legacy::QueryBody>(data);
});
