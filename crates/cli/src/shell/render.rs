//! Output modes: how one statement's result is written, in the formats of the sqlite3
//! shell's `.mode` (list, csv, json, line, quote, tabs, and the columnar table, box,
//! column and markdown).
//!
//! Each statement's result is rendered on its own: a JSON array, the blank lines of line
//! mode and the column widths of the columnar modes never span two statements, as in
//! sqlite3. Results with no rows print nothing, not even headers.

use std::io::{self, Write};

use basalt_engine::{Column, Value};

use super::value_text::{self, real_to_text};

/// An output mode (`.mode NAME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Values separated by the column separator (`|`), one row per line.
    List,
    /// RFC 4180 CSV with CRLF row ends.
    Csv,
    /// Like list, with a tab separator.
    Tabs,
    /// A JSON array of objects.
    Json,
    /// One `name = value` line per column, a blank line between rows.
    Line,
    /// Values as SQL literals separated by commas.
    Quote,
    /// An ASCII table with `+---+` borders.
    Table,
    /// A table drawn with box-drawing characters.
    Box,
    /// Aligned columns with a dashed line under the headers.
    Column,
    /// A Markdown table.
    Markdown,
}

impl Mode {
    /// Every mode with its `.mode` name, in the order `.help` lists them.
    pub(crate) const ALL: [(Mode, &'static str); 10] = [
        (Mode::List, "list"),
        (Mode::Csv, "csv"),
        (Mode::Tabs, "tabs"),
        (Mode::Json, "json"),
        (Mode::Line, "line"),
        (Mode::Quote, "quote"),
        (Mode::Table, "table"),
        (Mode::Box, "box"),
        (Mode::Column, "column"),
        (Mode::Markdown, "markdown"),
    ];

    /// The mode called `name`, if any.
    pub(crate) fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(m, _)| *m)
    }

    /// The `.mode` name of this mode.
    pub(crate) fn name(self) -> &'static str {
        Mode::ALL
            .iter()
            .find(|(m, _)| *m == self)
            .map(|(_, n)| *n)
            .expect("every mode is named")
    }
}

/// What the dot-commands configure about output.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub mode: Mode,
    pub headers: bool,
    /// Set once `.headers` was used, so that `.mode column` no longer turns headers on.
    pub headers_set: bool,
    pub column_separator: String,
    pub row_separator: String,
    pub null_value: String,
    pub timer: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            mode: Mode::List,
            headers: false,
            headers_set: false,
            column_separator: "|".to_owned(),
            row_separator: "\n".to_owned(),
            null_value: String::new(),
            timer: false,
        }
    }
}

impl Settings {
    /// Switches to `mode`, resetting the separators the way sqlite3's `.mode` does.
    pub(crate) fn set_mode(&mut self, mode: Mode) {
        self.mode = mode;
        let (column, row) = match mode {
            Mode::Csv => (",", "\r\n"),
            Mode::Tabs => ("\t", "\n"),
            Mode::List | Mode::Line | Mode::Quote | Mode::Json => ("|", "\n"),
            // The columnar modes ignore the separators; keep what the user set.
            Mode::Table | Mode::Box | Mode::Column | Mode::Markdown => {
                return self.column_defaults();
            }
        };
        self.column_separator = column.to_owned();
        self.row_separator = row.to_owned();
    }

    fn column_defaults(&mut self) {
        if self.mode == Mode::Column && !self.headers_set {
            self.headers = true;
        }
    }
}

/// Writes one statement's result in the current mode.
pub(crate) fn write_result(
    out: &mut dyn Write,
    settings: &Settings,
    columns: &[Column],
    rows: &[Vec<Value>],
) -> io::Result<()> {
    if rows.is_empty() || columns.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    match settings.mode {
        Mode::List | Mode::Tabs => write_list(out, settings, &names, rows),
        Mode::Csv => write_csv(out, settings, &names, rows),
        Mode::Json => write_json(out, &names, rows),
        Mode::Line => write_line(out, settings, &names, rows),
        Mode::Quote => write_quote(out, settings, &names, rows),
        Mode::Table | Mode::Box | Mode::Column | Mode::Markdown => {
            write_columnar(out, settings, &names, rows)
        }
    }
}

/// The bytes a value prints as in list-like modes: blobs raw, NULL as the null value.
fn value_bytes<'a>(value: &'a Value, settings: &'a Settings) -> std::borrow::Cow<'a, [u8]> {
    use std::borrow::Cow;
    match value {
        Value::Null => Cow::Borrowed(settings.null_value.as_bytes()),
        Value::Integer(i) => Cow::Owned(i.to_string().into_bytes()),
        Value::Real(r) => Cow::Owned(real_to_text(*r).into_bytes()),
        Value::Text(t) => Cow::Borrowed(t.as_bytes()),
        Value::Blob(b) => Cow::Borrowed(b),
    }
}

/// A value as display text (blobs decoded lossily), for the columnar modes.
fn value_string(value: &Value, settings: &Settings) -> String {
    String::from_utf8_lossy(&value_bytes(value, settings)).into_owned()
}

fn write_list(
    out: &mut dyn Write,
    s: &Settings,
    names: &[&str],
    rows: &[Vec<Value>],
) -> io::Result<()> {
    if s.headers {
        out.write_all(names.join(&s.column_separator).as_bytes())?;
        out.write_all(s.row_separator.as_bytes())?;
    }
    for row in rows {
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                out.write_all(s.column_separator.as_bytes())?;
            }
            out.write_all(&value_bytes(value, s))?;
        }
        out.write_all(s.row_separator.as_bytes())?;
    }
    Ok(())
}

/// Bytes that force a CSV field into quotes (besides the separator itself): controls,
/// space, quotes and everything outside ASCII, as sqlite3 decides it.
fn needs_csv_quote(b: u8) -> bool {
    b <= b' ' || b == b'"' || b == b'\'' || b >= 0x7f
}

fn write_csv_field(out: &mut dyn Write, field: &[u8], separator: &str) -> io::Result<()> {
    let quote = field.is_empty()
        || field.iter().copied().any(needs_csv_quote)
        || (!separator.is_empty()
            && field
                .windows(separator.len())
                .any(|w| w == separator.as_bytes()));
    if !quote {
        return out.write_all(field);
    }
    out.write_all(b"\"")?;
    for chunk in field.split_inclusive(|&b| b == b'"') {
        out.write_all(chunk)?;
        if chunk.last() == Some(&b'"') {
            out.write_all(b"\"")?;
        }
    }
    out.write_all(b"\"")
}

fn write_csv(
    out: &mut dyn Write,
    s: &Settings,
    names: &[&str],
    rows: &[Vec<Value>],
) -> io::Result<()> {
    let sep = s.column_separator.as_str();
    if s.headers {
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                out.write_all(sep.as_bytes())?;
            }
            write_csv_field(out, name.as_bytes(), sep)?;
        }
        out.write_all(s.row_separator.as_bytes())?;
    }
    for row in rows {
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                out.write_all(sep.as_bytes())?;
            }
            match value {
                // NULL prints as the null value, unquoted, so it differs from ''.
                Value::Null => out.write_all(s.null_value.as_bytes())?,
                other => write_csv_field(out, &value_bytes(other, s), sep)?,
            }
        }
        out.write_all(s.row_separator.as_bytes())?;
    }
    Ok(())
}

/// `text` as a JSON string literal.
pub(crate) fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_value(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Integer(i) => i.to_string(),
        // JSON has no infinity; a huge exponent is what parsers turn into one.
        Value::Real(r) if r.is_infinite() => if *r < 0.0 { "-1e999" } else { "1e999" }.to_owned(),
        Value::Real(r) => real_to_text(*r),
        Value::Text(t) => json_string(t),
        Value::Blob(b) => json_string(&b.iter().map(|b| format!("{b:02x}")).collect::<String>()),
    }
}

fn write_json(out: &mut dyn Write, names: &[&str], rows: &[Vec<Value>]) -> io::Result<()> {
    let keys: Vec<String> = names.iter().map(|n| json_string(n)).collect();
    for (r, row) in rows.iter().enumerate() {
        out.write_all(if r == 0 { b"[{" } else { b",\n{" })?;
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            write!(out, "{}:{}", keys[i], json_value(value))?;
        }
        out.write_all(b"}")?;
    }
    out.write_all(b"]\n")
}

fn write_line(
    out: &mut dyn Write,
    s: &Settings,
    names: &[&str],
    rows: &[Vec<Value>],
) -> io::Result<()> {
    let width = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .max(5);
    for (r, row) in rows.iter().enumerate() {
        if r > 0 {
            out.write_all(s.row_separator.as_bytes())?;
        }
        for (name, value) in names.iter().zip(row) {
            let pad = width - name.chars().count();
            write!(out, "{}{name} = ", " ".repeat(pad))?;
            out.write_all(&value_bytes(value, s))?;
            out.write_all(s.row_separator.as_bytes())?;
        }
    }
    Ok(())
}

fn write_quote(
    out: &mut dyn Write,
    s: &Settings,
    names: &[&str],
    rows: &[Vec<Value>],
) -> io::Result<()> {
    if s.headers {
        let quoted: Vec<String> = names
            .iter()
            .map(|n| format!("'{}'", n.replace('\'', "''")))
            .collect();
        out.write_all(quoted.join(",").as_bytes())?;
        out.write_all(s.row_separator.as_bytes())?;
    }
    for row in rows {
        // Unlike `.dump`, quote mode keeps line breaks inside the literal, as sqlite3 does.
        let literals: Vec<String> = row
            .iter()
            .map(|v| match v {
                Value::Text(t) => format!("'{}'", t.replace('\'', "''")),
                other => value_text::literal(other),
            })
            .collect();
        out.write_all(literals.join(",").as_bytes())?;
        out.write_all(s.row_separator.as_bytes())?;
    }
    Ok(())
}

/// Columns a character takes on a terminal: 2 for East Asian wide characters and most
/// emoji, 0 for combining marks and zero-width characters, 1 otherwise.
fn char_width(c: char) -> usize {
    let c = u32::from(c);
    match c {
        0x0300..=0x036F | 0x200B..=0x200F | 0x20D0..=0x20FF | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F => {
            0
        }
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// Columns `text` takes on a terminal.
pub(crate) fn display_width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

/// How a columnar mode draws its lines.
struct Frame {
    /// Left edge, separator between columns, right edge of content lines.
    content: (&'static str, &'static str, &'static str),
    /// Top border (left, horizontal, joint, right), if drawn.
    top: Option<[&'static str; 4]>,
    /// The line under the header.
    under_header: [&'static str; 4],
    /// The line between rows when some cell spans several lines.
    between_rows: Option<[&'static str; 4]>,
    /// Bottom border, if drawn.
    bottom: Option<[&'static str; 4]>,
    /// Headers centred (table, box, markdown) or left-aligned (column).
    center_headers: bool,
    /// Whether headers print regardless of `.headers`.
    always_headers: bool,
}

fn frame(mode: Mode) -> Frame {
    match mode {
        Mode::Table => Frame {
            content: ("| ", " | ", " |"),
            top: Some(["+", "-", "+", "+"]),
            under_header: ["+", "-", "+", "+"],
            between_rows: Some(["+", "-", "+", "+"]),
            bottom: Some(["+", "-", "+", "+"]),
            center_headers: true,
            always_headers: true,
        },
        Mode::Box => Frame {
            content: ("│ ", " │ ", " │"),
            top: Some(["┌", "─", "┬", "┐"]),
            under_header: ["├", "─", "┼", "┤"],
            between_rows: Some(["├", "─", "┼", "┤"]),
            bottom: Some(["└", "─", "┴", "┘"]),
            center_headers: true,
            always_headers: true,
        },
        Mode::Markdown => Frame {
            content: ("| ", " | ", " |"),
            top: None,
            under_header: ["|", "-", "|", "|"],
            between_rows: None,
            bottom: None,
            center_headers: true,
            always_headers: true,
        },
        _ => Frame {
            content: ("", "  ", ""),
            top: None,
            under_header: ["", "-", "  ", ""],
            between_rows: Some(["", "", "", ""]),
            bottom: None,
            center_headers: false,
            always_headers: false,
        },
    }
}

fn write_rule(
    out: &mut dyn Write,
    parts: [&str; 4],
    widths: &[usize],
    padded: bool,
) -> io::Result<()> {
    let [left, horizontal, joint, right] = parts;
    let extra = if padded { 2 } else { 0 };
    let mut line = String::from(left);
    for (i, w) in widths.iter().enumerate() {
        if i > 0 {
            line.push_str(joint);
        }
        line.push_str(&horizontal.repeat(w + extra));
    }
    line.push_str(right);
    writeln!(out, "{line}")
}

fn write_columnar(
    out: &mut dyn Write,
    s: &Settings,
    names: &[&str],
    rows: &[Vec<Value>],
) -> io::Result<()> {
    let frame = frame(s.mode);
    let cells: Vec<Vec<Vec<String>>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| value_string(v, s).split('\n').map(str::to_owned).collect())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = names.iter().map(|n| display_width(n)).collect();
    for row in &cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            for line in cell {
                *w = (*w).max(display_width(line));
            }
        }
    }
    let multi_line = cells
        .iter()
        .any(|row| row.iter().any(|cell| cell.len() > 1));
    // Box-style frames pad each cell with a space on both sides; the column mode's rules
    // are exactly as wide as the columns.
    let padded = s.mode != Mode::Column;
    let (left, sep, right) = frame.content;
    let pad = |text: &str, width: usize, center: bool| {
        let gap = width.saturating_sub(display_width(text));
        if center {
            format!("{}{text}{}", " ".repeat(gap / 2), " ".repeat(gap - gap / 2))
        } else {
            format!("{text}{}", " ".repeat(gap))
        }
    };

    if let Some(top) = frame.top {
        write_rule(out, top, &widths, padded)?;
    }
    if frame.always_headers || s.headers {
        let header: Vec<String> = names
            .iter()
            .zip(&widths)
            .map(|(n, &w)| pad(n, w, frame.center_headers))
            .collect();
        writeln!(out, "{left}{}{right}", header.join(sep))?;
        write_rule(out, frame.under_header, &widths, padded)?;
    }
    for (r, row) in cells.iter().enumerate() {
        if r > 0
            && multi_line
            && let Some(rule) = frame.between_rows
        {
            if s.mode == Mode::Column {
                writeln!(out)?;
            } else {
                write_rule(out, rule, &widths, padded)?;
            }
        }
        let height = row.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            let parts: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, &w)| pad(cell.get(line).map_or("", String::as_str), w, false))
                .collect();
            writeln!(out, "{left}{}{right}", parts.join(sep))?;
        }
    }
    if let Some(bottom) = frame.bottom {
        write_rule(out, bottom, &widths, padded)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(names: &[&str]) -> Vec<Column> {
        names
            .iter()
            .map(|n| Column {
                name: (*n).to_owned(),
                decltype: None,
            })
            .collect()
    }

    fn render(settings: &Settings, names: &[&str], rows: Vec<Vec<Value>>) -> String {
        let mut out = Vec::new();
        write_result(&mut out, settings, &columns(names), &rows).expect("writes to a Vec");
        String::from_utf8(out).expect("UTF-8 output")
    }

    fn with_mode(mode: Mode) -> Settings {
        let mut s = Settings::default();
        s.set_mode(mode);
        s
    }

    fn sample() -> Vec<Vec<Value>> {
        vec![
            vec![
                Value::Integer(1),
                Value::Text("abc".into()),
                Value::Null,
                Value::Real(2.5),
            ],
            vec![
                Value::Integer(22),
                Value::Text("x y".into()),
                Value::Text("q".into()),
                Value::Integer(-1),
            ],
        ]
    }

    const NAMES: [&str; 4] = ["n", "longname", "z", "r"];

    #[test]
    fn list_mode() {
        let mut s = Settings::default();
        assert_eq!(render(&s, &NAMES, sample()), "1|abc||2.5\n22|x y|q|-1\n");
        s.headers = true;
        s.null_value = "NULL".into();
        assert_eq!(
            render(&s, &NAMES, sample()),
            "n|longname|z|r\n1|abc|NULL|2.5\n22|x y|q|-1\n"
        );
    }

    #[test]
    fn csv_mode() {
        let mut s = with_mode(Mode::Csv);
        s.headers = true;
        let rows = vec![vec![
            Value::Text("a,b".into()),
            Value::Text("say \"hi\"".into()),
            Value::Text(String::new()),
            Value::Null,
            Value::Text("line\nbreak".into()),
            Value::Real(0.1),
        ]];
        assert_eq!(
            render(&s, &["a", "b", "c", "d", "e", "f"], rows),
            "a,b,c,d,e,f\r\n\"a,b\",\"say \"\"hi\"\"\",\"\",,\"line\nbreak\",0.1\r\n"
        );
    }

    #[test]
    fn json_mode() {
        let s = with_mode(Mode::Json);
        assert_eq!(
            render(&s, &NAMES, sample()),
            "[{\"n\":1,\"longname\":\"abc\",\"z\":null,\"r\":2.5},\n{\"n\":22,\"longname\":\"x y\",\"z\":\"q\",\"r\":-1}]\n"
        );
        assert_eq!(json_string("\"\\/\t\u{1}é"), "\"\\\"\\\\/\\t\\u0001é\"");
        assert_eq!(json_value(&Value::Blob(vec![0, 255])), "\"00ff\"");
    }

    #[test]
    fn line_mode() {
        let s = with_mode(Mode::Line);
        assert_eq!(
            render(&s, &NAMES, sample()),
            "       n = 1\nlongname = abc\n       z = \n       r = 2.5\n\n       n = 22\nlongname = x y\n       z = q\n       r = -1\n"
        );
        assert_eq!(
            render(&s, &["a"], vec![vec![Value::Integer(1)]]),
            "    a = 1\n"
        );
    }

    #[test]
    fn table_mode() {
        let s = with_mode(Mode::Table);
        assert_eq!(
            render(&s, &NAMES, sample()),
            "\
+----+----------+---+-----+
| n  | longname | z |  r  |
+----+----------+---+-----+
| 1  | abc      |   | 2.5 |
| 22 | x y      | q | -1  |
+----+----------+---+-----+
"
        );
    }

    #[test]
    fn table_mode_multi_line_cells() {
        let s = with_mode(Mode::Table);
        let rows = vec![
            vec![Value::Integer(1), Value::Text("one\ntwo".into())],
            vec![Value::Integer(2), Value::Text("three".into())],
        ];
        assert_eq!(
            render(&s, &["a", "b"], rows),
            "\
+---+-------+
| a |   b   |
+---+-------+
| 1 | one   |
|   | two   |
+---+-------+
| 2 | three |
+---+-------+
"
        );
    }

    #[test]
    fn box_mode() {
        let s = with_mode(Mode::Box);
        assert_eq!(
            render(
                &s,
                &["a", "bb"],
                vec![vec![Value::Integer(1), Value::Text("x".into())]]
            ),
            "┌───┬────┐\n│ a │ bb │\n├───┼────┤\n│ 1 │ x  │\n└───┴────┘\n"
        );
    }

    #[test]
    fn column_mode() {
        let s = with_mode(Mode::Column);
        assert_eq!(
            render(&s, &NAMES, sample()),
            "n   longname  z  r  \n--  --------  -  ---\n1   abc          2.5\n22  x y       q  -1 \n"
        );
        let mut s = Settings {
            headers_set: true,
            ..Settings::default()
        };
        s.set_mode(Mode::Column);
        assert_eq!(render(&s, &["n"], vec![vec![Value::Integer(1)]]), "1\n");
    }

    #[test]
    fn markdown_mode() {
        let s = with_mode(Mode::Markdown);
        assert_eq!(
            render(
                &s,
                &["a", "bbb"],
                vec![vec![Value::Integer(1), Value::Text("x".into())]]
            ),
            "| a | bbb |\n|---|-----|\n| 1 | x   |\n"
        );
    }

    #[test]
    fn quote_mode() {
        let s = with_mode(Mode::Quote);
        assert_eq!(
            render(
                &s,
                &["a", "b", "c", "d"],
                vec![vec![
                    Value::Integer(1),
                    Value::Text("it's".into()),
                    Value::Null,
                    Value::Blob(vec![1, 2]),
                ]]
            ),
            "1,'it''s',NULL,X'0102'\n"
        );
    }

    #[test]
    fn empty_results_print_nothing() {
        for (mode, _) in Mode::ALL {
            let mut s = with_mode(mode);
            s.headers = true;
            assert_eq!(render(&s, &["a"], vec![]), "", "{mode:?}");
        }
    }

    #[test]
    fn wide_characters_align() {
        assert_eq!(display_width("漢字"), 4);
        assert_eq!(display_width("e\u{301}"), 1);
        let s = with_mode(Mode::Table);
        assert_eq!(
            render(
                &s,
                &["a"],
                vec![
                    vec![Value::Text("漢".into())],
                    vec![Value::Text("abc".into())]
                ]
            ),
            "+-----+\n|  a  |\n+-----+\n| 漢  |\n| abc |\n+-----+\n"
        );
    }
}
