//! `.tables`, `.schema`, `.read`, `.timer`, `.help`, `.quit`, `.exit`.

use crate::common::{shell, shell_memory, temp_db};

const SCHEMA: &str = "\
create table t(id integer primary key autoincrement, s text);
create index ti on t(s);
create view v as select * from t;
create trigger tr after insert on t begin select 1; end;
create table \"odd name\"(x);
";

#[test]
fn tables_lists_tables_and_views_in_columns() {
    let out = shell_memory(&format!("{SCHEMA}.tables\n")).ok();
    assert_eq!(out, "odd name  t         v       \n");
    let out = shell_memory(&format!("{SCHEMA}.tables o%\n")).ok();
    assert_eq!(out, "odd name\n");
}

#[test]
fn tables_wraps_at_eighty_columns() {
    let names: String = (0..12)
        .map(|i| format!("create table table_number_{i:02}(x);\n"))
        .collect();
    let out = shell_memory(&format!("{names}.tables\n")).ok();
    // Names are 15 wide, so five fit on a line; they run down the columns.
    assert_eq!(
        out,
        "\
table_number_00  table_number_03  table_number_06  table_number_09
table_number_01  table_number_04  table_number_07  table_number_10
table_number_02  table_number_05  table_number_08  table_number_11
"
    );
}

#[test]
fn schema_prints_create_statements() {
    let out = shell_memory(&format!("{SCHEMA}.schema\n")).ok();
    assert_eq!(
        out,
        "\
CREATE TABLE t(id integer primary key autoincrement, s text);
CREATE TABLE sqlite_sequence(name,seq);
CREATE INDEX ti on t(s);
CREATE VIEW v as select * from t;
CREATE TRIGGER tr after insert on t begin select 1; end;
CREATE TABLE \"odd name\"(x);
"
    );
}

#[test]
fn schema_of_one_table_includes_its_indexes_and_triggers() {
    let out = shell_memory(&format!("{SCHEMA}.schema t\n")).ok();
    assert_eq!(
        out,
        "\
CREATE TABLE t(id integer primary key autoincrement, s text);
CREATE INDEX ti on t(s);
CREATE TRIGGER tr after insert on t begin select 1; end;
"
    );
}

#[test]
fn read_runs_a_script_file() {
    let (dir, db) = temp_db();
    let script = dir.path().join("script.sql");
    std::fs::write(
        &script,
        "create table t(x);\ninsert into t values (1),\n (2);\n.mode csv\nselect * from t;\n",
    )
    .expect("write script");
    let out = shell(
        &db,
        &format!(".read {}\nselect count(*) from t;\n", script.display()),
    )
    .ok();
    // The mode set inside the file stays in effect afterwards.
    assert_eq!(out, "1\r\n2\r\n2\r\n");
}

#[test]
fn read_of_a_missing_file_fails() {
    let run = shell_memory(".read /no/such/file.sql\nselect 1;\n");
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("Error: cannot open \"/no/such/file.sql\""),
        "{}",
        run.stderr
    );
}

#[test]
fn error_inside_read_stops_everything() {
    let (dir, db) = temp_db();
    let script = dir.path().join("bad.sql");
    std::fs::write(&script, "select 1;\nselect nope;\nselect 2;\n").expect("write script");
    let run = shell(&db, &format!(".read {}\nselect 3;\n", script.display()));
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "1\n");
    assert_eq!(run.stderr, "Error: near line 2: no such column: nope\n");
}

#[test]
fn timer_reports_each_statement() {
    let out = shell_memory(".timer on\nselect 1; select 2;\n.timer off\nselect 3;\n").ok();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert_eq!(lines[0], "1");
    assert_eq!(lines[2], "2");
    assert_eq!(lines[4], "3");
    for line in [lines[1], lines[3]] {
        let seconds = line.strip_prefix("Run Time: real ").expect("timer line");
        let (whole, fraction) = seconds.split_once('.').expect("seconds with a fraction");
        assert!(
            whole.parse::<u64>().is_ok() && fraction.len() == 3,
            "{line}"
        );
    }
}

#[test]
fn help_lists_the_commands() {
    let out = shell_memory(".help\n").ok();
    for command in [
        ".dump",
        ".headers",
        ".import",
        ".mode",
        ".nullvalue",
        ".quit",
        ".read",
        ".schema",
        ".separator",
        ".tables",
        ".timer",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(command)),
            "{command} missing from:\n{out}"
        );
    }
}

#[test]
fn quit_stops_reading() {
    assert_eq!(shell_memory("select 1;\n.quit\nselect 2;\n").ok(), "1\n");
    assert_eq!(shell_memory("select 1;\n.exit\nselect 2;\n").ok(), "1\n");
}

#[test]
fn exit_with_a_code() {
    let run = shell_memory(".exit 3\n");
    assert_eq!(run.code, 3);
    assert_eq!(run.stderr, "");
}

#[test]
fn dot_command_with_wrong_arguments_shows_usage() {
    let run = shell_memory(".headers\n");
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "Error: usage: .headers on|off\n");
}
