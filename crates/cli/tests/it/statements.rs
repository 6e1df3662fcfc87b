//! Running SQL: results, multi-line input, several statements per line.

use crate::common::{shell, shell_memory, temp_db};

#[test]
fn select_one() {
    let (_dir, db) = temp_db();
    assert_eq!(shell(&db, "select 1;").ok(), "1\n");
}

#[test]
fn list_mode_is_the_default() {
    assert_eq!(shell_memory("select 1, 'a';").ok(), "1|a\n");
    assert_eq!(
        shell_memory("select NULL, 2.5, x'414243';").ok(),
        "|2.5|ABC\n"
    );
}

#[test]
fn reals_print_as_sqlite_text() {
    let out = shell_memory("select 1.0, 0.1, 1e300, -2.5, 1.5e-5, 100.0, 1e17;").ok();
    assert_eq!(out, "1.0|0.1|1.0e+300|-2.5|1.5e-05|100.0|1.0e+17\n");
}

#[test]
fn integers_print_in_full() {
    let out = shell_memory("select 9223372036854775807, -9223372036854775808, 0;").ok();
    assert_eq!(out, "9223372036854775807|-9223372036854775808|0\n");
}

#[test]
fn statements_span_lines() {
    let out = shell_memory("select\n  1\n  +\n  2;\nselect 'a;\nb';\n").ok();
    assert_eq!(out, "3\na;\nb\n");
}

#[test]
fn several_statements_on_one_line_run_in_order() {
    let out = shell_memory(
        "create table t(x); insert into t values (1), (2); select sum(x) from t; select 'done';",
    )
    .ok();
    assert_eq!(out, "3\ndone\n");
}

#[test]
fn statements_that_return_no_rows_print_nothing() {
    let out = shell_memory(
        "create table t(x);\ninsert into t values (1);\nselect * from t where x > 5;\n",
    )
    .ok();
    assert_eq!(out, "");
}

#[test]
fn trigger_bodies_do_not_end_the_statement() {
    let input = "\
create table t(x);
create table log(y);
create trigger tr after insert on t begin
  insert into log values (new.x * 10);
  insert into log values (new.x * 100);
end;
insert into t values (1);
select y from log order by y;
";
    assert_eq!(shell_memory(input).ok(), "10\n100\n");
}

#[test]
fn comments_and_blank_lines_are_skipped() {
    let out = shell_memory("-- a comment\n\n/* block\n comment */\nselect 1; -- trailing\n").ok();
    assert_eq!(out, "1\n");
}

#[test]
fn last_statement_without_semicolon_still_runs() {
    assert_eq!(shell_memory("select 1;\nselect 2").ok(), "1\n2\n");
}

#[test]
fn changes_persist_in_the_file() {
    let (_dir, db) = temp_db();
    shell(&db, "create table t(x); insert into t values ('kept');").ok();
    assert_eq!(shell(&db, "select x from t;").ok(), "kept\n");
}
