//! `CREATE TABLE … RANDOM ROWID` (libSQL): rows inserted without an explicit rowid get a
//! pseudo-random positive 64-bit rowid.
//!
//! Storage: the table is created from the statement without the option (so the file stays
//! readable by stock SQLite), and the property lives in two triggers on the table, stored
//! in the same database file:
//!
//! ```sql
//! CREATE TRIGGER "_basalt_random_rowid_t_before" BEFORE INSERT ON "t" FOR EACH ROW
//!   BEGIN SELECT basalt_random_rowid_mark(NEW.rowid = -1); END;
//! CREATE TRIGGER "_basalt_random_rowid_t_after" AFTER INSERT ON "t" FOR EACH ROW
//!   WHEN basalt_random_rowid_take()
//!   BEGIN UPDATE "t" SET rowid = basalt_random_rowid_new() WHERE rowid = NEW.rowid; END;
//! ```
//!
//! Why triggers: they are schema objects, so they are transactional, replicated with the
//! pages, copied by `.dump`, follow `ALTER TABLE … RENAME TO` and disappear with
//! `DROP TABLE`, with no side table to keep in step. Stock SQLite offers no hook into
//! rowid allocation, so the row is re-keyed right after it is inserted. A BEFORE INSERT
//! trigger sees `NEW.rowid = -1` exactly when SQLite is about to choose the rowid itself;
//! it records that in per-connection state that the AFTER trigger of the same row reads
//! (SQLite runs a row's BEFORE triggers, inserts it, then runs its AFTER triggers before
//! the next row), so an explicit rowid is kept.
//!
//! `basalt_random_rowid_new()` draws the rowid and remembers it for the statement, so the
//! engine can report it as `last_insert_rowid` afterwards (SQLite restores the value a
//! trigger sets when the trigger ends).
//!
//! Known differences from libSQL (documented in docs/SQL-EXTENSIONS.md): `RETURNING rowid`
//! reports the rowid before re-keying; an explicit rowid of -1 is treated as "no rowid";
//! UPDATE triggers on the table fire for the re-keying.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::functions::FunctionFlags;

use super::token::{self, Kind, Token, quote_id};
use super::{in_transaction, sql_error};
use crate::error::Result;

/// A parsed `CREATE TABLE … RANDOM ROWID`.
#[derive(Debug)]
pub(crate) struct CreateRandomRowid {
    /// The statement without the `RANDOM ROWID` option.
    stock_sql: String,
    /// Schema written in the statement (`temp` for `CREATE TEMP TABLE`).
    schema: Option<String>,
    table: String,
}

/// Recognises the statement; `Ok(None)` when it has no `RANDOM …` table option.
pub(crate) fn parse(sql: &str, t: &[Token]) -> Result<Option<CreateRandomRowid>> {
    let mut i = 1;
    let temp = t
        .get(i)
        .is_some_and(|w| w.is_word(sql, "TEMP") || w.is_word(sql, "TEMPORARY"));
    if temp {
        i += 1;
    }
    if !t.get(i).is_some_and(|w| w.is_word(sql, "TABLE")) {
        return Ok(None);
    }
    i += 1;
    if t.get(i).is_some_and(|w| w.is_word(sql, "IF")) {
        i += 3;
    }
    let (mut schema, table) = match (t.get(i), t.get(i + 1), t.get(i + 2)) {
        (Some(s), Some(d), Some(n)) if s.is_name() && d.kind == Kind::Dot && n.is_name() => {
            i += 3;
            (
                Some(token::dequote(s.text(sql))),
                token::dequote(n.text(sql)),
            )
        }
        (Some(n), _, _) if n.is_name() => {
            i += 1;
            (None, token::dequote(n.text(sql)))
        }
        _ => return Ok(None),
    };
    if temp {
        schema = Some("temp".to_owned());
    }
    if !t.get(i).is_some_and(|p| p.kind == Kind::LParen) {
        return Ok(None); // CREATE TABLE … AS SELECT has no table options
    }
    let open = i;
    let mut depth = 0usize;
    let mut close = None;
    for (j, tok) in t.iter().enumerate().skip(open) {
        match tok.kind {
            Kind::LParen => depth += 1,
            Kind::RParen => {
                depth -= 1;
                if depth == 0 {
                    close = Some(j);
                    break;
                }
            }
            _ => {}
        }
    }
    let Some(close) = close else { return Ok(None) };
    // Table options: comma-separated groups after the column list.
    let options = &t[close + 1..];
    let groups: Vec<&[Token]> = options.split(|t| t.kind == Kind::Comma).collect();
    let mut random = None;
    let mut without_rowid = false;
    for (n, group) in groups.iter().enumerate() {
        match group {
            [r, x] if r.is_word(sql, "RANDOM") => {
                if !x.is_word(sql, "ROWID") {
                    return Err(sql_error(
                        format!("unknown table option: {}", x.text(sql)),
                        None,
                    ));
                }
                random = Some(n);
            }
            [w, r] if w.is_word(sql, "WITHOUT") && r.is_word(sql, "ROWID") => without_rowid = true,
            _ => {}
        }
    }
    let Some(random) = random else {
        return Ok(None);
    };
    if t[open..close]
        .iter()
        .any(|w| w.is_word(sql, "AUTOINCREMENT"))
    {
        return Err(sql_error(
            "AUTOINCREMENT not allowed on RANDOM ROWID tables",
            None,
        ));
    }
    if without_rowid {
        // libSQL silently makes a plain WITHOUT ROWID table here (LIBSQL-SURFACE.md §10.2).
        return Err(sql_error(
            "RANDOM ROWID cannot be combined with WITHOUT ROWID: a WITHOUT ROWID table has no rowid",
            None,
        ));
    }
    // Cut the option and one comma next to it, keeping every other byte.
    let group = groups[random];
    let (cut_start, cut_end) = if groups.len() == 1 {
        (t[close].end, group[1].end)
    } else if random > 0 {
        let comma = options
            .iter()
            .rev()
            .find(|c| c.kind == Kind::Comma && c.start < group[0].start)
            .expect("a group after the first follows a comma");
        (comma.start, group[1].end)
    } else {
        let next = groups[1].first().map_or(group[1].end, |n| n.start);
        (group[0].start, next)
    };
    let stock_sql = format!("{}{}", &sql[..cut_start], &sql[cut_end..]);
    Ok(Some(CreateRandomRowid {
        stock_sql,
        schema,
        table,
    }))
}

impl CreateRandomRowid {
    /// Creates the table and its triggers in one transaction.
    pub(crate) fn apply(&self, conn: &rusqlite::Connection) -> Result<()> {
        in_transaction(conn, || {
            let existed = self.exists(conn)?;
            conn.execute_batch(&self.stock_sql)?;
            if existed {
                return Ok(()); // IF NOT EXISTS on an existing table: nothing to do
            }
            let schema = self.schema.as_deref().unwrap_or("main");
            let table: String = conn.query_row(
                "SELECT name FROM pragma_table_list WHERE schema = ?1 AND name = ?2 COLLATE NOCASE",
                (schema, &self.table),
                |r| r.get(0),
            )?;
            let before = trigger_name(conn, schema, &table, "before")?;
            let after = trigger_name(conn, schema, &table, "after")?;
            let create = if schema.eq_ignore_ascii_case("temp") {
                "CREATE TEMP TRIGGER ".to_owned()
            } else {
                format!("CREATE TRIGGER {}.", quote_id(schema))
            };
            let t = quote_id(&table);
            conn.execute_batch(&format!(
                "{create}{} BEFORE INSERT ON {t} FOR EACH ROW \
                   BEGIN SELECT basalt_random_rowid_mark(NEW.rowid = -1); END;\
                 {create}{} AFTER INSERT ON {t} FOR EACH ROW WHEN basalt_random_rowid_take() \
                   BEGIN UPDATE {t} SET rowid = basalt_random_rowid_new() \
                   WHERE rowid = NEW.rowid; END;",
                quote_id(&before),
                quote_id(&after),
            ))?;
            Ok(())
        })
    }

    /// What `describe` checks: the stock statement prepares.
    pub(crate) fn check(&self, conn: &rusqlite::Connection) -> Result<()> {
        conn.prepare(&self.stock_sql)?;
        Ok(())
    }

    fn exists(&self, conn: &rusqlite::Connection) -> Result<bool> {
        let n: i64 = conn.query_row(
            "SELECT count(*) FROM pragma_table_list WHERE name = ?1 COLLATE NOCASE \
             AND schema = ?2 COLLATE NOCASE",
            (&self.table, self.schema.as_deref().unwrap_or("main")),
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }
}

/// `_basalt_random_rowid_<table>_<when>`, with a number appended if that name is taken.
fn trigger_name(
    conn: &rusqlite::Connection,
    schema: &str,
    table: &str,
    when: &str,
) -> Result<String> {
    let base = format!("_basalt_random_rowid_{table}_{when}");
    let master = if schema.eq_ignore_ascii_case("temp") {
        "temp.sqlite_schema".to_owned()
    } else {
        format!("{}.sqlite_schema", quote_id(schema))
    };
    let mut name = base.clone();
    for n in 2.. {
        let taken: i64 = conn.query_row(
            &format!("SELECT count(*) FROM {master} WHERE name = ?1 COLLATE NOCASE"),
            [&name],
            |r| r.get(0),
        )?;
        if taken == 0 {
            break;
        }
        name = format!("{base}_{n}");
    }
    Ok(name)
}

/// Registers the two functions the triggers call. The state is per connection: a row's
/// BEFORE and AFTER triggers always run on the same connection, one row at a time.
pub(crate) fn register(conn: &rusqlite::Connection) -> Result<()> {
    let pending = Arc::new(AtomicBool::new(false));
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_INNOCUOUS;
    let mark = Arc::clone(&pending);
    conn.create_scalar_function("basalt_random_rowid_mark", 1, flags, move |ctx| {
        let auto: Option<i64> = ctx.get(0)?;
        mark.store(auto.unwrap_or(0) != 0, Ordering::Relaxed);
        Ok(rusqlite::types::Null)
    })?;
    conn.create_scalar_function("basalt_random_rowid_take", 0, flags, move |_| {
        Ok(i64::from(pending.swap(false, Ordering::Relaxed)))
    })?;
    // Not deterministic: a fresh value on every call.
    conn.create_scalar_function(
        "basalt_random_rowid_new",
        0,
        FunctionFlags::SQLITE_UTF8,
        |_| {
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes)
                .map_err(|e| rusqlite::Error::UserFunctionError(e.to_string().into()))?;
            let rowid = (i64::from_le_bytes(bytes) & i64::MAX).max(1);
            LAST_ASSIGNED.with(|last| last.set(Some(rowid)));
            Ok(rowid)
        },
    )?;
    Ok(())
}

thread_local! {
    /// The rowid the latest re-keying on this thread assigned; statements run on the
    /// thread of their connection, so the engine reads it right after the statement.
    static LAST_ASSIGNED: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

/// Takes the rowid the statement that just ran assigned to a RANDOM ROWID row, if any.
pub(crate) fn take_assigned() -> Option<i64> {
    LAST_ASSIGNED.with(std::cell::Cell::take)
}
