//! Dot-commands: the lines starting with `.` that configure the shell or inspect the
//! database instead of running SQL (`.mode`, `.tables`, `.dump`, …).
//!
//! Arguments split on whitespace; single or double quotes group words, and inside double
//! quotes backslash escapes (`\t`, `\n`, `\\`, `\"`) work, as in sqlite3.

use std::path::Path;

use anyhow::{Result, anyhow, bail};
use basalt_engine::{Params, Value};

use super::render::Mode;
use super::{Flow, Shell, dump, import};

/// One line of `.help` per command: usage and what it does.
const HELP: &[(&str, &str)] = &[
    (
        ".dump ?TABLE?",
        "Render database content as SQL (tables LIKE TABLE only, if given)",
    ),
    (
        ".exit ?CODE?",
        "Exit this program with return-code CODE (default 0)",
    ),
    (".headers on|off", "Turn display of headers on or off"),
    (".help", "Show this message"),
    (
        ".import ?--csv? ?--skip N? FILE TABLE",
        "Import CSV data from FILE into TABLE",
    ),
    (
        ".mode ?MODE?",
        "Set output mode: list csv tabs json line quote table box column markdown",
    ),
    (".nullvalue STRING", "Use STRING in place of NULL values"),
    (".quit", "Exit this program"),
    (".read FILE", "Read input from FILE"),
    (
        ".schema ?PATTERN?",
        "Show the CREATE statements matching PATTERN",
    ),
    (
        ".separator COL ?ROW?",
        "Change the column and row separators",
    ),
    (
        ".tables ?PATTERN?",
        "List names of tables and views matching a LIKE pattern",
    ),
    (
        ".timer on|off",
        "Turn the timer for each SQL statement on or off",
    ),
];

/// Runs one dot-command line (with its leading `.`).
pub(super) fn run(shell: &mut Shell, line: &str) -> Result<Flow> {
    let args = split_args(line.trim().trim_start_matches('.'))?;
    let Some((name, args)) = args.split_first() else {
        bail!(unknown(""));
    };
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match (name.as_str(), args.as_slice()) {
        ("quit", []) => return Ok(Flow::Exit(0)),
        ("exit", []) => return Ok(Flow::Exit(0)),
        ("exit", [code]) => {
            let code = code
                .parse::<u8>()
                .map_err(|_| anyhow!("exit code must be 0-255: {code}"))?;
            return Ok(Flow::Exit(code));
        }
        ("help", []) => {
            let width = HELP.iter().map(|(usage, _)| usage.len()).max().unwrap_or(0);
            for (usage, about) in HELP {
                writeln!(shell.out, "{usage:width$}  {about}")?;
            }
        }
        ("headers" | "header", [value]) => {
            shell.settings.headers = parse_bool(value)?;
            shell.settings.headers_set = true;
        }
        ("timer", [value]) => shell.settings.timer = parse_bool(value)?,
        ("nullvalue", [value]) => shell.settings.null_value = (*value).to_owned(),
        ("separator", [column]) => shell.settings.column_separator = (*column).to_owned(),
        ("separator", [column, row]) => {
            shell.settings.column_separator = (*column).to_owned();
            shell.settings.row_separator = (*row).to_owned();
        }
        ("mode", []) => writeln!(
            shell.out,
            "current output mode: {}",
            shell.settings.mode.name()
        )?,
        ("mode", [mode]) => {
            let mode = Mode::from_name(mode).ok_or_else(|| {
                let names: Vec<&str> = Mode::ALL.iter().map(|(_, n)| *n).collect();
                anyhow!("mode should be one of: {}", names.join(" "))
            })?;
            shell.settings.set_mode(mode);
        }
        ("tables", []) => tables(shell, None)?,
        ("tables", [pattern]) => tables(shell, Some(pattern))?,
        ("schema", []) => schema(shell, None)?,
        ("schema", [pattern]) => schema(shell, Some(pattern))?,
        ("dump", []) => dump::dump(&shell.conn, &mut shell.out, None)?,
        ("dump", [pattern]) => dump::dump(&shell.conn, &mut shell.out, Some(pattern))?,
        ("read", [file]) => return shell.run_file(Path::new(file)),
        ("import", rest) => import_command(shell, rest)?,
        _ => match usage_of(name) {
            Some(usage) => bail!("usage: {usage}"),
            None => bail!(unknown(name)),
        },
    }
    Ok(Flow::Continue)
}

/// The `.help` usage line of command `name`, if it is one.
fn usage_of(name: &str) -> Option<&'static str> {
    let name = if name == "header" { "headers" } else { name };
    HELP.iter()
        .map(|(usage, _)| *usage)
        .find(|usage| usage[1..].split(' ').next() == Some(name))
}

fn unknown(name: &str) -> String {
    format!("unknown command or invalid arguments: \"{name}\". Enter \".help\" for help")
}

fn parse_bool(value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" | "1" => Ok(true),
        "off" | "no" | "false" | "0" => Ok(false),
        _ => bail!("not a boolean value: \"{value}\" (use on or off)"),
    }
}

fn import_command(shell: &mut Shell, args: &[&str]) -> Result<()> {
    let mut skip = 0;
    let mut positional = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match *arg {
            "--csv" => {}
            "--skip" => {
                let n = args
                    .next()
                    .ok_or_else(|| anyhow!("--skip needs a number"))?;
                skip = n
                    .parse()
                    .map_err(|_| anyhow!("--skip needs a number, not \"{n}\""))?;
            }
            other if other.starts_with("--") => bail!("unknown .import option: {other}"),
            other => positional.push(other),
        }
    }
    let [file, table] = positional.as_slice() else {
        bail!("usage: .import ?--csv? ?--skip N? FILE TABLE");
    };
    import::import(&shell.conn, Path::new(file), table, skip)?;
    Ok(())
}

fn pattern_params(pattern: Option<&str>) -> Params {
    pattern.map_or(Params::None, |p| {
        Params::Positional(vec![Value::Text(p.to_owned())])
    })
}

fn tables(shell: &mut Shell, pattern: Option<&str>) -> Result<()> {
    let filter = if pattern.is_some() {
        " AND name LIKE ?1"
    } else {
        ""
    };
    let result = shell.conn.execute(
        &format!(
            "SELECT name FROM sqlite_schema \
             WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'{filter} ORDER BY 1"
        ),
        &pattern_params(pattern),
    )?;
    let names: Vec<String> = result
        .rows
        .into_iter()
        .filter_map(|row| match row.into_iter().next() {
            Some(Value::Text(name)) => Some(name),
            _ => None,
        })
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    // As sqlite3: names down the columns of an 80-character-wide grid.
    let width = names
        .iter()
        .map(|n| super::render::display_width(n))
        .max()
        .unwrap_or(0);
    let per_line = (80 / (width + 2)).max(1);
    let lines = names.len().div_ceil(per_line);
    for line in 0..lines {
        let mut text = String::new();
        for (i, name) in names.iter().skip(line).step_by(lines).enumerate() {
            if i > 0 {
                text.push_str("  ");
            }
            text.push_str(name);
            text.push_str(&" ".repeat(width - super::render::display_width(name)));
        }
        writeln!(shell.out, "{text}")?;
    }
    Ok(())
}

fn schema(shell: &mut Shell, pattern: Option<&str>) -> Result<()> {
    let filter = if pattern.is_some() {
        " AND (name LIKE ?1 OR tbl_name LIKE ?1)"
    } else {
        ""
    };
    let result = shell.conn.execute(
        &format!("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL{filter} ORDER BY rowid"),
        &pattern_params(pattern),
    )?;
    for row in &result.rows {
        if let Some(Value::Text(sql)) = row.first() {
            writeln!(shell.out, "{sql};")?;
        }
    }
    Ok(())
}

/// Splits a dot-command's text into words, honouring quotes.
fn split_args(text: &str) -> Result<Vec<String>> {
    let mut args = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&first) = chars.peek() else {
            break;
        };
        let mut arg = String::new();
        if first == '"' || first == '\'' {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                if c == first {
                    closed = true;
                    break;
                }
                if c == '\\' && first == '"' {
                    match chars.next() {
                        Some('n') => arg.push('\n'),
                        Some('t') => arg.push('\t'),
                        Some('r') => arg.push('\r'),
                        Some(other) => arg.push(other),
                        None => arg.push('\\'),
                    }
                } else {
                    arg.push(c);
                }
            }
            if !closed {
                bail!("unterminated quoted argument");
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                arg.push(c);
                chars.next();
            }
            arg = unescape(&arg);
        }
        args.push(arg);
    }
    Ok(args)
}

/// Backslash escapes in an unquoted argument (`.separator \t`).
fn unescape(text: &str) -> String {
    if !text.contains('\\') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_splitting() {
        assert_eq!(split_args("mode csv").unwrap(), vec!["mode", "csv"]);
        assert_eq!(
            split_args("  import 'my file.csv'  t ").unwrap(),
            vec!["import", "my file.csv", "t"]
        );
        assert_eq!(
            split_args("separator \"\\t\" \\n").unwrap(),
            vec!["separator", "\t", "\n"]
        );
        assert_eq!(split_args("nullvalue ''").unwrap(), vec!["nullvalue", ""]);
        assert!(split_args("read 'open").is_err());
    }

    #[test]
    fn booleans() {
        assert!(parse_bool("ON").unwrap());
        assert!(!parse_bool("off").unwrap());
        assert!(parse_bool("maybe").is_err());
    }
}
