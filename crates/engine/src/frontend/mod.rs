//! The statement front-end: recognises libSQL's SQL extensions and runs them as stock
//! SQLite operations; every other statement goes to SQLite byte for byte unchanged.
//!
//! Where it sits: `Connection::execute`, `query_with`, `describe` and `execute_script`
//! ask [`recognize`] first. It costs one scan of the leading whitespace and comments and a
//! look at the first keyword; only statements starting with `ALTER`, `CREATE … RANDOM` or
//! `BEGIN … READONLY` are tokenised further (see [`token`]). Whatever is not an extension
//! is reported as `None` and the caller prepares the original text itself.
//!
//! Extensions handled here (LIBSQL-SURFACE.md §10):
//! - `ALTER TABLE t ALTER COLUMN c TO c <definition>` ([`alter_column`]), plus Basalt's
//!   opt-in `… CHECK EXISTING` that validates existing rows;
//! - `CREATE TABLE … RANDOM ROWID` ([`random_rowid`]);
//! - `BEGIN [TRANSACTION] READONLY` / `BEGIN READONLY [TRANSACTION]`, run as
//!   `BEGIN DEFERRED` (libSQL does not enforce read-only either);
//! - vector indexes ([`vector_index`], LIBSQL-SURFACE.md §9.4): `CREATE INDEX …
//!   libsql_vector_idx(…)`, and `DROP INDEX`, `DROP TABLE` and `REINDEX name`, which look
//!   up whether they concern a vector index when they run and otherwise run unchanged.
//!
//! Invariant: every extension runs inside one transaction (a savepoint when the caller
//! already has one open) and leaves schema and data exactly as before when it fails.

pub(crate) mod alter_column;
pub(crate) mod random_rowid;
mod table_def;
pub(crate) mod token;
pub(crate) mod vector_index;

use crate::error::{Error, Result, SqliteError};
use crate::params::Params;
use crate::query::{self, QueryResult, StatementInfo};
use token::{Kind, Token};

/// A recognised libSQL extension statement.
#[derive(Debug)]
pub(crate) enum Extension {
    /// `ALTER TABLE … ALTER COLUMN …`.
    AlterColumn(alter_column::AlterColumn),
    /// `CREATE TABLE … RANDOM ROWID`.
    RandomRowid(random_rowid::CreateRandomRowid),
    /// `BEGIN … READONLY`, with the stock statement it runs as.
    BeginReadonly(String),
    /// `CREATE INDEX … libsql_vector_idx(…)`.
    CreateVectorIndex(vector_index::CreateVectorIndex),
    /// `DROP INDEX`, `DROP TABLE` or `REINDEX name`: stock SQL unless it concerns a
    /// vector index.
    VectorDdl(vector_index::VectorDdl),
    /// `CREATE TRIGGER "_basalt_vector_…"` (a dump replaying a maintenance trigger): a
    /// no-op when the trigger exists.
    MaintenanceTrigger(vector_index::CreateMaintenanceTrigger),
}

/// The first keyword of `sql` after whitespace and comments, without tokenising the
/// rest. This is the whole cost of the front-end for ordinary statements.
fn first_keyword(sql: &str) -> &str {
    let b = sql.as_bytes();
    let mut i = 0;
    loop {
        match b.get(i) {
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') => i += 1,
            Some(b'-') if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            Some(b'/') if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            _ => break,
        }
    }
    let start = i.min(b.len());
    let mut end = start;
    while end < b.len() && b[end].is_ascii_alphabetic() {
        end += 1;
    }
    &sql[start..end]
}

/// True when `haystack` contains `needle` (ASCII, case-insensitive). `needle` is upper case.
fn contains_word_ci(haystack: &str, needle: &str) -> bool {
    let n = needle.as_bytes();
    let first = n[0] | 0x20;
    let h = haystack.as_bytes();
    // Compare only where the first letter matches: one cheap test per byte.
    h.iter().enumerate().any(|(i, &b)| {
        b | 0x20 == first
            && h.get(i..i + n.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(n))
    })
}

/// Cheap test: could this text (one statement or a script) hold an extension statement?
/// False means every statement in it can go straight to SQLite. One pass over the bytes.
pub(crate) fn may_contain_extension(sql: &str) -> bool {
    let h = sql.as_bytes();
    let at = |i: usize, word: &[u8]| {
        h.get(i..i + word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
    };
    h.iter().enumerate().any(|(i, &b)| match b | 0x20 {
        b'a' => at(i, b"ALTER"),
        b'r' => at(i, b"RANDOM") || at(i, b"READONLY") || at(i, b"REINDEX"),
        b'd' => at(i, b"DROP"),
        b'l' => at(i, b"LIBSQL_VECTOR_IDX"),
        _ if b == b'_' => at(i, b"_BASALT_VECTOR_"),
        _ => false,
    })
}

/// Recognises one statement. `Ok(None)` means "ordinary SQL: give SQLite the original
/// text". Errors are syntax errors in an extension statement.
pub(crate) fn recognize(sql: &str) -> Result<Option<Extension>> {
    let keyword = first_keyword(sql);
    let candidate = if keyword.eq_ignore_ascii_case("ALTER") {
        true
    } else if keyword.eq_ignore_ascii_case("CREATE") {
        contains_word_ci(sql, "RANDOM")
            || contains_word_ci(sql, "LIBSQL_VECTOR_IDX")
            || contains_word_ci(sql, "_BASALT_VECTOR_")
    } else if keyword.eq_ignore_ascii_case("DROP") || keyword.eq_ignore_ascii_case("REINDEX") {
        true
    } else if keyword.eq_ignore_ascii_case("BEGIN") {
        contains_word_ci(sql, "READONLY")
    } else {
        false
    };
    if !candidate {
        return Ok(None);
    }
    recognize_slow(sql)
}

fn recognize_slow(sql: &str) -> Result<Option<Extension>> {
    let tokens = token::significant(sql);
    // A trigger's body holds `;`s: it is one statement up to its final `END`.
    if tokens.first().is_some_and(|t| t.is_word(sql, "CREATE")) {
        let end = tokens.len()
            - tokens
                .iter()
                .rev()
                .take_while(|t| t.kind == Kind::Semi)
                .count();
        if let Some(trigger) = vector_index::parse_trigger(sql, &tokens[..end]) {
            return Ok(Some(Extension::MaintenanceTrigger(trigger)));
        }
    }
    // Only the first statement is looked at; text after it makes the call fail the way
    // a multi-statement string fails for ordinary SQL.
    let stmt_end = tokens
        .iter()
        .position(|t| t.kind == Kind::Semi)
        .unwrap_or(tokens.len());
    let (stmt, rest) = tokens.split_at(stmt_end);
    let extension = if stmt.first().is_some_and(|t| t.is_word(sql, "ALTER")) {
        alter_column::parse(sql, stmt)?.map(Extension::AlterColumn)
    } else if stmt.first().is_some_and(|t| t.is_word(sql, "CREATE")) {
        match vector_index::parse_create(sql, stmt)? {
            Some(create) => Some(Extension::CreateVectorIndex(create)),
            None => random_rowid::parse(sql, stmt)?.map(Extension::RandomRowid),
        }
    } else if stmt
        .first()
        .is_some_and(|t| t.is_word(sql, "DROP") || t.is_word(sql, "REINDEX"))
    {
        vector_index::parse_ddl(sql, stmt).map(Extension::VectorDdl)
    } else {
        begin_readonly(sql, stmt).map(Extension::BeginReadonly)
    };
    if extension.is_some() && rest.iter().any(|t| t.kind != Kind::Semi) {
        return Err(Error::MultipleStatements);
    }
    Ok(extension)
}

/// `BEGIN READONLY [TRANSACTION]` or `BEGIN TRANSACTION READONLY` → `BEGIN DEFERRED …`.
fn begin_readonly(sql: &str, stmt: &[Token]) -> Option<String> {
    let words: Vec<&str> = stmt.iter().map(|t| t.text(sql)).collect();
    let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    let upper: Vec<&str> = upper.iter().map(String::as_str).collect();
    if stmt.iter().any(|t| t.kind != Kind::Word) {
        return None;
    }
    match upper.as_slice() {
        ["BEGIN", "READONLY"] | ["BEGIN", "TRANSACTION", "READONLY"] => {
            Some("BEGIN DEFERRED".to_owned())
        }
        ["BEGIN", "READONLY", "TRANSACTION"] => Some("BEGIN DEFERRED TRANSACTION".to_owned()),
        _ => None,
    }
}

/// Runs a recognised extension on `conn`.
pub(crate) fn execute(
    conn: &rusqlite::Connection,
    ext: &Extension,
    params: &Params,
) -> Result<QueryResult> {
    if !params.is_empty()
        && !matches!(
            ext,
            Extension::BeginReadonly(_)
                | Extension::VectorDdl(_)
                | Extension::MaintenanceTrigger(_)
        )
    {
        return Err(Error::TooManyParameters {
            expected: 0,
            given: match params {
                Params::Positional(v) => v.len(),
                Params::Named(v) => v.len(),
                Params::None => 0,
            },
        });
    }
    match ext {
        Extension::AlterColumn(alter) => alter.apply(conn)?,
        Extension::RandomRowid(create) => create.apply(conn)?,
        Extension::BeginReadonly(stock) => {
            let mut stmt = conn.prepare_cached(stock)?;
            return query::run(conn, &mut stmt, params, &mut |_| Ok(()), true);
        }
        Extension::CreateVectorIndex(create) => create.apply(conn)?,
        Extension::VectorDdl(ddl) => {
            if !ddl.apply(conn)? {
                let mut stmt = conn.prepare(&ddl.stock)?;
                return query::run(conn, &mut stmt, params, &mut |_| Ok(()), true);
            }
        }
        Extension::MaintenanceTrigger(trigger) => {
            if !trigger.apply(conn)? {
                let mut stmt = conn.prepare(trigger.stock())?;
                return query::run(conn, &mut stmt, params, &mut |_| Ok(()), true);
            }
        }
    }
    Ok(QueryResult {
        last_insert_rowid: conn.last_insert_rowid(),
        ..QueryResult::default()
    })
}

/// What `describe` reports for an extension: it is checked as SQLite checks a statement
/// when preparing it (syntax, table and column), but nothing runs.
pub(crate) fn describe(conn: &rusqlite::Connection, ext: &Extension) -> Result<StatementInfo> {
    match ext {
        Extension::AlterColumn(alter) => {
            alter.plan(conn)?;
        }
        Extension::RandomRowid(create) => create.check(conn)?,
        Extension::BeginReadonly(stock) => {
            let stmt = conn.prepare_cached(stock)?;
            return Ok(query::describe(&stmt));
        }
        Extension::CreateVectorIndex(create) => create.check()?,
        Extension::VectorDdl(ddl) => {
            let stmt = conn.prepare(&ddl.stock)?;
            return Ok(query::describe(&stmt));
        }
        Extension::MaintenanceTrigger(_) => {}
    }
    Ok(StatementInfo {
        params: Vec::new(),
        columns: Vec::new(),
        is_explain: false,
        readonly: false,
    })
}

/// An error as SQLite reports a failed statement: `SQLITE_ERROR` with a message and,
/// when known, the byte offset of the token it is about.
pub(crate) fn sql_error(message: impl Into<String>, offset: Option<usize>) -> Error {
    Error::Sqlite(SqliteError {
        extended_code: rusqlite::ffi::SQLITE_ERROR,
        message: message.into(),
        offset,
    })
}

/// `near "X": syntax error` at `token`, or `incomplete input` at the end of the text.
pub(crate) fn syntax_error(sql: &str, token: Option<&Token>) -> Error {
    match token {
        Some(t) if t.kind != Kind::Semi => sql_error(
            format!("near \"{}\": syntax error", t.text(sql)),
            Some(t.start),
        ),
        _ => sql_error("incomplete input", None),
    }
}

/// Runs `body` inside a transaction: `BEGIN IMMEDIATE … COMMIT` in autocommit mode, or a
/// savepoint inside the caller's transaction. Any error rolls everything back.
pub(crate) fn in_transaction<T>(
    conn: &rusqlite::Connection,
    body: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let outer = conn.is_autocommit();
    if outer {
        conn.execute_batch("BEGIN IMMEDIATE")?;
    } else {
        conn.execute_batch("SAVEPOINT basalt_frontend")?;
    }
    let result = body();
    match result {
        Ok(value) => {
            let done = if outer {
                conn.execute_batch("COMMIT")
            } else {
                conn.execute_batch("RELEASE basalt_frontend")
            };
            if let Err(e) = done {
                rollback(conn, outer);
                return Err(e.into());
            }
            Ok(value)
        }
        Err(e) => {
            rollback(conn, outer);
            Err(e)
        }
    }
}

fn rollback(conn: &rusqlite::Connection, outer: bool) {
    // The schema may have been edited through writable_schema; leave that mode whatever
    // happens, then undo. Errors here cannot be reported better than the original one.
    let _ = conn.execute_batch("PRAGMA writable_schema = OFF");
    if outer {
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
    } else {
        let _ = conn.execute_batch("ROLLBACK TO basalt_frontend; RELEASE basalt_frontend");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_keyword_skips_comments() {
        assert_eq!(first_keyword("  -- x\n /* y */ select 1"), "select");
        assert_eq!(first_keyword("/* unterminated"), "");
        assert_eq!(first_keyword(""), "");
    }

    #[test]
    fn ordinary_sql_is_not_recognised() {
        for sql in [
            "SELECT 1",
            "ALTER TABLE t ADD COLUMN c",
            "ALTER TABLE t RENAME COLUMN a TO b",
            "CREATE TABLE t(random, rowid_x)",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 'RANDOM ROWID'; END",
            "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT '_basalt_vector_'; END",
            "CREATE INDEX i ON t (a) WHERE b = 'libsql_vector_idx'",
            "BEGIN",
            "BEGIN IMMEDIATE",
            "SELECT 'BEGIN READONLY'",
        ] {
            assert!(recognize(sql).unwrap().is_none(), "{sql}");
        }
    }

    #[test]
    fn begin_readonly_forms() {
        for sql in [
            "BEGIN READONLY",
            "begin transaction readonly;",
            "BEGIN READONLY TRANSACTION",
        ] {
            assert!(matches!(
                recognize(sql).unwrap(),
                Some(Extension::BeginReadonly(_))
            ));
        }
    }

    #[test]
    fn quick_check_is_cheap() {
        // Not a benchmark (see the engine test `frontend::overhead`), only a guard that
        // the common case never tokenises: a statement that does not start with one of
        // the three keywords is rejected from its first word.
        assert!(
            recognize("INSERT INTO t VALUES ('ALTER TABLE x ALTER COLUMN')")
                .unwrap()
                .is_none()
        );
    }

    /// Words that make the front-end look twice, hidden where they must not count.
    fn tricky() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::sample::select(vec![
            "'ALTER TABLE t ALTER COLUMN a TO a INT'",
            "'RANDOM ROWID'",
            "\"readonly\"",
            "[random rowid]",
            "`alter`",
            "/* ALTER COLUMN x TO x; RANDOM ROWID */ 1",
            "-- BEGIN READONLY\n 2",
            "random()",
            "x'A17E'",
            "1.5e3",
            "?1",
            ":readonly",
            "'it''s; ALTER'",
        ])
        .prop_map(str::to_owned)
    }

    fn ordinary_statement() -> impl proptest::strategy::Strategy<Value = String> {
        (
            tricky(),
            tricky(),
            0usize..9,
            proptest::sample::select(vec![" ", "\n", " /* c */ ", "\t-- c\n"]),
        )
            .prop_map(|(a, b, form, ws)| match form {
                0 => format!("SELECT {a},{ws}{b}"),
                1 => format!(
                    "CREATE TABLE t{ws}(random, \"rowid x\" DEFAULT ({a}), c CHECK (c <> {b}))"
                ),
                2 => format!(
                    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT {a};{ws}SELECT {b}; END"
                ),
                3 => format!("ALTER TABLE t ADD COLUMN readonly{ws}DEFAULT ({a})"),
                4 => format!("ALTER TABLE t RENAME COLUMN random TO{ws}rowid_alter"),
                5 => format!("BEGIN{ws}IMMEDIATE"),
                6 => format!("{ws}CREATE TABLE random (a) STRICT"),
                7 => format!("CREATE VIEW v AS SELECT {a} AS alter_column{ws}FROM t"),
                _ => format!("INSERT INTO t VALUES ({a}, {b}){ws}RETURNING random"),
            })
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn ordinary_sql_passes_through_untouched(stmts in proptest::collection::vec(ordinary_statement(), 1..4)) {
            let db = rusqlite::Connection::open_in_memory().unwrap();
            db.execute_batch("CREATE TABLE t(random, rowid_alter, c)").unwrap();
            for stmt in &stmts {
                // Every statement the generator makes is stock SQL, which the front-end
                // must hand back as "not mine" so SQLite gets the original text.
                prop_assert!(recognize(stmt).unwrap().is_none(), "{}", stmt);
                let parsed = db.prepare(stmt);
                prop_assert!(
                    !matches!(&parsed, Err(e) if e.to_string().contains("syntax error")),
                    "generator made invalid SQL: {} {:?}", stmt, parsed.err()
                );
            }
            // As a script: split points agree with sqlite3_complete and lose no byte.
            let script = stmts.join(";\n");
            let pieces = token::split_statements(&script);
            prop_assert_eq!(pieces.iter().map(|r| &script[r.clone()]).collect::<String>(), script.clone());
            prop_assert_eq!(pieces.len(), stmts.len());
            for r in &pieces[..pieces.len() - 1] {
                prop_assert!(crate::is_complete(&script[r.clone()]));
            }
        }

        #[test]
        fn tokens_always_cover_the_input(sql in "\\PC{0,64}") {
            let joined: String = token::Tokenizer::new(&sql).map(|t| t.text(&sql)).collect();
            prop_assert_eq!(joined, sql.clone());
            let _ = recognize(&sql);
        }
    }

    /// Measures the front-end's cost on ordinary statements:
    /// `cargo test -p basalt-engine --release --lib frontend_overhead -- --ignored --nocapture`.
    #[test]
    #[ignore = "a measurement, not a check"]
    fn frontend_overhead() {
        let stmts = [
            "SELECT * FROM t WHERE id = ?",
            "INSERT INTO t (a, b) VALUES (?, ?)",
            "  /* comment */ UPDATE t SET a = a + 1 WHERE id = 7",
            "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, a TEXT, b BLOB)",
            "BEGIN IMMEDIATE",
        ];
        let rounds = 1_000_000;
        for sql in stmts {
            let start = std::time::Instant::now();
            for _ in 0..rounds {
                assert!(recognize(std::hint::black_box(sql)).unwrap().is_none());
            }
            let per = start.elapsed().as_nanos() as f64 / rounds as f64;
            println!("{per:7.1} ns  {sql}");
        }
        let script = "CREATE TABLE a(x); INSERT INTO a VALUES (1); SELECT * FROM a;".repeat(20);
        let start = std::time::Instant::now();
        for _ in 0..10_000 {
            assert!(!may_contain_extension(std::hint::black_box(&script)));
        }
        println!(
            "{:7.1} ns  script scan ({} bytes)",
            start.elapsed().as_nanos() as f64 / 10_000.0,
            script.len()
        );
    }
}
