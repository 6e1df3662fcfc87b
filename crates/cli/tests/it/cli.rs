//! The command line itself: help and subcommands.

use crate::common::basalt;

#[test]
fn help_lists_the_shell() {
    let run = basalt(&["--help"], "");
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Usage: basalt"), "{}", run.stdout);
    assert!(run.stdout.contains("shell"), "{}", run.stdout);
}

#[test]
fn shell_help_describes_the_database_argument() {
    let run = basalt(&["shell", "--help"], "");
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("Usage: basalt shell"), "{}", run.stdout);
    assert!(run.stdout.contains("[DATABASE]"), "{}", run.stdout);
}

#[test]
fn unknown_subcommand_fails() {
    let run = basalt(&["frobnicate"], "");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("frobnicate"), "{}", run.stderr);
}
