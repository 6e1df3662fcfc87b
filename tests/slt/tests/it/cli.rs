//! The `basalt-slt` binary: output shape and exit status.

use std::path::Path;
use std::process::{Command, Output};

fn run(args: &[&Path]) -> Output {
    run_with(&[], args)
}

fn run_with(flags: &[&str], args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_basalt-slt"))
        .args(flags)
        .args(args)
        .output()
        .expect("run basalt-slt")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

const PASSING: &str = "statement ok\nCREATE TABLE t(a INTEGER, b TEXT)\n\n\
                       statement ok\nINSERT INTO t VALUES (1, 'one'), (2, NULL)\n\n\
                       query IT rowsort\nSELECT a, b FROM t\n----\n1\none\n2\nNULL\n\n\
                       skipif sqlite # not this one\nquery I nosort\nSELECT 1\n----\n2\n\n";

const FAILING: &str = "query I nosort\nSELECT 41 + 1\n----\n43\n\n\
                       statement ok\nSELECT * FROM nowhere\n\n";

#[test]
fn passing_directory_exits_zero_with_summary() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("sub/pass.test"), PASSING).expect("write");
    std::fs::write(dir.path().join("ignored.txt"), FAILING).expect("write");

    let output = run(&[dir.path()]);
    assert!(output.status.success(), "{}", stdout(&output));
    assert_eq!(
        stdout(&output).lines().last(),
        Some("3 passed, 0 failed, 1 skipped")
    );
}

#[test]
fn failures_are_reported_and_exit_non_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pass = dir.path().join("a.test");
    let fail = dir.path().join("b.test");
    std::fs::write(&pass, PASSING).expect("write");
    std::fs::write(&fail, FAILING).expect("write");

    let output = run(&[&pass, &fail]);
    assert!(!output.status.success());
    let text = stdout(&output);
    assert!(
        text.contains(&format!("{}:1: wrong result", fail.display())),
        "{text}"
    );
    assert!(text.contains("SELECT 41 + 1"), "{text}");
    assert!(
        text.contains("expected: [43]") && text.contains("got: [42]"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{}:6: statement failed: no such table: nowhere",
            fail.display()
        )),
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("3 passed, 2 failed, 1 skipped"));
}

#[test]
fn http_backend_reports_like_the_engine() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pass = dir.path().join("a.test");
    let fail = dir.path().join("b.test");
    std::fs::write(&pass, PASSING).expect("write");
    std::fs::write(&fail, FAILING).expect("write");

    for depth in ["1", "64"] {
        let output = run_with(
            &["--backend", "http", "--pipeline-depth", depth],
            &[&pass, &fail],
        );
        assert!(!output.status.success());
        let text = stdout(&output);
        assert!(
            text.contains(&format!("{}:1: wrong result", fail.display())),
            "{text}"
        );
        assert!(
            text.contains(&format!("{}:6: statement failed: ", fail.display()))
                && text.contains("no such table: nowhere"),
            "{text}"
        );
        assert_eq!(text.lines().last(), Some("3 passed, 2 failed, 1 skipped"));
    }
}

#[test]
fn missing_path_is_an_error() {
    let output = run(&[Path::new("/nonexistent/basalt-slt")]);
    assert!(!output.status.success());
}
