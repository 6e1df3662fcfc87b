//! `.dump`: the script loads into a fresh database with identical content.

use basalt_engine::{Connection, OpenOptions, Params, Value};

use crate::common::{shell, temp_db};

const TRICKY: &str = "\
create table t(id integer primary key autoincrement, s text, r real, b blob, i integer, a any);
insert into t(s, r, b, i, a) values
  ('it''s \"quoted\"', 0.1, x'00ff10', 9223372036854775807, 1),
  ('line one' || char(10) || 'line two' || char(13) || char(10) || 'end', 1e300, x'', -9223372036854775808, 'text'),
  ('unicode: é 漢字 🚀', -0.0, NULL, 0, 2.5),
  ('backslash \\n is not a newline', 5e-324, zeroblob(3), NULL, x'cafe'),
  (NULL, NULL, NULL, NULL, NULL),
  ('', 1.0 / 3, x'41', 42, ''),
  ('big', 1.7976931348623157e308, x'00', 1, -1e-300);
delete from t where s = 'big';
with recursive n(k) as (select 1 union all select k + 1 from n where k < 300)
  insert into t(s, r, a) select 'random ' || k, random() / 7.0, random() * 1e-200 from n;
create table \"odd \"\"name\"\"\"(\"select\", x);
insert into \"odd \"\"name\"\"\" values ('keyword column', 1);
create table log(msg);
create index t_s on t(s);
create unique index t_i on t(i) where i is not null;
create view v as select id, s from t where r > 0;
create trigger t_log after insert on t begin insert into log values (new.s); end;
";

/// Every table's rows in rowid order, with each value's type.
fn content(path: &std::path::Path) -> Vec<(String, Vec<Vec<Value>>)> {
    let conn = Connection::open(path, &OpenOptions::read_only()).expect("open database");
    let tables = conn
        .execute(
            "select name from sqlite_schema where type = 'table' order by name",
            &Params::None,
        )
        .expect("list tables");
    tables
        .rows
        .into_iter()
        .map(|row| {
            let Value::Text(name) = &row[0] else {
                panic!("table name is text")
            };
            let quoted = format!("\"{}\"", name.replace('"', "\"\""));
            let rows = conn
                .execute(
                    &format!("select * from {quoted} order by rowid"),
                    &Params::None,
                )
                .expect("read table")
                .rows;
            (name.clone(), rows)
        })
        .collect()
}

fn schema(path: &std::path::Path) -> Vec<Vec<Value>> {
    let conn = Connection::open(path, &OpenOptions::read_only()).expect("open database");
    conn.execute(
        "select type, name, tbl_name, sql from sqlite_schema order by name",
        &Params::None,
    )
    .expect("read schema")
    .rows
}

#[test]
fn dump_round_trips_tricky_values() {
    let (_dir, source) = temp_db();
    shell(&source, TRICKY).ok();
    let script = shell(&source, ".dump\n").ok();
    assert!(
        script.starts_with("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n"),
        "{script}"
    );
    assert!(script.ends_with("COMMIT;\n"), "{script}");
    assert!(
        script.contains(
            "INSERT INTO t VALUES(1,'it''s \"quoted\"',0.1,X'00ff10',9223372036854775807,1);"
        ),
        "{script}"
    );
    assert!(
        script.contains("DELETE FROM sqlite_sequence;\n"),
        "{script}"
    );
    assert!(
        script.contains("INSERT INTO sqlite_sequence VALUES('t',307);\n"),
        "{script}"
    );
    // One statement per line: newlines in values are spelled char(10).
    assert!(script.lines().all(|l| l.ends_with(';')), "{script}");

    let (_dir2, copy) = temp_db();
    shell(&copy, &script).ok();
    assert_eq!(content(&copy), content(&source));
    assert_eq!(schema(&copy).len(), schema(&source).len());
    let mut copied = schema(&copy);
    let mut original = schema(&source);
    copied.sort_by_key(|r| format!("{r:?}"));
    original.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(copied, original);

    // The AUTOINCREMENT counter survived (the deleted row's id is not reused) and the
    // trigger still fires.
    let out = shell(
        &copy,
        "insert into t(s) values ('new');\nselect max(id) from t;\nselect count(*) from log;\n",
    )
    .ok();
    assert_eq!(out, "308\n1\n");
}

#[test]
fn dump_of_one_table() {
    let (_dir, source) = temp_db();
    shell(
        &source,
        "create table a(x); insert into a values (1); create table b(y); insert into b values (2);",
    )
    .ok();
    let script = shell(&source, ".dump b\n").ok();
    assert_eq!(
        script,
        "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE b(y);\nINSERT INTO b VALUES(2);\nCOMMIT;\n"
    );
}

#[test]
fn dump_of_an_empty_database() {
    let (_dir, source) = temp_db();
    assert_eq!(
        shell(&source, ".dump\n").ok(),
        "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCOMMIT;\n"
    );
}
