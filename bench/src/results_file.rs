//! RESULTS.md holds one section per benchmark (`local`, `server`), each between its own
//! marker comments, so that running one benchmark replaces its own section and keeps the
//! others.
//!
//! Invariant: the markers are the only thing this module adds; a section's text is stored
//! as given. A file written before sections existed (no markers at all) was written by the
//! local benchmark, so its whole content is kept as the `local` section.

use std::path::Path;

use anyhow::{Context, Result};

/// Order of the sections in the file; unknown names go after these.
const ORDER: [&str; 3] = ["local", "server", "vector"];

fn begin(name: &str) -> String {
    format!("<!-- basalt-bench {name}: begin (generated; rerun the benchmark to update) -->")
}

fn end(name: &str) -> String {
    format!("<!-- basalt-bench {name}: end -->")
}

/// Replaces (or adds) section `name` of the file at `path` with `text`.
pub fn write_section(path: &Path, name: &str, text: &str) -> Result<()> {
    let old = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let merged = merge(&old, name, text);
    std::fs::write(path, merged).with_context(|| format!("writing {}", path.display()))
}

/// The sections of `file`, in file order, as `(name, text)`.
fn sections(file: &str) -> Vec<(String, String)> {
    const PREFIX: &str = "<!-- basalt-bench ";
    if !file.contains(PREFIX) {
        return if file.trim().is_empty() {
            Vec::new()
        } else {
            vec![("local".to_owned(), file.trim_end().to_owned())]
        };
    }
    let mut out = Vec::new();
    let mut rest = file;
    while let Some(start) = rest.find(PREFIX) {
        let after = &rest[start + PREFIX.len()..];
        let Some(colon) = after.find(':') else { break };
        let name = after[..colon].to_owned();
        let Some(line_end) = after.find('\n') else {
            break;
        };
        let body = &after[line_end + 1..];
        let end_marker = end(&name);
        let Some(stop) = body.find(&end_marker) else {
            // An unterminated section: keep what follows its marker rather than lose it.
            out.push((name, body.trim_end().to_owned()));
            break;
        };
        out.push((name, body[..stop].trim_end().to_owned()));
        rest = &body[stop + end_marker.len()..];
    }
    out
}

fn merge(old: &str, name: &str, text: &str) -> String {
    let mut secs = sections(old);
    match secs.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = text.trim_end().to_owned(),
        None => secs.push((name.to_owned(), text.trim_end().to_owned())),
    }
    let rank = |n: &str| ORDER.iter().position(|o| *o == n).unwrap_or(ORDER.len());
    secs.sort_by_key(|(n, _)| rank(n));
    let mut out = String::new();
    for (i, (n, body)) in secs.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&begin(n));
        out.push('\n');
        out.push_str(body);
        out.push('\n');
        out.push_str(&end(n));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_file_becomes_local_section() {
        let merged = merge("# Local\n\nfigures\n", "server", "# Server\n");
        assert_eq!(
            sections(&merged),
            vec![
                ("local".to_owned(), "# Local\n\nfigures".to_owned()),
                ("server".to_owned(), "# Server".to_owned()),
            ]
        );
    }

    #[test]
    fn replacing_keeps_the_other_section_and_the_order() {
        let once = merge("", "server", "S1");
        let twice = merge(&once, "local", "L1");
        let thrice = merge(&twice, "server", "S2\n\n");
        assert_eq!(
            sections(&thrice),
            vec![
                ("local".to_owned(), "L1".to_owned()),
                ("server".to_owned(), "S2".to_owned())
            ]
        );
        assert_eq!(merge(&thrice, "server", "S2"), thrice);
    }
}
