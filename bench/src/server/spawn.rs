//! Starting and stopping the `basalt serve` under test.
//!
//! The benchmark builds nothing: it runs an existing binary (`target/release/basalt` by
//! default) on `127.0.0.1:0` with a fresh data directory, reads the address from the
//! startup line on its stdout, and sends SIGTERM when done (SIGKILL if it has not exited
//! 10 s later). Dropping a [`Spawned`] stops the server too, so an error or panic in the
//! benchmark does not leave it running.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// The binary the default `cargo build --release -p basalt-cli` produces.
pub fn default_binary() -> PathBuf {
    // bench/ is one level below the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ has a parent directory")
        .join("target/release/basalt")
}

/// A running server process.
pub struct Spawned {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub binary: PathBuf,
    /// Holds the data directory (and the server's log) until the server is gone.
    dir: tempfile::TempDir,
}

impl Spawned {
    pub fn start(binary: &Path) -> Result<Spawned> {
        Self::start_with_args(binary, &[])
    }

    /// Like [`start`](Self::start), with more `basalt serve` flags after the defaults
    /// (the replication benchmark's `--primary URL`).
    pub fn start_with_args(binary: &Path, extra: &[&str]) -> Result<Spawned> {
        if !binary.exists() {
            bail!(
                "{} does not exist; build it first with `cargo build --release -p basalt-cli` \
                 (or pass --basalt-bin PATH, or --url of a running server)",
                binary.display()
            );
        }
        let dir = tempfile::tempdir().context("creating the server's data directory")?;
        let log_path = dir.path().join("server.log");
        let log = std::fs::File::create(&log_path).context("creating the server log")?;
        let mut child = Command::new(binary)
            .arg("serve")
            .arg("--http-listen-addr")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;

        // Read stdout on a thread: the startup line, then drain it so the server can never
        // block on a full pipe.
        let stdout = child.stdout.take().expect("stdout was piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = listen_url(&line)
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(url);
                }
            }
        });
        let mut spawned = Spawned {
            child,
            url: String::new(),
            binary: binary.to_path_buf(),
            dir,
        };
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => spawned.url = url,
            Err(_) => {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                let status = spawned.child.try_wait().ok().flatten();
                bail!(
                    "{} printed no `listening on http://…` line within 30 s (exit status: \
                     {status:?}); its log:\n{log}",
                    binary.display()
                );
            }
        }
        Ok(spawned)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits for the exit (SIGKILL after 10 s).
    pub fn stop(mut self) -> Result<()> {
        self.terminate()
    }

    fn terminate(&mut self) -> Result<()> {
        if self.child.try_wait()?.is_some() {
            return Ok(());
        }
        let pid = libc::pid_t::try_from(self.child.id()).context("pid out of range")?;
        // SAFETY: kill(2) takes plain integers; `pid` is our own child, not yet reaped
        // (try_wait above found it running), so the pid cannot have been reused.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        for _ in 0..100 {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!("server did not exit 10 s after SIGTERM; killing it");
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// The server's stderr so far (for error reports).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.terminate();
    }
}

/// The URL in `Basalt 0.1.0 listening on http://127.0.0.1:PORT (database: …)`.
fn listen_url(line: &str) -> Option<String> {
    let at = line.find("listening on http://")?;
    let url = line[at + "listening on ".len()..]
        .split_whitespace()
        .next()?;
    Some(url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startup_line() {
        assert_eq!(
            listen_url(
                "Basalt 0.1.0 listening on http://127.0.0.1:41234 (database: /tmp/x, auth: off)"
            )
            .as_deref(),
            Some("http://127.0.0.1:41234")
        );
        assert_eq!(listen_url("something else"), None);
    }
}
