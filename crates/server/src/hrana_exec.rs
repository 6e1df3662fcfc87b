//! Running Hrana requests on a stream: the protocol's semantics, on engine calls.
//!
//! Everything here is synchronous and runs on a blocking thread. Errors come in two kinds,
//! as in libSQL's server: a statement error fails only its own request (the client gets
//! `{"type":"error"}` in that slot and later requests run), a protocol error fails the
//! whole pipeline (HTTP 400) or drops the WebSocket.

use std::collections::HashMap;
use std::time::Instant;

use basalt_engine::{Error as EngineError, Params, QueryResult};
use basalt_hrana as hrana;

use crate::db::{Session, first_keyword_is};

/// Stored SQL texts per stream (libSQL's limits).
const MAX_STORED_SQL: usize = 150;

/// Why a request failed.
#[derive(Debug)]
pub enum RequestError {
    /// Only this request failed; its slot carries the error.
    Stmt(hrana::Error),
    /// The client broke the protocol; the whole pipeline or socket fails with this text.
    Protocol(String),
}

impl From<hrana::Error> for RequestError {
    fn from(e: hrana::Error) -> Self {
        RequestError::Stmt(e)
    }
}

/// SQL texts stored with `store_sql`: per stream over HTTP, per socket over WebSocket.
#[derive(Debug, Default)]
pub struct SqlStore {
    texts: HashMap<i32, String>,
}

impl SqlStore {
    /// `store_sql`.
    pub fn store(&mut self, sql_id: i32, sql: String) -> Result<(), RequestError> {
        if self.texts.contains_key(&sql_id) {
            return Err(RequestError::Protocol(
                hrana::ProtocolError::SqlExists { sql_id }.to_string(),
            ));
        }
        if self.texts.len() >= MAX_STORED_SQL {
            return Err(RequestError::Stmt(hrana::Error::new(
                format!("Too many stored SQL texts (at most {MAX_STORED_SQL})"),
                "SQL_STORE_TOO_MANY",
            )));
        }
        self.texts.insert(sql_id, sql);
        Ok(())
    }

    /// `close_sql` (an unknown id is not an error).
    pub fn close(&mut self, sql_id: i32) {
        self.texts.remove(&sql_id);
    }

    /// The SQL a request names, by text or by stored id.
    pub fn resolve<'a>(
        &'a self,
        sql: Option<&'a str>,
        sql_id: Option<i32>,
    ) -> Result<&'a str, hrana::ProtocolError> {
        match hrana::SqlRef::new(sql, sql_id)? {
            hrana::SqlRef::Sql(sql) => Ok(sql),
            hrana::SqlRef::SqlId(sql_id) => self
                .texts
                .get(&sql_id)
                .map(String::as_str)
                .ok_or(hrana::ProtocolError::SqlNotFound { sql_id }),
        }
    }
}

/// The statement with its stored SQL (if it named one) filled in.
pub fn resolve_stmt(
    mut stmt: hrana::Stmt,
    store: &SqlStore,
) -> Result<hrana::Stmt, hrana::ProtocolError> {
    let sql = store.resolve(stmt.sql.as_deref(), stmt.sql_id)?.to_owned();
    stmt.sql = Some(sql);
    stmt.sql_id = None;
    Ok(stmt)
}

/// Every step of the batch resolved as [`resolve_stmt`] does.
pub fn resolve_batch(
    mut batch: hrana::Batch,
    store: &SqlStore,
) -> Result<hrana::Batch, hrana::ProtocolError> {
    for step in &mut batch.steps {
        step.stmt = resolve_stmt(std::mem::take(&mut step.stmt), store)?;
    }
    Ok(batch)
}

/// A stream: its session and (over HTTP) its stored SQL.
#[derive(Debug)]
pub struct StreamState {
    /// The stream's connection.
    pub session: Session,
    /// Stored SQL of an HTTP stream (WebSocket keeps it per socket).
    pub sql: SqlStore,
}

impl StreamState {
    /// A stream on a fresh session.
    pub fn new(session: Session) -> StreamState {
        StreamState {
            session,
            sql: SqlStore::default(),
        }
    }

    /// `get_autocommit`.
    pub fn is_autocommit(&self) -> bool {
        self.session.is_autocommit()
    }

    /// `execute` of a resolved statement.
    pub fn execute(&mut self, stmt: &hrana::Stmt) -> Result<hrana::StmtResult, RequestError> {
        let sql = resolved_sql(stmt)?;
        let params = stmt_params(stmt)?;
        let started = Instant::now();
        let result = self
            .session
            .execute(sql, &params)
            .map_err(|e| stmt_error(&e, sql))?;
        stmt_result(sql, result, started)
    }

    /// `batch`: checks every step first (references, SQL, argument kinds), then runs the
    /// steps whose conditions hold.
    pub fn batch(&mut self, batch: &hrana::Batch) -> Result<hrana::BatchResult, RequestError> {
        let steps = self.prepare_batch(batch)?;
        let mut outcomes: Vec<Option<bool>> = Vec::with_capacity(steps.len());
        let mut step_results = Vec::with_capacity(steps.len());
        let mut step_errors = Vec::with_capacity(steps.len());
        for (step, (sql, params)) in batch.steps.iter().zip(steps) {
            if !self.condition_holds(step.condition.as_ref(), &outcomes) {
                outcomes.push(None);
                step_results.push(None);
                step_errors.push(None);
                continue;
            }
            let started = Instant::now();
            match self.session.execute(&sql, &params) {
                Ok(result) => match stmt_result(&sql, result, started) {
                    Ok(mut result) => {
                        result.replication_index = None;
                        outcomes.push(Some(true));
                        step_results.push(Some(result));
                        step_errors.push(None);
                    }
                    Err(RequestError::Stmt(e)) => {
                        outcomes.push(Some(false));
                        step_results.push(None);
                        step_errors.push(Some(e));
                    }
                    Err(e) => return Err(e),
                },
                Err(e) => {
                    outcomes.push(Some(false));
                    step_results.push(None);
                    step_errors.push(Some(stmt_error(&e, &sql)));
                }
            }
        }
        Ok(hrana::BatchResult {
            step_results,
            step_errors,
            replication_index: None,
        })
    }

    /// Runs a batch for a cursor, handing entries to `emit` as they are produced; `steps`
    /// come from [`StreamState::prepare_batch`]. Stops early when `emit` fails (the
    /// client went away).
    pub fn cursor(
        &mut self,
        batch: &hrana::Batch,
        steps: Vec<(String, Params)>,
        emit: &mut dyn FnMut(hrana::CursorEntry) -> Result<(), EngineError>,
    ) {
        let mut outcomes: Vec<Option<bool>> = Vec::with_capacity(steps.len());
        for (index, (step, (sql, params))) in batch.steps.iter().zip(steps).enumerate() {
            if !self.condition_holds(step.condition.as_ref(), &outcomes) {
                outcomes.push(None);
                continue;
            }
            let step_no = u32::try_from(index).expect("batch sizes fit in u32");
            let cols = match self.session.describe(&sql) {
                Ok(info) => cols(&info.columns),
                Err(_) => Vec::new(),
            };
            if emit(hrana::CursorEntry::StepBegin(hrana::StepBeginEntry {
                step: step_no,
                cols,
            }))
            .is_err()
            {
                return;
            }
            let result = self.session.query_with(&sql, &params, |row| {
                emit(hrana::CursorEntry::Row {
                    row: row.into_iter().map(to_wire).collect(),
                })
            });
            match result {
                Ok(result) => {
                    outcomes.push(Some(true));
                    let last_insert_rowid = inserted_rowid(&sql, &result);
                    let entry = hrana::CursorEntry::StepEnd(hrana::StepEndEntry {
                        affected_row_count: result.rows_affected,
                        last_insert_rowid,
                    });
                    if emit(entry).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    outcomes.push(Some(false));
                    let error = stmt_error(&e, &sql);
                    let entry = hrana::CursorEntry::StepError(hrana::StepErrorEntry {
                        step: step_no,
                        error,
                    });
                    if emit(entry).is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// `sequence`: parses the whole script first, then runs it up to the first error.
    pub fn sequence(&mut self, sql: &str) -> Result<(), RequestError> {
        check_script_syntax(sql)?;
        let mut rest = sql;
        while let Some((stmt, tail)) = split_first_statement(rest) {
            rest = tail;
            match self.session.execute(stmt, &Params::None) {
                Ok(_) | Err(EngineError::EmptyStatement) => {}
                Err(e) => return Err(RequestError::Stmt(stmt_error(&e, stmt))),
            }
        }
        Ok(())
    }

    /// `describe`.
    pub fn describe(&mut self, sql: &str) -> Result<hrana::DescribeResult, RequestError> {
        let info = self.session.describe(sql).map_err(|e| match &e {
            EngineError::Sqlite(s) => RequestError::Stmt(hrana::Error::new(
                format!(
                    "SQL input error: {} (at offset {})",
                    s.message,
                    s.offset.unwrap_or(0)
                ),
                "SQL_INPUT_ERROR",
            )),
            other => RequestError::Stmt(stmt_error(other, sql)),
        })?;
        Ok(hrana::DescribeResult {
            params: info
                .params
                .into_iter()
                .map(|name| hrana::DescribeParam { name })
                .collect(),
            cols: info
                .columns
                .into_iter()
                .map(|c| hrana::DescribeCol {
                    name: c.name,
                    decltype: c.decltype,
                })
                .collect(),
            is_explain: info.is_explain,
            is_readonly: info.readonly,
        })
    }

    /// Takes every (resolved) step's SQL and parameters and checks what libSQL's server
    /// checks before running anything.
    pub fn prepare_batch(
        &self,
        batch: &hrana::Batch,
    ) -> Result<Vec<(String, Params)>, RequestError> {
        let mut steps = Vec::with_capacity(batch.steps.len());
        for step in &batch.steps {
            let sql = resolved_sql(&step.stmt)?.to_owned();
            let params = stmt_params(&step.stmt)?;
            if let Err(e) = self.session.check(&sql)
                && is_batch_level(&e)
            {
                return Err(RequestError::Stmt(stmt_error(&e, &sql)));
            }
            steps.push((sql, params));
        }
        Ok(steps)
    }

    fn condition_holds(&self, cond: Option<&hrana::BatchCond>, outcomes: &[Option<bool>]) -> bool {
        let Some(cond) = cond else { return true };
        let autocommit = self.session.is_autocommit();
        cond.eval_with(
            &|step| outcomes.get(step as usize).copied().flatten(),
            autocommit,
        )
    }
}

/// Errors that fail a whole batch before it runs, as libSQL's server parses every step
/// first. Errors that depend on the schema (a table created by an earlier step) are not.
fn is_batch_level(e: &EngineError) -> bool {
    match e {
        EngineError::EmptyStatement | EngineError::MultipleStatements => true,
        EngineError::Sqlite(s) => s.is_syntax_error(),
        _ => false,
    }
}

/// The SQL of a statement that [`resolve_stmt`] has seen.
fn resolved_sql(stmt: &hrana::Stmt) -> Result<&str, RequestError> {
    stmt.sql
        .as_deref()
        .ok_or_else(|| RequestError::Protocol(hrana::ProtocolError::SqlMissing.to_string()))
}

fn stmt_params(stmt: &hrana::Stmt) -> Result<Params, RequestError> {
    match (stmt.args.is_empty(), stmt.named_args.is_empty()) {
        (true, true) => Ok(Params::None),
        (false, true) => Ok(Params::Positional(
            stmt.args.iter().cloned().map(from_wire).collect(),
        )),
        (true, false) => Ok(Params::Named(
            stmt.named_args
                .iter()
                .map(|a| (a.name.clone(), from_wire(a.value.clone())))
                .collect(),
        )),
        (false, false) => Err(RequestError::Stmt(hrana::Error::new(
            "Specifying both positional and named arguments is not supported",
            "ARGS_BOTH_POSITIONAL_AND_NAMED",
        ))),
    }
}

/// An engine value on the wire.
pub fn to_wire(v: basalt_engine::Value) -> hrana::Value {
    match v {
        basalt_engine::Value::Null => hrana::Value::Null,
        basalt_engine::Value::Integer(i) => hrana::Value::Integer(i),
        basalt_engine::Value::Real(f) => hrana::Value::Float(f),
        basalt_engine::Value::Text(t) => hrana::Value::Text(t),
        basalt_engine::Value::Blob(b) => hrana::Value::Blob(b),
    }
}

/// A wire value for the engine.
pub fn from_wire(v: hrana::Value) -> basalt_engine::Value {
    match v {
        hrana::Value::Null => basalt_engine::Value::Null,
        hrana::Value::Integer(i) => basalt_engine::Value::Integer(i),
        hrana::Value::Float(f) => basalt_engine::Value::Real(f),
        hrana::Value::Text(t) => basalt_engine::Value::Text(t),
        hrana::Value::Blob(b) => basalt_engine::Value::Blob(b),
    }
}

fn cols(columns: &[basalt_engine::Column]) -> Vec<hrana::Col> {
    columns
        .iter()
        .map(|c| hrana::Col {
            name: Some(c.name.clone()),
            decltype: c.decltype.clone(),
        })
        .collect()
}

/// libSQL's server reports `last_insert_rowid` only for INSERT and REPLACE statements.
fn inserted_rowid(sql: &str, result: &QueryResult) -> Option<i64> {
    let inserts = first_keyword_is(sql, &["INSERT", "REPLACE"])
        || (!result.readonly
            && first_keyword_is(sql, &["WITH"])
            && sql.to_ascii_uppercase().contains("INSERT"));
    inserts.then_some(result.last_insert_rowid)
}

/// The wire result; a float JSON cannot carry (±inf) fails the statement rather than
/// reaching clients as `null`, which they reject.
fn stmt_result(
    sql: &str,
    result: QueryResult,
    started: Instant,
) -> Result<hrana::StmtResult, RequestError> {
    let last_insert_rowid = inserted_rowid(sql, &result);
    let rows_read = result.rows_read.max(result.rows.len() as u64);
    let result = hrana::StmtResult {
        cols: cols(&result.columns),
        rows: result
            .rows
            .into_iter()
            .map(|row| row.into_iter().map(to_wire).collect())
            .collect(),
        affected_row_count: result.rows_affected,
        last_insert_rowid,
        replication_index: None,
        rows_read,
        rows_written: result.rows_affected,
        query_duration_ms: started.elapsed().as_micros() as f64 / 1000.0,
    };
    result.check_json_encodable().map_err(|e| {
        RequestError::Stmt(hrana::Error::new(
            format!("SQLite error: {e}"),
            "SQLITE_MISMATCH",
        ))
    })?;
    Ok(result)
}

/// The Hrana error for a failed statement, with libSQL's codes and texts.
pub fn stmt_error(e: &EngineError, sql: &str) -> hrana::Error {
    match e {
        EngineError::EmptyStatement => hrana::Error::new(
            "SQL string does not contain any statement",
            "SQL_NO_STATEMENT",
        ),
        EngineError::MultipleStatements => hrana::Error::new(
            "SQL string contains more than one statement",
            "SQL_MANY_STATEMENTS",
        ),
        e if e.is_parameter_error() => hrana::Error::new(
            format!("Arguments do not match SQL parameters: {e}"),
            "ARGS_INVALID",
        ),
        EngineError::Sqlite(s) if s.is_syntax_error() => hrana::Error::new(
            format!(
                "SQL string could not be parsed: {}",
                describe_syntax_error(s, sql)
            ),
            "SQL_PARSE_ERROR",
        ),
        EngineError::Sqlite(s) => hrana::Error::new(
            format!("SQLite error: {}", s.message),
            hrana::sqlite_error_code(s.primary_code()),
        ),
        other => hrana::Error::new(format!("SQLite error: {other}"), "SQLITE_UNKNOWN"),
    }
}

/// "syntax error around L1:6: `SELEC`": the line and the column just past the token.
fn describe_syntax_error(e: &basalt_engine::SqliteError, sql: &str) -> String {
    match (e.syntax_error_token(), e.offset) {
        (Some(token), Some(offset)) if offset <= sql.len() => {
            let before = &sql[..offset];
            let line = before.matches('\n').count() + 1;
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            let column = before[line_start..].chars().count() + token.chars().count() + 1;
            format!("syntax error around L{line}:{column}: `{token}`")
        }
        _ => e.message.clone(),
    }
}

thread_local! {
    /// An empty database to parse statements against without touching real data.
    static CHECKER: Option<basalt_engine::Connection> =
        basalt_engine::Connection::open_in_memory().ok();
}

/// Parses one statement without running it. Only errors that do not depend on the schema
/// (syntax, empty or several statements) are reported.
pub fn check_syntax(sql: &str) -> Result<(), EngineError> {
    CHECKER.with(
        |checker| match checker.as_ref().map(|c| c.is_readonly(sql)) {
            Some(Err(e)) if is_batch_level(&e) => Err(e),
            _ => Ok(()),
        },
    )
}

/// Parses every statement of a script without running it, so a syntax error anywhere
/// stops the script before its first statement.
fn check_script_syntax(sql: &str) -> Result<(), RequestError> {
    let mut rest = sql;
    while let Some((stmt, tail)) = split_first_statement(rest) {
        rest = tail;
        match check_syntax(stmt) {
            Ok(()) | Err(EngineError::EmptyStatement) => {}
            Err(e) => return Err(RequestError::Stmt(stmt_error(&e, stmt))),
        }
    }
    Ok(())
}

/// Splits off the first complete statement (through its `;`), using SQLite's own notion
/// of completeness so strings, comments and trigger bodies are respected.
fn split_first_statement(sql: &str) -> Option<(&str, &str)> {
    if sql.trim().is_empty() {
        return None;
    }
    let mut end = 0;
    for (i, c) in sql.char_indices() {
        if c == ';' && basalt_engine::is_complete(&sql[..=i]) {
            end = i + 1;
            break;
        }
    }
    if end == 0 {
        return Some((sql, ""));
    }
    Some((&sql[..end], &sql[end..]))
}
