//! `basalt shell`: an interactive SQL shell in the manner of the `sqlite3` command.
//!
//! Input comes line by line, from a line editor with history when stdin is a terminal or
//! straight from stdin otherwise. A line starting with `.` (when no SQL is pending) is a
//! dot-command ([`dot`]); other lines collect until they form complete SQL
//! ([`statement`]), which runs one statement at a time, each result printed in the
//! current output mode ([`render`]).
//!
//! Reading a script (piped stdin, `.read`) stops at the first error and the process exits
//! non-zero; statements before the error keep their effects. At the terminal an error is
//! printed and the shell goes on.

mod dot;
mod dump;
mod import;
mod render;
mod statement;
mod value_text;

use std::fmt;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use basalt_engine::{Connection, OpenOptions};
use rustyline::error::ReadlineError;

use render::Settings;

/// Arguments of `basalt shell`.
#[derive(Debug, clap::Args)]
pub struct ShellArgs {
    /// Database file to open, created if missing. Without one the shell uses a private
    /// in-memory database.
    pub database: Option<PathBuf>,
}

/// How deep `.read` may nest, so a file that reads itself fails instead of overflowing
/// the stack.
const MAX_READ_DEPTH: usize = 32;

const PROMPT: &str = "basalt> ";
const CONTINUATION_PROMPT: &str = "   ...> ";

/// Runs the shell until its input ends or `.quit`, and returns the process exit code.
pub fn run(args: &ShellArgs) -> Result<ExitCode> {
    let conn = match &args.database {
        Some(path) => Connection::open(path, &OpenOptions::default()).map_err(|error| {
            anyhow::anyhow!(
                "unable to open database \"{}\": {}",
                path.display(),
                without_path_suffix(&error.to_string(), path)
            )
        })?,
        None => Connection::open_in_memory().context("unable to open an in-memory database")?,
    };
    tracing::debug!(path = ?args.database, "shell opened database");
    let mut shell = Shell {
        conn,
        settings: Settings::default(),
        out: Box::new(io::BufWriter::new(io::stdout())),
        read_depth: 0,
        interactive: io::stdin().is_terminal(),
    };
    let outcome = if shell.interactive {
        shell.run_interactive()
    } else {
        shell.run_reader(io::stdin().lock())
    };
    let flushed = shell.out.flush();
    let code = match outcome {
        Ok(Flow::Continue) => 0,
        Ok(Flow::Exit(code)) => code,
        Err(error) if is_broken_pipe(&error) => 0,
        Err(error) => {
            eprintln!("Error: {error:#}");
            1
        }
    };
    match flushed {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e).context("cannot write output"),
        _ => Ok(ExitCode::from(code)),
    }
}

/// What to do after a line of input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Read the next line.
    Continue,
    /// Stop and exit with this code (`.quit`, `.exit N`).
    Exit(u8),
}

/// An SQL statement failed; `line` is where it starts in its input.
#[derive(Debug)]
struct SqlFailure {
    line: usize,
    error: basalt_engine::Error,
}

impl fmt::Display for SqlFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "near line {}: {}", self.line, self.error)
    }
}

impl std::error::Error for SqlFailure {}

/// SQL typed so far that does not yet end in a complete statement.
#[derive(Debug, Default)]
struct Pending {
    sql: String,
    first_line: usize,
}

/// The shell's state: the database, the output settings and where output goes.
pub(crate) struct Shell {
    conn: Connection,
    settings: Settings,
    out: Box<dyn Write>,
    read_depth: usize,
    interactive: bool,
}

impl Shell {
    /// Handles one line of input: a dot-command, or SQL to add to `pending` (running it
    /// once it is complete). `line_no` is the line's 1-based number in its input.
    fn feed_line(&mut self, pending: &mut Pending, line: &str, line_no: usize) -> Result<Flow> {
        if pending.sql.is_empty() {
            if line.trim_start().starts_with('.') {
                return dot::run(self, line);
            }
            if statement::is_blank(line) {
                return Ok(Flow::Continue);
            }
            pending.first_line = line_no;
        }
        pending.sql.push_str(line);
        pending.sql.push('\n');
        if statement::is_complete(&pending.sql) {
            let sql = std::mem::take(&mut pending.sql);
            self.run_sql(&sql, pending.first_line)?;
        }
        Ok(Flow::Continue)
    }

    /// Runs what is left at the end of input, as sqlite3 does: SQL without its final `;`
    /// still runs, and an unfinished statement reports SQLite's error.
    fn finish(&mut self, pending: &mut Pending) -> Result<()> {
        let sql = std::mem::take(&mut pending.sql);
        if !statement::is_blank(&sql) {
            self.run_sql(&sql, pending.first_line)?;
        }
        Ok(())
    }

    /// Runs complete SQL text statement by statement, printing each result.
    fn run_sql(&mut self, sql: &str, first_line: usize) -> Result<()> {
        for stmt in statement::split(sql) {
            let started = Instant::now();
            let mut results = Vec::new();
            let outcome = self.conn.execute_script(stmt.sql, |result| {
                results.push(result);
                Ok(())
            });
            for result in &results {
                render::write_result(&mut self.out, &self.settings, &result.columns, &result.rows)?;
            }
            outcome.map_err(|error| SqlFailure {
                line: first_line + stmt.line_offset,
                error,
            })?;
            if self.settings.timer {
                writeln!(
                    self.out,
                    "Run Time: real {:.3}",
                    started.elapsed().as_secs_f64()
                )?;
            }
        }
        Ok(())
    }

    /// Reads lines from `reader` to its end, stopping at the first error.
    fn run_reader(&mut self, mut reader: impl BufRead) -> Result<Flow> {
        let mut pending = Pending::default();
        let mut buf = Vec::new();
        let mut line_no = 0;
        loop {
            buf.clear();
            if reader
                .read_until(b'\n', &mut buf)
                .context("cannot read input")?
                == 0
            {
                break;
            }
            line_no += 1;
            let line = String::from_utf8_lossy(&buf);
            let line = line.strip_suffix('\n').unwrap_or(&line);
            if let Flow::Exit(code) = self.feed_line(&mut pending, line, line_no)? {
                return Ok(Flow::Exit(code));
            }
        }
        self.finish(&mut pending)?;
        Ok(Flow::Continue)
    }

    /// `.read FILE`: runs the file as a script.
    fn run_file(&mut self, path: &Path) -> Result<Flow> {
        if self.read_depth >= MAX_READ_DEPTH {
            anyhow::bail!(".read nested more than {MAX_READ_DEPTH} deep");
        }
        let file = std::fs::File::open(path)
            .with_context(|| format!("cannot open \"{}\"", path.display()))?;
        self.read_depth += 1;
        let outcome = self.run_reader(BufReader::new(file));
        self.read_depth -= 1;
        outcome
    }

    /// The terminal loop: line editing, history, errors printed without stopping.
    fn run_interactive(&mut self) -> Result<Flow> {
        let mut editor =
            rustyline::DefaultEditor::new().context("cannot set up the line editor")?;
        let history = history_path();
        if let Some(path) = &history {
            // A missing or unreadable history file only means no history yet.
            let _ = editor.load_history(path);
        }
        writeln!(
            self.out,
            "basalt shell (SQLite {})\nEnter \".help\" for usage hints.",
            basalt_engine::sqlite_version()
        )?;
        if self.conn.path().is_none() {
            writeln!(self.out, "Connected to a transient in-memory database.")?;
        }
        let mut pending = Pending::default();
        let mut line_no = 0;
        let flow = loop {
            self.out.flush()?;
            let prompt = if pending.sql.is_empty() {
                PROMPT
            } else {
                CONTINUATION_PROMPT
            };
            match editor.readline(prompt) {
                Ok(line) => {
                    line_no += 1;
                    if !line.trim().is_empty() {
                        let _ = editor.add_history_entry(line.as_str());
                    }
                    match self.feed_line(&mut pending, &line, line_no) {
                        Ok(Flow::Continue) => {}
                        Ok(Flow::Exit(code)) => break Flow::Exit(code),
                        Err(error) if is_broken_pipe(&error) => return Err(error),
                        Err(error) => {
                            pending = Pending::default();
                            self.report(&error)?;
                        }
                    }
                }
                // Ctrl-C drops the statement being typed, as in sqlite3.
                Err(ReadlineError::Interrupted) => pending = Pending::default(),
                Err(ReadlineError::Eof) => {
                    if let Err(error) = self.finish(&mut pending) {
                        self.report(&error)?;
                    }
                    break Flow::Continue;
                }
                Err(error) => return Err(error).context("cannot read input"),
            }
        };
        if let Some(path) = &history {
            // History is a convenience; failing to save it must not fail the session.
            if let Err(error) = editor.save_history(path) {
                tracing::debug!(%error, "cannot save shell history");
            }
        }
        Ok(flow)
    }

    /// Prints an error at the terminal: SQLite's message, without the line number that
    /// only helps in scripts.
    fn report(&mut self, error: &anyhow::Error) -> Result<()> {
        self.out.flush()?;
        match error.downcast_ref::<SqlFailure>() {
            Some(failure) if self.interactive => eprintln!("Error: {}", failure.error),
            _ => eprintln!("Error: {error:#}"),
        }
        Ok(())
    }
}

/// The engine's open errors end with the path (sometimes twice); the shell names the
/// path itself, as sqlite3 does, so drop it from the message.
fn without_path_suffix(message: &str, path: &Path) -> String {
    let suffix = format!(": {}", path.display());
    let mut message = message;
    while let Some(rest) = message.strip_suffix(suffix.as_str()) {
        message = rest;
    }
    message.to_owned()
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|e| {
        e.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// `~/.basalt_history`, when a home directory is known.
fn history_path() -> Option<PathBuf> {
    std::env::home_dir().map(|home| home.join(".basalt_history"))
}
