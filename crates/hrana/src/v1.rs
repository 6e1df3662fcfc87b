//! HTTP API v1 bodies: `POST /v1/execute` and `POST /v1/batch` (LIBSQL-SURFACE §3.3).
//!
//! Stateless: each request runs on a fresh connection with Hrana 1 rules. Errors are JSON
//! [`crate::Error`] bodies with an HTTP status chosen by the server.

use serde::{Deserialize, Serialize};

use crate::batch::{Batch, BatchResult};
use crate::stmt::{Stmt, StmtResult};

/// `POST /v1/execute` request: `{"stmt": Stmt}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExecuteReqBody {
    /// The statement.
    pub stmt: Stmt,
}

/// `POST /v1/execute` response: `{"result": StmtResult}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExecuteRespBody {
    /// The statement's result.
    pub result: StmtResult,
}

/// `POST /v1/batch` request: `{"batch": Batch}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchReqBody {
    /// The batch.
    pub batch: Batch,
}

/// `POST /v1/batch` response: `{"result": BatchResult}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchRespBody {
    /// The batch's result.
    pub result: BatchResult,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_body_message() {
        let err = serde_json::from_slice::<ExecuteReqBody>(b"{").unwrap_err();
        assert_eq!(
            err.to_string(),
            "EOF while parsing an object at line 1 column 1"
        );
    }

    #[test]
    fn execute_body() {
        let b: ExecuteReqBody = serde_json::from_str(
            r#"{"stmt": {"sql": "SELECT ? AS a, 2.5 AS b", "args": [{"type": "integer", "value": "1"}]}}"#,
        )
        .unwrap();
        assert_eq!(b.stmt.args, vec![crate::Value::Integer(1)]);
    }
}
