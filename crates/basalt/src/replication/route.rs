//! Where a replica runs a statement (LIBSQL-SURFACE.md §8.7): reads on the local file,
//! everything that writes or opens a write transaction on the primary. Shared by the
//! SDK's replica connections and the read-replica server.

/// Where a statement runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// On the local replica file.
    Local,
    /// On the primary, through `proxy.Proxy/Execute`.
    Primary,
}

/// Decides where `sql` runs. `remote_txn`: the primary reports this client inside a
/// transaction; `local_txn`: the local connection has a (read-only) transaction open;
/// `is_readonly`: SQLite's verdict on the statement, `None` when the replica cannot
/// prepare it (a table it has not received yet), which sends it to the primary.
pub fn route(
    sql: &str,
    remote_txn: bool,
    local_txn: bool,
    is_readonly: impl FnOnce() -> Option<bool>,
) -> Route {
    if remote_txn {
        return Route::Primary;
    }
    match classify(sql) {
        Kind::BeginReadonly => Route::Local,
        // Inside a local transaction SQLite answers (with its nesting error).
        Kind::Begin | Kind::Savepoint if local_txn => Route::Local,
        Kind::Begin | Kind::Savepoint => Route::Primary,
        Kind::End | Kind::Empty => Route::Local,
        Kind::Other if local_txn => Route::Local,
        Kind::Other => match is_readonly() {
            Some(true) => Route::Local,
            Some(false) | None => Route::Primary,
        },
    }
}

/// What a statement does to transactions, from its leading keywords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE] [TRANSACTION]`.
    Begin,
    /// libSQL's `BEGIN [TRANSACTION] READONLY`.
    BeginReadonly,
    /// `SAVEPOINT`: opens a transaction when none is open.
    Savepoint,
    /// `COMMIT`, `END`, `ROLLBACK`, `RELEASE`.
    End,
    /// Only whitespace and comments.
    Empty,
    /// Anything else.
    Other,
}

/// Classifies `sql` by its leading keywords (comments and whitespace skipped).
pub fn classify(sql: &str) -> Kind {
    let mut words = leading_words(sql).into_iter();
    match words.next().as_deref() {
        None => Kind::Empty,
        Some("BEGIN") => {
            if words.any(|w| w == "READONLY") {
                Kind::BeginReadonly
            } else {
                Kind::Begin
            }
        }
        Some("SAVEPOINT") => Kind::Savepoint,
        Some("COMMIT" | "END" | "ROLLBACK" | "RELEASE") => Kind::End,
        Some(_) => Kind::Other,
    }
}

/// Up to four leading keywords, upper-cased, skipping whitespace and comments; stops at
/// the first character that is not part of a word.
fn leading_words(sql: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = sql;
    while words.len() < 4 {
        rest = skip_space_and_comments(rest);
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            break;
        }
        words.push(rest[..len].to_ascii_uppercase());
        rest = &rest[len..];
    }
    words
}

fn skip_space_and_comments(mut s: &str) -> &str {
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix("--") {
            s = rest.find('\n').map_or("", |i| &rest[i + 1..]);
        } else if let Some(rest) = s.strip_prefix("/*") {
            s = rest.find("*/").map_or("", |i| &rest[i + 2..]);
        } else {
            return s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_transaction_control() {
        assert_eq!(classify("BEGIN"), Kind::Begin);
        assert_eq!(classify("  begin immediate;"), Kind::Begin);
        assert_eq!(classify("BEGIN READONLY"), Kind::BeginReadonly);
        assert_eq!(
            classify("/* x */ begin -- c\n transaction readonly"),
            Kind::BeginReadonly
        );
        assert_eq!(classify("SAVEPOINT a"), Kind::Savepoint);
        assert_eq!(classify("commit"), Kind::End);
        assert_eq!(classify("END TRANSACTION"), Kind::End);
        assert_eq!(classify("ROLLBACK TO a"), Kind::End);
        assert_eq!(classify("-- only a comment"), Kind::Empty);
        assert_eq!(classify(""), Kind::Empty);
        assert_eq!(classify("SELECT 1"), Kind::Other);
        assert_eq!(classify("beginning"), Kind::Other);
    }

    #[test]
    fn routes_writes_and_write_transactions_to_the_primary() {
        let ro = || Some(true);
        let rw = || Some(false);
        assert_eq!(route("SELECT 1", false, false, ro), Route::Local);
        assert_eq!(
            route("INSERT INTO t VALUES (1)", false, false, rw),
            Route::Primary
        );
        assert_eq!(
            route("SELECT * FROM unknown", false, false, || None),
            Route::Primary
        );
        assert_eq!(route("BEGIN", false, false, ro), Route::Primary);
        assert_eq!(route("BEGIN READONLY", false, false, ro), Route::Local);
        assert_eq!(route("SELECT 1", true, false, ro), Route::Primary);
        assert_eq!(route("COMMIT", false, true, ro), Route::Local);
    }
}
