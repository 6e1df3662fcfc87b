//! Decoding errors quoted by the transcripts (§3, §4, §8, §9): the text after
//! "Cannot deserialize client message from JSON: ", including sqld's column numbers.

use basalt_hrana::{CursorReqBody, PipelineReqBody, ProtocolError, v1};

fn pipeline_err(body: &str) -> String {
    let err = serde_json::from_str::<PipelineReqBody>(body).unwrap_err();
    ProtocolError::from(err).to_string()
}

const PREFIX: &str = "Cannot deserialize client message from JSON: ";

#[test]
fn float_given_as_string() {
    assert_eq!(
        pipeline_err(
            r#"{"baton":null,"requests":[{"type":"execute","stmt":{"sql":"SELECT ? AS a","args":[{"type":"float","value":"1.5"}]}}]}"#
        ),
        format!(r#"{PREFIX}invalid type: string "1.5", expected f64 at line 1 column 116"#)
    );
}

#[test]
fn integer_out_of_range() {
    assert_eq!(
        pipeline_err(
            r#"{"baton":null,"requests":[{"type":"execute","stmt":{"sql":"SELECT ? AS a","args":[{"type":"integer","value":"9223372036854775808"}]}}]}"#
        ),
        format!(
            r#"{PREFIX}invalid value: string "9223372036854775808", expected decimal integer as a string at line 1 column 134"#
        )
    );
}

#[test]
fn integer_as_number_is_accepted_superset() {
    // sqld: 400 "invalid type: integer `42`, expected a borrowed string"; Basalt accepts it.
    let body: PipelineReqBody = serde_json::from_str(
        r#"{"baton":null,"requests":[{"type":"execute","stmt":{"sql":"SELECT ? AS a","args":[{"type":"integer","value":42}]}}]}"#,
    )
    .unwrap();
    assert_eq!(body.requests.len(), 1);
}

#[test]
fn blob_with_value_key() {
    assert_eq!(
        pipeline_err(
            r#"{"baton":null,"requests":[{"type":"execute","stmt":{"sql":"SELECT ? AS a","args":[{"type":"blob","value":"AAECAw=="}]}}]}"#
        ),
        format!("{PREFIX}missing field `base64` at line 1 column 120")
    );
}

#[test]
fn null_arg() {
    assert_eq!(
        pipeline_err(
            r#"{"baton":null,"requests":[{"type":"execute","stmt":{"sql":"SELECT ? AS a","args":[null]}}]}"#
        ),
        format!(
            "{PREFIX}invalid type: null, expected internally tagged enum Value at line 1 column 90"
        )
    );
}

#[test]
fn unknown_value_type() {
    assert_eq!(
        pipeline_err(
            r#"{"baton":null,"requests":[{"type":"execute","stmt":{"sql":"SELECT ?","args":[{"type":"decimal","value":"1"}]}}]}"#
        ),
        format!(
            "{PREFIX}unknown variant `decimal`, expected one of `null`, `integer`, `float`, `text`, `blob` at line 1 column 111"
        )
    );
}

#[test]
fn unknown_request_type_after_valid_one() {
    assert_eq!(
        pipeline_err(
            r#"{"baton":null,"requests":[{"type":"execute","stmt":{"sql":"INSERT INTO t (i) VALUES (777)"}},{"type":"frobnicate"}]}"#
        ),
        format!(
            "{PREFIX}unknown variant `frobnicate`, expected one of `close`, `execute`, `batch`, `sequence`, `describe`, `store_sql`, `close_sql`, `get_autocommit` at line 1 column 113"
        )
    );
}

#[test]
fn malformed_and_wrong_shape_bodies() {
    assert_eq!(
        pipeline_err(r#"{"requests": ["#),
        format!("{PREFIX}EOF while parsing a list at line 1 column 14")
    );
    assert_eq!(
        pipeline_err(""),
        format!("{PREFIX}EOF while parsing a value at line 1 column 0")
    );
    assert_eq!(
        pipeline_err(r#"{"baton":null}"#),
        format!("{PREFIX}missing field `requests` at line 1 column 14")
    );
    let err = serde_json::from_str::<CursorReqBody>(r#"{"batch":"#).unwrap_err();
    assert_eq!(
        err.to_string(),
        "EOF while parsing a value at line 1 column 9"
    );
    let err = serde_json::from_str::<v1::ExecuteReqBody>("{").unwrap_err();
    assert_eq!(
        err.to_string(),
        "EOF while parsing an object at line 1 column 1"
    );
    let err = serde_json::from_str::<basalt_hrana::ClientMsg>("{not json").unwrap_err();
    assert_eq!(err.to_string(), "key must be a string at line 1 column 2");
}

#[test]
fn unknown_stmt_field_is_ignored() {
    let body: PipelineReqBody = serde_json::from_str(
        r#"{"baton": null, "requests": [{"type": "execute", "stmt": {"sql": "SELECT 1", "bogus": 1}}]}"#,
    )
    .unwrap();
    assert_eq!(body.requests.len(), 1);
}
