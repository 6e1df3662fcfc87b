//! `.mode`, `.headers`, `.nullvalue`, `.separator`: output formats as sqlite3 prints them.

use crate::common::shell_memory;

/// Two rows with an integer, text, NULL and a real, as in most examples below.
const QUERY: &str = "select 1 as n, 'abc' as longname, NULL as z, 2.5 as r \
                     union all select 22, 'x y', 'q', -1;";

fn run(setup: &str) -> String {
    shell_memory(&format!("{setup}\n{QUERY}\n")).ok()
}

#[test]
fn list_with_headers() {
    assert_eq!(
        run(".headers on"),
        "n|longname|z|r\n1|abc||2.5\n22|x y|q|-1\n"
    );
}

#[test]
fn list_with_separator_and_nullvalue() {
    assert_eq!(
        run(".separator ;\n.nullvalue NULL"),
        "1;abc;NULL;2.5\n22;x y;q;-1\n"
    );
    assert_eq!(run(".separator \"\\t\""), "1\tabc\t\t2.5\n22\tx y\tq\t-1\n");
}

#[test]
fn csv() {
    assert_eq!(run(".mode csv"), "1,abc,,2.5\r\n22,\"x y\",q,-1\r\n");
    assert_eq!(
        run(".mode csv\n.headers on"),
        "n,longname,z,r\r\n1,abc,,2.5\r\n22,\"x y\",q,-1\r\n"
    );
    let out = shell_memory(".mode csv\nselect 'a,b', 'say \"hi\"', '', 'two\nlines';").ok();
    assert_eq!(out, "\"a,b\",\"say \"\"hi\"\"\",\"\",\"two\nlines\"\r\n");
}

#[test]
fn json() {
    assert_eq!(
        run(".mode json"),
        "[{\"n\":1,\"longname\":\"abc\",\"z\":null,\"r\":2.5},\n\
         {\"n\":22,\"longname\":\"x y\",\"z\":\"q\",\"r\":-1}]\n"
    );
    let out = shell_memory(".mode json\nselect 'a\"b\\c' || char(10) as t;").ok();
    assert_eq!(out, "[{\"t\":\"a\\\"b\\\\c\\n\"}]\n");
}

#[test]
fn line() {
    assert_eq!(
        run(".mode line"),
        "       n = 1\nlongname = abc\n       z = \n       r = 2.5\n\n       n = 22\nlongname = x y\n       z = q\n       r = -1\n"
    );
}

#[test]
fn table() {
    let expected = "\
+----+----------+---+-----+
| n  | longname | z |  r  |
+----+----------+---+-----+
| 1  | abc      |   | 2.5 |
| 22 | x y      | q | -1  |
+----+----------+---+-----+
";
    assert_eq!(run(".mode table"), expected);
    // Table mode always shows headers.
    assert_eq!(run(".headers off\n.mode table"), expected);
}

#[test]
fn box_mode() {
    let expected = "\
┌────┬──────────┬───┬─────┐
│ n  │ longname │ z │  r  │
├────┼──────────┼───┼─────┤
│ 1  │ abc      │   │ 2.5 │
│ 22 │ x y      │ q │ -1  │
└────┴──────────┴───┴─────┘
";
    assert_eq!(run(".mode box"), expected);
}

#[test]
fn column() {
    assert_eq!(
        run(".mode column"),
        "n   longname  z  r  \n--  --------  -  ---\n1   abc          2.5\n22  x y       q  -1 \n"
    );
}

#[test]
fn markdown() {
    assert_eq!(
        run(".mode markdown"),
        "| n  | longname | z |  r  |\n|----|----------|---|-----|\n| 1  | abc      |   | 2.5 |\n| 22 | x y      | q | -1  |\n"
    );
}

#[test]
fn quote() {
    assert_eq!(run(".mode quote"), "1,'abc',NULL,2.5\n22,'x y','q',-1\n");
}

#[test]
fn mode_without_argument_reports_the_mode() {
    assert_eq!(
        shell_memory(".mode\n.mode csv\n.mode").ok(),
        "current output mode: list\ncurrent output mode: csv\n"
    );
}

#[test]
fn mode_list_restores_the_default_separator() {
    assert_eq!(
        shell_memory(".mode csv\n.mode list\nselect 1, 2;").ok(),
        "1|2\n"
    );
}

#[test]
fn headers_off_again() {
    assert_eq!(
        run(".headers on\n.headers off"),
        "1|abc||2.5\n22|x y|q|-1\n"
    );
}

#[test]
fn unknown_mode_is_an_error() {
    let run = shell_memory(".mode fancy\n");
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("Error: mode should be one of:"),
        "{}",
        run.stderr
    );
}
