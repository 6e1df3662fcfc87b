//! Running `basalt shell` as a child process.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Run {
    /// Asserts a clean run (exit 0, nothing on stderr) and returns stdout.
    #[track_caller]
    pub fn ok(self) -> String {
        assert_eq!(self.code, 0, "exit code; stderr: {}", self.stderr);
        assert_eq!(self.stderr, "", "stderr");
        self.stdout
    }
}

/// Runs `basalt ARGS...` with `input` on stdin.
pub fn basalt(args: &[&str], input: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_basalt"))
        .args(args)
        .env_remove("BASALT_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the basalt binary starts");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_owned();
    // Write from a thread so a large input cannot deadlock against a full stdout pipe.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let output = child.wait_with_output().expect("the basalt binary runs");
    writer.join().expect("stdin writer");
    Run {
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
        code: output.status.code().expect("exited normally"),
    }
}

/// Runs `basalt shell DB` with `input` on stdin.
pub fn shell(db: &Path, input: &str) -> Run {
    basalt(&["shell", db.to_str().expect("UTF-8 temp path")], input)
}

/// Runs `basalt shell` on an in-memory database.
pub fn shell_memory(input: &str) -> Run {
    basalt(&["shell"], input)
}

/// A fresh temporary directory and a database path inside it.
pub fn temp_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("test.db");
    (dir, path)
}
