//! `.import FILE TABLE`: CSV into a new or an existing table.

use crate::common::{shell, temp_db};

const CSV: &str = "\
name,note,qty\r
plain,simple,1\r
\"comma, inside\",\"quote \"\"here\"\"\",2\r
multi,\"line one\r
line two\",3\r
empty,,4\r
";

#[test]
fn import_into_a_new_table_uses_the_header() {
    let (dir, db) = temp_db();
    let csv = dir.path().join("data.csv");
    std::fs::write(&csv, CSV).expect("write csv");
    let out = shell(
        &db,
        &format!(
            ".import {} items\n.mode json\nselect * from items;\n.schema items\n",
            csv.display()
        ),
    )
    .ok();
    assert_eq!(
        out,
        "[{\"name\":\"plain\",\"note\":\"simple\",\"qty\":\"1\"},\n\
         {\"name\":\"comma, inside\",\"note\":\"quote \\\"here\\\"\",\"qty\":\"2\"},\n\
         {\"name\":\"multi\",\"note\":\"line one\\r\\nline two\",\"qty\":\"3\"},\n\
         {\"name\":\"empty\",\"note\":\"\",\"qty\":\"4\"}]\n\
         CREATE TABLE \"items\"(\"name\" TEXT, \"note\" TEXT, \"qty\" TEXT);\n"
    );
}

#[test]
fn import_into_an_existing_table_reads_every_row_as_data() {
    let (dir, db) = temp_db();
    let csv = dir.path().join("data.csv");
    std::fs::write(&csv, "1,one\n2,\"t,wo\"\n").expect("write csv");
    let out = shell(
        &db,
        &format!(
            "create table n(k integer, v text);\n.import {} n\nselect k, typeof(k), v from n;\n",
            csv.display()
        ),
    )
    .ok();
    assert_eq!(out, "1|integer|one\n2|integer|t,wo\n");
}

#[test]
fn import_skip_and_ragged_rows() {
    let (dir, db) = temp_db();
    let csv = dir.path().join("data.csv");
    std::fs::write(&csv, "junk line\n1,a\n2\n3,c,extra\n").expect("write csv");
    let run = shell(
        &db,
        &format!(
            "create table n(k, v);\n.import --csv --skip 1 {} n\n.nullvalue NULL\nselect * from n;\n",
            csv.display()
        ),
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "1|a\n2|NULL\n3|c\n");
    assert!(
        run.stderr
            .contains(":3: expected 2 columns but found 1 - filling the rest with NULL"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(":4: expected 2 columns but found 3 - extras ignored"),
        "{}",
        run.stderr
    );
}

#[test]
fn import_failure_leaves_the_table_unchanged() {
    let (dir, db) = temp_db();
    let csv = dir.path().join("data.csv");
    std::fs::write(&csv, "1\n2\n1\n").expect("write csv");
    let run = shell(
        &db,
        &format!("create table u(k unique);\n.import {} u\n", csv.display()),
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains(":3: INSERT failed: UNIQUE constraint failed: u.k"),
        "{}",
        run.stderr
    );
    assert_eq!(shell(&db, "select count(*) from u;").ok(), "0\n");
}

#[test]
fn import_of_a_missing_file() {
    let (_dir, db) = temp_db();
    let run = shell(&db, ".import /no/such.csv t\n");
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .starts_with("Error: cannot open \"/no/such.csv\""),
        "{}",
        run.stderr
    );
}
