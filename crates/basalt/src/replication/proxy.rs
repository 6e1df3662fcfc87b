//! Write forwarding: `proxy.Proxy/Execute`, `Describe` and `Disconnect` against the
//! primary (LIBSQL-SURFACE.md §8.6). The primary keeps one connection per `client_id`, so
//! a transaction opened by one `Execute` continues in the next.

use basalt_engine::{Column, Params, QueryResult, Value};
use basalt_rpc::proxy as pb;
use basalt_rpc::value::Value as WireValue;

use super::grpc_web::GrpcWebClient;
use crate::error::{Error, Result};

const EXECUTE: &str = "/proxy.Proxy/Execute";
const DESCRIBE: &str = "/proxy.Proxy/Describe";
const DISCONNECT: &str = "/proxy.Proxy/Disconnect";

/// A client of the primary's `proxy.Proxy` service.
#[derive(Debug, Clone)]
pub struct Proxy {
    client: GrpcWebClient,
}

/// The outcome of one forwarded statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Forwarded {
    /// Rows, columns and effects, as a local run would report them.
    pub result: QueryResult,
    /// True when the primary's connection for this client is inside a transaction after
    /// the statement (state `TXN`, or `INVALID`: a transaction that must be rolled back).
    pub in_transaction: bool,
    /// The primary's last committed frame after the statement; a replica that has applied
    /// it sees the statement's effects.
    pub frame_no: Option<u64>,
}

impl Proxy {
    /// A client for the primary at `url` (`http://host:port`), with an auth token (empty
    /// for none).
    pub fn new(url: &str, auth_token: &str) -> Result<Proxy> {
        Ok(Proxy {
            client: GrpcWebClient::new(url, auth_token)?,
        })
    }

    pub(crate) fn from_client(client: GrpcWebClient) -> Proxy {
        Proxy { client }
    }

    /// Runs one statement on the primary, on the connection `client_id` names. A
    /// statement error becomes [`Error::Remote`] with SQLite's code name.
    pub async fn execute(&self, client_id: &str, sql: &str, params: &Params) -> Result<Forwarded> {
        let request = pb::ProgramReq {
            client_id: client_id.to_owned(),
            pgm: Some(pb::Program {
                steps: vec![pb::Step {
                    cond: None,
                    query: Some(to_query(sql, params)),
                }],
            }),
        };
        let response: pb::ExecuteResults = self.client.unary(EXECUTE, &request, &[]).await?;
        let in_transaction = response.state != pb::State::Init as i32;
        let frame_no = response.current_frame_no;
        let [result] = <[pb::QueryResult; 1]>::try_from(response.results).map_err(|r| {
            Error::Protocol(format!("Execute: expected one result, got {}", r.len()))
        })?;
        let rows = match result.row_result {
            Some(pb::query_result::RowResult::Row(rows)) => rows,
            Some(pb::query_result::RowResult::Error(error)) => return Err(remote_error(error)),
            None => return Err(Error::Protocol("Execute: empty result".into())),
        };
        Ok(Forwarded {
            result: from_result_rows(rows)?,
            in_transaction,
            frame_no,
        })
    }

    /// The columns `sql` would return, prepared on the primary.
    pub async fn describe(&self, client_id: &str, sql: &str) -> Result<Vec<Column>> {
        let request = pb::DescribeRequest {
            client_id: client_id.to_owned(),
            stmt: sql.to_owned(),
        };
        let response: pb::DescribeResult = self.client.unary(DESCRIBE, &request, &[]).await?;
        match response.describe_result {
            Some(pb::describe_result::DescribeResult::Description(d)) => {
                Ok(d.column_descriptions.into_iter().map(from_column).collect())
            }
            Some(pb::describe_result::DescribeResult::Error(error)) => Err(remote_error(error)),
            None => Err(Error::Protocol("Describe: empty result".into())),
        }
    }

    /// Drops the primary's connection for `client_id` (rolling back its transaction).
    pub async fn disconnect(&self, client_id: &str) -> Result<()> {
        let request = pb::DisconnectMessage {
            client_id: client_id.to_owned(),
        };
        let _: pb::Ack = self.client.unary(DISCONNECT, &request, &[]).await?;
        Ok(())
    }
}

/// A statement error from the primary, named like Hrana's codes (`SQLITE_CONSTRAINT_UNIQUE`).
fn remote_error(error: pb::Error) -> Error {
    let code = match pb::error::ErrorCode::try_from(error.code) {
        _ if error.extended_code != 0 => {
            basalt_engine::extended_code_name(error.extended_code).to_owned()
        }
        Ok(pb::error::ErrorCode::TxBusy) => "TRANSACTION_BUSY".to_owned(),
        Ok(pb::error::ErrorCode::TxTimeout) => "TRANSACTION_TIMEOUT".to_owned(),
        Ok(pb::error::ErrorCode::Internal) => "INTERNAL".to_owned(),
        Ok(pb::error::ErrorCode::SqlError) | Err(_) => "SQLITE_ERROR".to_owned(),
    };
    Error::Remote {
        code,
        message: error.message,
    }
}

fn to_query(sql: &str, params: &Params) -> pb::Query {
    let wire = |v: &Value| pb::Value {
        data: to_wire(v).encode(),
    };
    let params = match params {
        Params::None => None,
        Params::Positional(values) => Some(pb::query::Params::Positional(pb::Positional {
            values: values.iter().map(wire).collect(),
        })),
        Params::Named(pairs) => Some(pb::query::Params::Named(pb::Named {
            names: pairs.iter().map(|(n, _)| n.clone()).collect(),
            values: pairs.iter().map(|(_, v)| wire(v)).collect(),
        })),
    };
    pb::Query {
        stmt: sql.to_owned(),
        params,
        skip_rows: false,
    }
}

fn to_wire(v: &Value) -> WireValue {
    match v {
        Value::Null => WireValue::Null,
        Value::Integer(i) => WireValue::Integer(*i),
        Value::Real(f) => WireValue::Real(*f),
        Value::Text(t) => WireValue::Text(t.clone()),
        Value::Blob(b) => WireValue::Blob(b.clone()),
    }
}

fn from_wire(v: WireValue) -> Value {
    match v {
        WireValue::Null => Value::Null,
        WireValue::Integer(i) => Value::Integer(i),
        WireValue::Real(f) => Value::Real(f),
        WireValue::Text(t) => Value::Text(t),
        WireValue::Blob(b) => Value::Blob(b),
    }
}

fn from_column(c: pb::Column) -> Column {
    Column {
        name: c.name,
        decltype: c.decltype,
    }
}

fn from_result_rows(rows: pb::ResultRows) -> Result<QueryResult> {
    let width = rows.column_descriptions.len();
    let decoded = rows
        .rows
        .into_iter()
        .map(|row| {
            if row.values.len() != width {
                return Err(Error::Protocol(format!(
                    "Execute: a row has {} values for {width} columns",
                    row.values.len()
                )));
            }
            row.values
                .iter()
                .map(|v| {
                    WireValue::decode(&v.data)
                        .map(from_wire)
                        .map_err(|e| Error::Protocol(format!("Execute: bad value: {e}")))
                })
                .collect()
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(QueryResult {
        columns: rows
            .column_descriptions
            .into_iter()
            .map(from_column)
            .collect(),
        rows: decoded,
        rows_affected: rows.affected_row_count,
        last_insert_rowid: rows.last_insert_rowid.unwrap_or(0),
        readonly: false,
        rows_read: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_and_values_convert() {
        let q = to_query(
            "SELECT ?",
            &Params::Named(vec![(":a".into(), Value::Text("x".into()))]),
        );
        match q.params {
            Some(pb::query::Params::Named(n)) => {
                assert_eq!(n.names, [":a"]);
                assert_eq!(
                    WireValue::decode(&n.values[0].data),
                    Ok(WireValue::Text("x".into()))
                );
            }
            other => panic!("{other:?}"),
        }
        let rows = pb::ResultRows {
            column_descriptions: vec![pb::Column {
                name: "a".into(),
                decltype: Some("INTEGER".into()),
            }],
            rows: vec![pb::Row {
                values: vec![pb::Value {
                    data: WireValue::Integer(7).encode(),
                }],
            }],
            affected_row_count: 1,
            last_insert_rowid: Some(3),
        };
        let result = from_result_rows(rows).unwrap();
        assert_eq!(result.rows, vec![vec![Value::Integer(7)]]);
        assert_eq!(result.last_insert_rowid, 3);
        assert_eq!(result.columns[0].decltype.as_deref(), Some("INTEGER"));
    }

    #[test]
    fn bad_rows_are_protocol_errors() {
        let bad_value = pb::ResultRows {
            column_descriptions: vec![pb::Column {
                name: "a".into(),
                decltype: None,
            }],
            rows: vec![pb::Row {
                values: vec![pb::Value { data: vec![9] }],
            }],
            affected_row_count: 0,
            last_insert_rowid: None,
        };
        assert!(matches!(
            from_result_rows(bad_value),
            Err(Error::Protocol(_))
        ));
        let wrong_width = pb::ResultRows {
            column_descriptions: vec![],
            rows: vec![pb::Row {
                values: vec![pb::Value {
                    data: WireValue::Null.encode(),
                }],
            }],
            affected_row_count: 0,
            last_insert_rowid: None,
        };
        assert!(matches!(
            from_result_rows(wrong_width),
            Err(Error::Protocol(_))
        ));
    }

    #[test]
    fn errors_carry_sqlite_names() {
        let e = remote_error(pb::Error {
            code: pb::error::ErrorCode::SqlError as i32,
            message: "UNIQUE constraint failed: t.a".into(),
            extended_code: 2067,
        });
        match e {
            Error::Remote { code, message } => {
                assert_eq!(code, "SQLITE_CONSTRAINT_UNIQUE");
                assert!(message.contains("UNIQUE"));
            }
            other => panic!("{other:?}"),
        }
    }
}
