//! Reading the column list of a stored `CREATE TABLE` statement.
//!
//! Columns are split at commas that are outside parentheses, strings, quoted names and
//! comments — so `DECIMAL(10,2)`, `CHECK (a IN (1,2))` and `DEFAULT 'x,y'` stay whole
//! (libSQL's ALTER COLUMN cuts at the first comma). Every range is a byte range into the
//! original text, so a rewrite can replace one column and keep every other byte.

use super::token::{self, Kind, Token};

/// One element of a table's column list: a column definition or a table constraint.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    /// Byte range of the element, from its first to its last token.
    pub start: usize,
    pub end: usize,
    /// The element's significant tokens.
    pub tokens: Vec<Token>,
    /// The column's name, unquoted; `None` for a table constraint.
    pub column: Option<String>,
}

/// A parsed `CREATE TABLE … ( … ) …` statement.
#[derive(Debug)]
pub(crate) struct TableDef {
    pub elements: Vec<Element>,
}

const CONSTRAINT_STARTS: [&str; 5] = ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"];

impl TableDef {
    /// Parses `sql`; `None` when it has no parenthesised column list (`CREATE TABLE … AS
    /// SELECT`) or the list is unbalanced.
    pub fn parse(sql: &str) -> Option<TableDef> {
        let tokens = token::significant(sql);
        let open = tokens.iter().position(|t| t.kind == Kind::LParen)?;
        // Anything but names and dots before the '(' means this is not a column list.
        if tokens[..open]
            .iter()
            .any(|t| t.kind == Kind::Word && t.is_word(sql, "AS"))
        {
            return None;
        }
        let mut elements = Vec::new();
        let mut depth = 0usize;
        let mut current: Vec<Token> = Vec::new();
        for t in &tokens[open + 1..] {
            match t.kind {
                Kind::LParen => depth += 1,
                Kind::RParen if depth == 0 => {
                    elements.push(element(sql, std::mem::take(&mut current))?);
                    return Some(TableDef { elements });
                }
                Kind::RParen => depth -= 1,
                Kind::Comma if depth == 0 => {
                    elements.push(element(sql, std::mem::take(&mut current))?);
                    continue;
                }
                _ => {}
            }
            current.push(*t);
        }
        None
    }

    /// The column named `name` (unquoted, ASCII case-insensitive, as SQLite compares).
    pub fn column(&self, name: &str) -> Option<&Element> {
        self.elements.iter().find(|e| {
            e.column
                .as_deref()
                .is_some_and(|c| c.eq_ignore_ascii_case(name))
        })
    }
}

fn element(sql: &str, tokens: Vec<Token>) -> Option<Element> {
    let first = tokens.first()?;
    let last = tokens.last()?;
    let is_constraint = CONSTRAINT_STARTS.iter().any(|k| first.is_word(sql, k));
    let column = (!is_constraint && first.is_name()).then(|| token::dequote(first.text(sql)));
    Some(Element {
        start: first.start,
        end: last.end,
        tokens,
        column,
    })
}

/// What a column definition declares, as far as ALTER COLUMN cares.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ColumnFeatures {
    pub primary_key: bool,
    pub unique: bool,
    pub generated: bool,
    pub not_null: bool,
    pub references: bool,
    /// The `COLLATE` name, as written.
    pub collate: Option<String>,
    /// The text of each `CHECK (…)` expression, without the outer parentheses.
    pub checks: Vec<String>,
}

/// Looks at the constraint keywords of a column definition (`tokens` starts with the
/// column name). Words inside parentheses (a CHECK or DEFAULT expression, a type's size)
/// are not constraints.
pub(crate) fn column_features(sql: &str, tokens: &[Token]) -> ColumnFeatures {
    let mut f = ColumnFeatures::default();
    let mut depth = 0usize;
    let mut i = 1;
    while i < tokens.len() {
        let t = &tokens[i];
        match t.kind {
            Kind::LParen => depth += 1,
            Kind::RParen => depth = depth.saturating_sub(1),
            Kind::Word if depth == 0 => {
                let w = t.text(sql).to_ascii_uppercase();
                match w.as_str() {
                    "CONSTRAINT" => i += 1, // skip the constraint's name
                    "PRIMARY" => f.primary_key = true,
                    "UNIQUE" => f.unique = true,
                    "AS" | "GENERATED" => f.generated = true,
                    "REFERENCES" => f.references = true,
                    "NOT" if tokens.get(i + 1).is_some_and(|n| n.is_word(sql, "NULL")) => {
                        f.not_null = true;
                    }
                    "COLLATE" => {
                        f.collate = tokens.get(i + 1).map(|n| n.text(sql).to_owned());
                        i += 1;
                    }
                    "CHECK" if tokens.get(i + 1).is_some_and(|n| n.kind == Kind::LParen) => {
                        let open = i + 1;
                        let mut d = 0usize;
                        let mut j = open;
                        while j < tokens.len() {
                            match tokens[j].kind {
                                Kind::LParen => d += 1,
                                Kind::RParen => {
                                    d -= 1;
                                    if d == 0 {
                                        break;
                                    }
                                }
                                _ => {}
                            }
                            j += 1;
                        }
                        if j < tokens.len() {
                            f.checks
                                .push(sql[tokens[open].end..tokens[j].start].to_owned());
                        }
                        i = j;
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        i += 1;
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_inside_groups_do_not_split() {
        let sql = "CREATE TABLE t(a DECIMAL(10,2), b CHECK (b IN (1,2)), c TEXT DEFAULT 'x,y' /* , */, \"d,e\" INT, PRIMARY KEY(a, b))";
        let def = TableDef::parse(sql).unwrap();
        let texts: Vec<_> = def.elements.iter().map(|e| &sql[e.start..e.end]).collect();
        assert_eq!(
            texts,
            [
                "a DECIMAL(10,2)",
                "b CHECK (b IN (1,2))",
                "c TEXT DEFAULT 'x,y'",
                "\"d,e\" INT",
                "PRIMARY KEY(a, b)"
            ]
        );
        assert_eq!(
            def.column("D,E").unwrap().start,
            sql.find("\"d,e\"").unwrap()
        );
        assert!(def.elements[4].column.is_none());
    }

    #[test]
    fn features() {
        let sql = "x INTEGER CONSTRAINT pk PRIMARY KEY NOT NULL CHECK (x > 0 AND x IN (1,2)) COLLATE nocase DEFAULT (CAST(1 AS INT))";
        let tokens = token::significant(sql);
        let f = column_features(sql, &tokens);
        assert!(f.primary_key && f.not_null && !f.unique && !f.generated);
        assert_eq!(f.collate.as_deref(), Some("nocase"));
        assert_eq!(f.checks, ["x > 0 AND x IN (1,2)"]);
    }
}
