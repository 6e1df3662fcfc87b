//! Golden tests: request bodies and responses from HRANA-TRANSCRIPTS.md (sqld 0.24.33).
//!
//! Responses are compared byte for byte: the transcripts' pretty-printed bodies keep sqld's key
//! order and number literals, so stripping their whitespace gives sqld's exact bytes.

mod decode_errors;
mod http;
mod legacy;
mod ws;

/// Removes insignificant whitespace from pretty-printed JSON (outside strings).
pub fn minify(pretty: &str) -> String {
    let mut out = String::with_capacity(pretty.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in pretty.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// Serialises compactly, as sqld does.
pub fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("encodable")
}
