//! The `basalt` command: parses flags, sets up logging to stderr, and hands over to the
//! subcommand's module.
//!
//! Each subcommand is one variant of [`Command`] carrying its own `clap::Args` struct,
//! defined next to the code that runs it (`shell::ShellArgs` in `shell/`).
#![forbid(unsafe_code)]

mod serve;
mod shell;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// Basalt: a SQLite-compatible database for the edge.
#[derive(Debug, Parser)]
#[command(name = "basalt", version, about)]
struct Cli {
    /// Log filter for messages on stderr, in `tracing` EnvFilter syntax (e.g. `debug`,
    /// `basalt_engine=trace`). The default depends on the subcommand.
    #[arg(long, global = true, env = "BASALT_LOG", value_name = "FILTER")]
    log: Option<String>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve databases to libSQL clients over HTTP and WebSocket (Hrana).
    Serve(serve::ServeArgs),
    /// Open a database in an interactive SQL shell (like the sqlite3 command).
    Shell(shell::ShellArgs),
}

impl Command {
    /// The log filter when `--log` / `BASALT_LOG` is not given. The shell keeps stderr
    /// for its own error messages, so only warnings show by default.
    fn default_log_filter(&self) -> &'static str {
        match self {
            Command::Serve(_) => "info",
            Command::Shell(_) => "warn",
        }
    }
}

fn init_logging(filter: Option<&str>, default: &str) {
    let filter = match filter.map(EnvFilter::try_new) {
        Some(Ok(filter)) => filter,
        Some(Err(error)) => {
            eprintln!("warning: ignoring invalid log filter: {error}");
            EnvFilter::new(default)
        }
        None => EnvFilter::new(default),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log.as_deref(), cli.command.default_log_filter());
    let outcome = match &cli.command {
        Command::Serve(args) => serve::run(args).map(|()| ExitCode::SUCCESS),
        Command::Shell(args) => shell::run(args),
    };
    outcome.unwrap_or_else(|error| {
        eprintln!("Error: {error:#}");
        ExitCode::FAILURE
    })
}
