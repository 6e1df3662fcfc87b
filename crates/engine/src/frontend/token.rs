//! A SQLite-aware tokenizer for the statement front-end.
//!
//! It splits SQL text into byte ranges the way SQLite's own tokenizer does (strings,
//! quoted identifiers in `"…"`, `[…]` and `` `…` ``, blob literals, `--` and `/* */`
//! comments, numbers, parameters, operators), without interpreting keywords: the
//! front-end only needs to find a few keywords at statement level and to know where a
//! parenthesised group or a statement ends. Tokens never copy text; they are ranges into
//! the input, so the caller can splice the original bytes back unchanged.
//!
//! Invariant: the tokens of a text cover it exactly, in order, with no gaps, so
//! concatenating their ranges gives back the input byte for byte.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Spaces, tabs, newlines.
    Space,
    /// `-- …` up to the end of the line, or `/* … */` (possibly unterminated).
    Comment,
    /// An unquoted identifier or keyword.
    Word,
    /// An identifier in `"…"`, `[…]` or `` `…` ``.
    QuotedId,
    /// A string literal `'…'`.
    String,
    /// A blob literal `x'…'`.
    Blob,
    /// A numeric literal.
    Number,
    /// A parameter: `?`, `?NNN`, `:name`, `@name`, `$name`.
    Variable,
    /// `;`
    Semi,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// Any other operator or punctuation.
    Operator,
    /// Something SQLite would not accept (an unterminated string, a stray byte).
    Illegal,
}

/// One token: its kind and its byte range in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// The token's text.
    pub fn text<'a>(&self, sql: &'a str) -> &'a str {
        &sql[self.start..self.end]
    }

    /// True for whitespace and comments.
    pub fn is_trivia(&self) -> bool {
        matches!(self.kind, Kind::Space | Kind::Comment)
    }

    /// True when this is the unquoted word `keyword` (ASCII case-insensitive).
    pub fn is_word(&self, sql: &str, keyword: &str) -> bool {
        self.kind == Kind::Word && self.text(sql).eq_ignore_ascii_case(keyword)
    }

    /// True for tokens that can name a table or column: a word, a quoted identifier, or
    /// a string (SQLite accepts `'a'` as a name in DDL).
    pub fn is_name(&self) -> bool {
        matches!(self.kind, Kind::Word | Kind::QuotedId | Kind::String)
    }
}

/// Iterates over the tokens of a SQL text.
pub(crate) struct Tokenizer<'a> {
    sql: &'a [u8],
    pos: usize,
}

impl<'a> Tokenizer<'a> {
    pub fn new(sql: &'a str) -> Self {
        Tokenizer {
            sql: sql.as_bytes(),
            pos: 0,
        }
    }

    fn at(&self, i: usize) -> u8 {
        self.sql.get(i).copied().unwrap_or(0)
    }

    /// Index just past a quoted run that starts at `start` (the opening quote) and ends
    /// with `close`; a doubled `close` is an escaped one when `doubling` is set.
    /// Returns `None` if the input ends first.
    fn quoted_end(&self, start: usize, close: u8, doubling: bool) -> Option<usize> {
        let mut i = start + 1;
        while i < self.sql.len() {
            if self.sql[i] == close {
                if doubling && self.at(i + 1) == close {
                    i += 2;
                    continue;
                }
                return Some(i + 1);
            }
            i += 1;
        }
        None
    }
}

fn is_id_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_id_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

impl Iterator for Tokenizer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let start = self.pos;
        let len = self.sql.len();
        if start >= len {
            return None;
        }
        let c = self.sql[start];
        let (kind, end) = match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                let mut i = start + 1;
                while matches!(self.at(i), b' ' | b'\t' | b'\n' | b'\r' | b'\x0c') {
                    i += 1;
                }
                (Kind::Space, i)
            }
            b'-' if self.at(start + 1) == b'-' => {
                let mut i = start + 2;
                while i < len && self.sql[i] != b'\n' {
                    i += 1;
                }
                // The newline belongs to the comment, as in SQLite.
                (Kind::Comment, (i + 1).min(len))
            }
            b'/' if self.at(start + 1) == b'*' => {
                let mut i = start + 2;
                while i < len && !(self.sql[i] == b'*' && self.at(i + 1) == b'/') {
                    i += 1;
                }
                (Kind::Comment, (i + 2).min(len))
            }
            b'\'' => match self.quoted_end(start, b'\'', true) {
                Some(end) => (Kind::String, end),
                None => (Kind::Illegal, len),
            },
            b'"' => match self.quoted_end(start, b'"', true) {
                Some(end) => (Kind::QuotedId, end),
                None => (Kind::Illegal, len),
            },
            b'`' => match self.quoted_end(start, b'`', true) {
                Some(end) => (Kind::QuotedId, end),
                None => (Kind::Illegal, len),
            },
            b'[' => match self.quoted_end(start, b']', false) {
                Some(end) => (Kind::QuotedId, end),
                None => (Kind::Illegal, len),
            },
            b'x' | b'X' if self.at(start + 1) == b'\'' => {
                match self.quoted_end(start + 1, b'\'', false) {
                    Some(end) => (Kind::Blob, end),
                    None => (Kind::Illegal, len),
                }
            }
            b'0'..=b'9' => (Kind::Number, self.number_end(start)),
            b'.' if self.at(start + 1).is_ascii_digit() => (Kind::Number, self.number_end(start)),
            b'?' => {
                let mut i = start + 1;
                while self.at(i).is_ascii_digit() {
                    i += 1;
                }
                (Kind::Variable, i)
            }
            b':' | b'@' | b'$' | b'#' if is_id_char(self.at(start + 1)) => {
                let mut i = start + 1;
                while is_id_char(self.at(i)) || (self.at(i) == b':' && self.at(i + 1) == b':') {
                    i += if self.at(i) == b':' { 2 } else { 1 };
                }
                (Kind::Variable, i)
            }
            b';' => (Kind::Semi, start + 1),
            b'(' => (Kind::LParen, start + 1),
            b')' => (Kind::RParen, start + 1),
            b',' => (Kind::Comma, start + 1),
            b'.' => (Kind::Dot, start + 1),
            b'<' | b'>' | b'=' | b'!' | b'|' | b'-' => {
                let two = [c, self.at(start + 1)];
                let long = matches!(
                    &two,
                    b"<=" | b"<>" | b"<<" | b">=" | b">>" | b"==" | b"!=" | b"||" | b"->"
                );
                if &two == b"->" && self.at(start + 2) == b'>' {
                    (Kind::Operator, start + 3)
                } else if long {
                    (Kind::Operator, start + 2)
                } else if c == b'!' {
                    (Kind::Illegal, start + 1)
                } else {
                    (Kind::Operator, start + 1)
                }
            }
            b'+' | b'*' | b'/' | b'%' | b'&' | b'~' => (Kind::Operator, start + 1),
            b if is_id_start(b) => {
                let mut i = start + 1;
                while is_id_char(self.at(i)) {
                    i += 1;
                }
                (Kind::Word, i)
            }
            _ => {
                // One (possibly multi-byte) character SQLite does not know.
                let mut i = start + 1;
                while i < len && (self.sql[i] & 0xc0) == 0x80 {
                    i += 1;
                }
                (Kind::Illegal, i)
            }
        };
        self.pos = end;
        Some(Token { kind, start, end })
    }
}

impl Tokenizer<'_> {
    fn number_end(&self, start: usize) -> usize {
        let mut i = start;
        if self.at(i) == b'0'
            && matches!(self.at(i + 1), b'x' | b'X')
            && self.at(i + 2).is_ascii_hexdigit()
        {
            i += 2;
            while self.at(i).is_ascii_hexdigit() || self.at(i) == b'_' {
                i += 1;
            }
            return i;
        }
        while self.at(i).is_ascii_digit() || self.at(i) == b'_' {
            i += 1;
        }
        if self.at(i) == b'.' {
            i += 1;
            while self.at(i).is_ascii_digit() || self.at(i) == b'_' {
                i += 1;
            }
        }
        if matches!(self.at(i), b'e' | b'E')
            && (self.at(i + 1).is_ascii_digit()
                || (matches!(self.at(i + 1), b'+' | b'-') && self.at(i + 2).is_ascii_digit()))
        {
            i += 2;
            while self.at(i).is_ascii_digit() {
                i += 1;
            }
        }
        // SQLite reads `12abc` as one illegal token; keep identifier characters attached.
        while is_id_char(self.at(i)) {
            i += 1;
        }
        i
    }
}

/// The tokens of `sql` that are not whitespace or comments.
pub(crate) fn significant(sql: &str) -> Vec<Token> {
    Tokenizer::new(sql).filter(|t| !t.is_trivia()).collect()
}

/// The unquoted form of a name token: `"a""b"` → `a"b`, `[x]` → `x`, `'s'` → `s`.
pub(crate) fn dequote(text: &str) -> String {
    let bytes = text.as_bytes();
    let Some(&first) = bytes.first() else {
        return String::new();
    };
    let close = match first {
        b'"' => b'"',
        b'\'' => b'\'',
        b'`' => b'`',
        b'[' => return text[1..text.len().saturating_sub(1).max(1)].to_owned(),
        _ => return text.to_owned(),
    };
    let inner = &text[1..text.len().saturating_sub(1).max(1)];
    let pair = [close as char, close as char].iter().collect::<String>();
    inner.replace(&pair, &(close as char).to_string())
}

/// Quotes a name as a SQL identifier: `a"b` → `"a""b"`.
pub(crate) fn quote_id(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Splits a script into statements, each with its trailing `;` when it has one, using the
/// same state machine as `sqlite3_complete` so that `;` inside `CREATE TRIGGER … BEGIN …
/// END` does not split. Whitespace and comments between statements stay attached to the
/// following statement; the ranges cover the whole input.
pub(crate) fn split_statements(sql: &str) -> Vec<std::ops::Range<usize>> {
    // States and transitions of sqlite3_complete (complete.c).
    const START: u8 = 1;
    const NORMAL: u8 = 2;
    const EXPLAIN: u8 = 3;
    const CREATE: u8 = 4;
    const TRIGGER: u8 = 5;
    const SEMI: u8 = 6;
    const END: u8 = 7;
    // Token classes: 0 SEMI, 1 WS, 2 OTHER, 3 EXPLAIN, 4 CREATE, 5 TEMP, 6 TRIGGER, 7 END.
    const TRANS: [[u8; 8]; 8] = [
        /* 0 INVALID */ [START, 0, NORMAL, EXPLAIN, CREATE, NORMAL, NORMAL, NORMAL],
        /* 1 START   */
        [
            START, START, NORMAL, EXPLAIN, CREATE, NORMAL, NORMAL, NORMAL,
        ],
        /* 2 NORMAL  */
        [
            START, NORMAL, NORMAL, NORMAL, NORMAL, NORMAL, NORMAL, NORMAL,
        ],
        /* 3 EXPLAIN */
        [
            START, EXPLAIN, EXPLAIN, NORMAL, CREATE, NORMAL, NORMAL, NORMAL,
        ],
        /* 4 CREATE  */
        [
            START, CREATE, NORMAL, NORMAL, NORMAL, CREATE, TRIGGER, NORMAL,
        ],
        /* 5 TRIGGER */
        [
            SEMI, TRIGGER, TRIGGER, TRIGGER, TRIGGER, TRIGGER, TRIGGER, TRIGGER,
        ],
        /* 6 SEMI    */ [SEMI, SEMI, TRIGGER, TRIGGER, TRIGGER, TRIGGER, TRIGGER, END],
        /* 7 END     */
        [
            START, END, TRIGGER, TRIGGER, TRIGGER, TRIGGER, TRIGGER, TRIGGER,
        ],
    ];
    let mut out = Vec::new();
    let mut state = 0u8;
    let mut begin = 0;
    for t in Tokenizer::new(sql) {
        let class = match t.kind {
            Kind::Semi => 0,
            Kind::Space | Kind::Comment => 1,
            Kind::Word => {
                let w = t.text(sql);
                if w.eq_ignore_ascii_case("explain") {
                    3
                } else if w.eq_ignore_ascii_case("create") {
                    4
                } else if w.eq_ignore_ascii_case("temp") || w.eq_ignore_ascii_case("temporary") {
                    5
                } else if w.eq_ignore_ascii_case("trigger") {
                    6
                } else if w.eq_ignore_ascii_case("end") {
                    7
                } else {
                    2
                }
            }
            _ => 2,
        };
        state = TRANS[state as usize][class];
        if state == START && t.kind == Kind::Semi {
            out.push(begin..t.end);
            begin = t.end;
        }
    }
    if begin < sql.len() {
        out.push(begin..sql.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(sql: &str) -> Vec<(Kind, &str)> {
        Tokenizer::new(sql).map(|t| (t.kind, t.text(sql))).collect()
    }

    #[test]
    fn tokens_cover_the_input() {
        let sql =
            "SELECT 'a''b', \"x\"\"y\", [z], `w`, x'00', 1.5e3, ?1, :a, -- c\n/* d */ a->>'$'";
        let joined: String = Tokenizer::new(sql).map(|t| t.text(sql)).collect();
        assert_eq!(joined, sql);
        let k = kinds(sql);
        assert!(k.contains(&(Kind::String, "'a''b'")));
        assert!(k.contains(&(Kind::QuotedId, "\"x\"\"y\"")));
        assert!(k.contains(&(Kind::QuotedId, "[z]")));
        assert!(k.contains(&(Kind::Blob, "x'00'")));
        assert!(k.contains(&(Kind::Number, "1.5e3")));
        assert!(k.contains(&(Kind::Comment, "-- c\n")));
        assert!(k.contains(&(Kind::Operator, "->>")));
    }

    #[test]
    fn dequotes_names() {
        assert_eq!(dequote("\"a\"\"b\""), "a\"b");
        assert_eq!(dequote("[a b]"), "a b");
        assert_eq!(dequote("`a`"), "a");
        assert_eq!(dequote("'s'"), "s");
        assert_eq!(dequote("plain"), "plain");
    }

    #[test]
    fn splits_like_sqlite_complete() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; SELECT ';'; END; SELECT 2;  -- tail";
        let parts: Vec<_> = split_statements(sql).into_iter().map(|r| &sql[r]).collect();
        assert_eq!(
            parts,
            [
                "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; SELECT ';'; END;",
                " SELECT 2;",
                "  -- tail"
            ]
        );
    }
}
