//! Where SQL statements end: the shell's version of SQLite's completeness rule.
//!
//! The shell collects input lines until they hold a complete statement, then runs it. A
//! statement is complete when a `;` ends it outside string literals, quoted identifiers,
//! comments and `CREATE TRIGGER` bodies (whose inner statements end in `;` too; the trigger
//! ends at `END ;`). This is the rule `sqlite3_complete` applies, written as a small
//! tokenizer plus a state machine because the engine does not expose that function.
//!
//! The same machine splits a complete chunk into single statements, so the shell can time
//! each one and report the line an error came from.

/// The tokens the completeness rule cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// `;`
    Semi,
    /// Whitespace or a comment.
    Space,
    /// An identifier or keyword (unquoted).
    Word(&'a str),
    /// Anything else: literals, quoted identifiers, operators, numbers.
    Other,
}

/// Where the machine is, relative to the current statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Nothing but whitespace and comments since the start or the last `;`, with no
    /// statement seen yet.
    Empty,
    /// Nothing but whitespace and comments since the last `;` that ended a statement.
    Start,
    /// Inside an ordinary statement.
    Normal,
    /// `EXPLAIN` was the first word.
    Explain,
    /// `CREATE` (maybe after `EXPLAIN`, maybe followed by `TEMP`) was seen.
    Create,
    /// Inside a trigger body.
    Trigger,
    /// Inside a trigger body, right after a `;`.
    TriggerSemi,
    /// Inside a trigger body, after `; END`.
    TriggerEnd,
}

impl State {
    /// The next state after `token`. Returns the state and whether the token ended a
    /// statement.
    fn next(self, token: Token<'_>) -> (State, bool) {
        use State::*;
        let word = |w: &str| matches!(token, Token::Word(t) if t.eq_ignore_ascii_case(w));
        match (self, token) {
            (Empty | Start, Token::Space) => (self, false),
            (Empty | Start | Normal | Explain | Create, Token::Semi) => (Start, true),
            (Empty | Start, _) if word("EXPLAIN") => (Explain, false),
            (Empty | Start | Explain, _) if word("CREATE") => (Create, false),
            (Explain | Create, Token::Space) => (self, false),
            (Create, _) if word("TEMP") || word("TEMPORARY") => (Create, false),
            (Create, _) if word("TRIGGER") => (Trigger, false),
            (Empty | Start | Normal | Explain | Create, _) => (Normal, false),
            (Trigger | TriggerSemi, Token::Semi) => (TriggerSemi, false),
            (Trigger, _) => (Trigger, false),
            (TriggerSemi | TriggerEnd, Token::Space) => (self, false),
            (TriggerSemi, _) if word("END") => (TriggerEnd, false),
            (TriggerSemi, _) => (Trigger, false),
            (TriggerEnd, Token::Semi) => (Start, true),
            (TriggerEnd, _) => (Trigger, false),
        }
    }
}

/// Splits SQL text into tokens, with each token's byte offset. Returns `None` for the
/// last token when the text ends inside a string, quoted identifier or block comment.
struct Tokens<'a> {
    sql: &'a str,
    pos: usize,
}

impl<'a> Tokens<'a> {
    fn new(sql: &'a str) -> Self {
        Tokens { sql, pos: 0 }
    }
}

/// One token, or the marker that the text stops inside an unterminated token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lexed<'a> {
    Token(usize, Token<'a>),
    Unterminated,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Lexed<'a>;

    fn next(&mut self) -> Option<Lexed<'a>> {
        let bytes = self.sql.as_bytes();
        let start = self.pos;
        let &first = bytes.get(start)?;
        let find = |from: usize, needle: &[u8]| {
            bytes[from..]
                .windows(needle.len())
                .position(|w| w == needle)
                .map(|i| from + i)
        };
        let (end, token) = match first {
            b';' => (start + 1, Token::Semi),
            b if b.is_ascii_whitespace() => {
                let len = bytes[start..]
                    .iter()
                    .take_while(|b| b.is_ascii_whitespace())
                    .count();
                (start + len, Token::Space)
            }
            b'-' if bytes.get(start + 1) == Some(&b'-') => {
                let end = find(start, b"\n").map_or(bytes.len(), |i| i + 1);
                (end, Token::Space)
            }
            b'/' if bytes.get(start + 1) == Some(&b'*') => match find(start + 2, b"*/") {
                Some(i) => (i + 2, Token::Space),
                None => {
                    self.pos = bytes.len();
                    return Some(Lexed::Unterminated);
                }
            },
            b'\'' | b'"' | b'`' | b'[' => {
                let close = if first == b'[' { b']' } else { first };
                // A doubled quote inside a literal lexes as two adjacent literals, which
                // is the same for this purpose.
                match bytes[start + 1..].iter().position(|&b| b == close) {
                    Some(i) => (start + 1 + i + 1, Token::Other),
                    None => {
                        self.pos = bytes.len();
                        return Some(Lexed::Unterminated);
                    }
                }
            }
            b if is_word_byte(b) && !b.is_ascii_digit() => {
                let len = bytes[start..]
                    .iter()
                    .take_while(|&&b| is_word_byte(b))
                    .count();
                (start + len, Token::Word(&self.sql[start..start + len]))
            }
            b if is_word_byte(b) => {
                let len = bytes[start..]
                    .iter()
                    .take_while(|&&b| is_word_byte(b))
                    .count();
                (start + len, Token::Other)
            }
            _ => {
                // One character (which may be several bytes; stay on a char boundary).
                let len = self.sql[start..].chars().next().map_or(1, char::len_utf8);
                (start + len, Token::Other)
            }
        };
        self.pos = end;
        Some(Lexed::Token(start, token))
    }
}

/// True when `sql` ends with a complete statement (and holds at least one), by SQLite's
/// rule: the final `;` is outside literals, comments and trigger bodies, and only
/// whitespace or comments follow it.
pub(crate) fn is_complete(sql: &str) -> bool {
    let mut state = State::Empty;
    for lexed in Tokens::new(sql) {
        match lexed {
            Lexed::Token(_, token) => state = state.next(token).0,
            Lexed::Unterminated => return false,
        }
    }
    state == State::Start
}

/// True when `sql` holds nothing but whitespace and comments.
pub(crate) fn is_blank(sql: &str) -> bool {
    Tokens::new(sql).all(|lexed| matches!(lexed, Lexed::Token(_, Token::Space)))
}

/// One statement cut out of a larger text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Statement<'a> {
    /// The statement's text, including its closing `;` (if any).
    pub sql: &'a str,
    /// Lines between the start of the whole text and the statement's first token.
    pub line_offset: usize,
}

/// Splits `sql` into statements, in order. Statements holding only whitespace, comments
/// and `;` are dropped. Text after the last complete statement (an unfinished statement)
/// comes last, so that running everything still reports SQLite's own error for it.
pub(crate) fn split(sql: &str) -> Vec<Statement<'_>> {
    let mut statements = Vec::new();
    let mut state = State::Empty;
    let mut seg_start = 0;
    let mut first_token: Option<usize> = None;
    let mut push = |from: usize, to: usize, first: Option<usize>| {
        if let Some(first) = first {
            statements.push(Statement {
                sql: &sql[from..to],
                line_offset: sql[..first].matches('\n').count(),
            });
        }
    };
    for lexed in Tokens::new(sql) {
        let Lexed::Token(offset, token) = lexed else {
            break;
        };
        if first_token.is_none() && !matches!(token, Token::Space | Token::Semi) {
            first_token = Some(offset);
        }
        let (next, ended) = state.next(token);
        state = next;
        if ended {
            push(seg_start, offset + 1, first_token.take());
            seg_start = offset + 1;
        }
    }
    if first_token.is_none() && !is_blank(&sql[seg_start..]) {
        // The rest starts with an unterminated literal or comment.
        first_token =
            Some(seg_start + (sql[seg_start..].len() - sql[seg_start..].trim_start().len()));
    }
    push(seg_start, sql.len(), first_token);
    statements
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_statements() {
        assert!(is_complete("select 1;"));
        assert!(is_complete("select 1;  -- trailing comment\n"));
        assert!(is_complete("select 1; /* c */ "));
        assert!(is_complete("select 1;\nselect 2;"));
        assert!(is_complete("select ';';"));
        assert!(is_complete("select 'it''s';"));
        assert!(is_complete("select \"a;b\" from [x;y];"));
    }

    #[test]
    fn incomplete_statements() {
        assert!(!is_complete(""));
        assert!(!is_complete("   \n"));
        assert!(!is_complete("-- only a comment;\n"));
        assert!(!is_complete("select 1"));
        assert!(!is_complete("select 1; select 2"));
        assert!(!is_complete("select 'a;\n"));
        assert!(!is_complete("select 1 /* ; */"));
        assert!(!is_complete("select 1 /* ;"));
        assert!(!is_complete("select 1 -- ;"));
        assert!(!is_complete("select `a;"));
    }

    #[test]
    fn triggers_end_at_end_semicolon() {
        let head = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  INSERT INTO log VALUES (1);";
        assert!(!is_complete(head));
        assert!(!is_complete(&format!("{head}\n  UPDATE x SET a = 1;")));
        assert!(!is_complete(&format!("{head}\nEND")));
        assert!(is_complete(&format!("{head}\nEND;")));
        assert!(is_complete(&format!("{head}\nend -- done\n;\n")));
        assert!(is_complete(
            "create temp trigger tr after insert on t begin select 1; end;"
        ));
        assert!(is_complete(
            "explain create trigger tr after insert on t begin select 1; end;"
        ));
        // END as a column name inside the body does not end the trigger.
        assert!(!is_complete(
            "create trigger tr after insert on t begin select 1 as end;"
        ));
    }

    #[test]
    fn create_table_named_trigger_is_ordinary() {
        assert!(is_complete("create table trigger_log(x);"));
        assert!(is_complete("create table t(trigger);"));
    }

    #[test]
    fn blank_text() {
        assert!(is_blank(""));
        assert!(is_blank("  -- hi\n /* there */ \n"));
        assert!(!is_blank("select"));
        assert!(!is_blank(";"));
        assert!(!is_blank("/* open"));
    }

    #[test]
    fn split_statements_with_lines() {
        let sql = "select 1;\n\nselect 2; select 3;\n-- c\n;;\ncreate trigger tr after insert on t begin\n select 1;\nend;";
        let parts = split(sql);
        let got: Vec<(&str, usize)> = parts
            .iter()
            .map(|s| (s.sql.trim(), s.line_offset))
            .collect();
        assert_eq!(
            got,
            vec![
                ("select 1;", 0),
                ("select 2;", 2),
                ("select 3;", 2),
                (
                    "create trigger tr after insert on t begin\n select 1;\nend;",
                    5
                ),
            ]
        );
    }

    #[test]
    fn split_keeps_unfinished_tail() {
        let parts = split("select 1; select 2");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].sql.trim(), "select 2");
        let parts = split("select 1; 'open");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].sql.trim(), "'open");
        let parts = split("select 1; -- bye");
        assert_eq!(parts.len(), 1);
    }

    #[test]
    fn multibyte_text_is_handled() {
        assert!(is_complete("select 'é漢', ü;"));
        assert!(is_complete("select 1 → 2;"));
        assert_eq!(split("select 'é'; select €;").len(), 2);
    }
}
