//! Errors: SQLite's message on stderr, a non-zero exit, never a panic.

use crate::common::{basalt, shell, temp_db};

#[track_caller]
fn assert_no_panic(stderr: &str) {
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
    assert!(!stderr.contains("Sqlite("), "debug output leaked: {stderr}");
}

#[test]
fn sql_error_stops_the_script_and_keeps_earlier_effects() {
    let (_dir, db) = temp_db();
    let run = shell(
        &db,
        "create table t(x);\ninsert into t values (1);\nselect 'before';\nselect * from nope;\ninsert into t values (2);\nselect 'after';\n",
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "before\n");
    assert_eq!(run.stderr, "Error: near line 4: no such table: nope\n");
    assert_no_panic(&run.stderr);
    assert_eq!(shell(&db, "select x from t;").ok(), "1\n");
}

#[test]
fn runtime_errors_report_sqlite_message() {
    let (_dir, db) = temp_db();
    let run = shell(
        &db,
        "create table t(x unique);\ninsert into t values (1);\n\ninsert into t values (1);\n",
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "Error: near line 4: UNIQUE constraint failed: t.x\n"
    );
}

#[test]
fn syntax_error() {
    let (_dir, db) = temp_db();
    let run = shell(&db, "selec 1;\n");
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "Error: near line 1: near \"selec\": syntax error\n"
    );
}

#[test]
fn error_line_is_where_the_statement_starts() {
    let (_dir, db) = temp_db();
    let run = shell(&db, "select 1; select\n  nope;\n");
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "1\n");
    assert_eq!(run.stderr, "Error: near line 1: no such column: nope\n");
}

#[test]
fn unknown_dot_command() {
    let (_dir, db) = temp_db();
    let run = shell(&db, ".bogus\nselect 1;\n");
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "Error: unknown command or invalid arguments: \"bogus\". Enter \".help\" for help\n"
    );
}

#[test]
fn file_that_is_not_a_database() {
    let (dir, _) = temp_db();
    let path = dir.path().join("notes.txt");
    let text =
        "This is a plain text file, long enough to not look like an empty database. ".repeat(20);
    std::fs::write(&path, &text).expect("write file");
    let run = basalt(
        &["shell", path.to_str().expect("UTF-8 path")],
        "select 1;\n",
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "Error: unable to open database \"{}\": file is not a database\n",
            path.display()
        )
    );
    assert_no_panic(&run.stderr);
    assert_eq!(
        std::fs::read_to_string(&path).expect("still there"),
        text,
        "the file must not change"
    );
}

#[test]
fn path_in_a_missing_directory() {
    let (dir, _) = temp_db();
    let path = dir.path().join("missing").join("x.db");
    let run = basalt(
        &["shell", path.to_str().expect("UTF-8 path")],
        "select 1;\n",
    );
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "Error: unable to open database \"{}\": unable to open database file\n",
            path.display()
        )
    );
    assert_no_panic(&run.stderr);
}

#[test]
fn incomplete_statement_at_end_of_input() {
    let (_dir, db) = temp_db();
    let run = shell(&db, "select 1;\nselect 'open\n");
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "1\n");
    assert!(
        run.stderr.starts_with("Error: near line 2: "),
        "{}",
        run.stderr
    );
    assert_no_panic(&run.stderr);
}
