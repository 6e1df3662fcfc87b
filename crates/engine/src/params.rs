//! Statement parameters and how they bind, following libSQL's server: positional values
//! fill `?`, `?NNN` (and, by position, named parameters); named values match a parameter's
//! name with or without its prefix (`:a`, `@a`, `$a`).

use crate::error::{Error, Result};
use crate::value::Value;

/// Values for a statement's parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Params {
    /// No values.
    #[default]
    None,
    /// Values by position: the first fills parameter 1.
    Positional(Vec<Value>),
    /// Values by name; a name may carry its prefix (`:a`) or not (`a`).
    Named(Vec<(String, Value)>),
}

impl Params {
    /// True when no value is given.
    pub fn is_empty(&self) -> bool {
        match self {
            Params::None => true,
            Params::Positional(v) => v.is_empty(),
            Params::Named(v) => v.is_empty(),
        }
    }

    /// Binds these values to a freshly reset statement.
    pub(crate) fn bind(&self, stmt: &mut rusqlite::Statement<'_>) -> Result<()> {
        let count = stmt.parameter_count();
        match self {
            Params::None => bind_positional(stmt, count, &[]),
            Params::Positional(values) => bind_positional(stmt, count, values),
            Params::Named(values) => bind_named(stmt, count, values),
        }
    }
}

fn bind_positional(
    stmt: &mut rusqlite::Statement<'_>,
    count: usize,
    values: &[Value],
) -> Result<()> {
    if values.len() > count {
        return Err(Error::TooManyParameters {
            expected: count,
            given: values.len(),
        });
    }
    for index in 1..=count {
        let value = values
            .get(index - 1)
            .ok_or_else(|| Error::MissingParameter {
                parameter: index.to_string(),
            })?;
        stmt.raw_bind_parameter(index, value)?;
    }
    Ok(())
}

fn bind_named(
    stmt: &mut rusqlite::Statement<'_>,
    count: usize,
    values: &[(String, Value)],
) -> Result<()> {
    for index in 1..=count {
        let name = stmt.parameter_name(index).map(str::to_owned);
        let value = name.as_deref().and_then(|name| lookup(values, name));
        let value = value.ok_or_else(|| Error::MissingParameter {
            parameter: name.unwrap_or_else(|| index.to_string()),
        })?;
        stmt.raw_bind_parameter(index, value)?;
    }
    Ok(())
}

fn lookup<'a>(values: &'a [(String, Value)], name: &str) -> Option<&'a Value> {
    let bare = name.get(1..).unwrap_or_default();
    values
        .iter()
        .find(|(given, _)| given == name || given == bare)
        .map(|(_, value)| value)
}

impl From<Vec<Value>> for Params {
    fn from(values: Vec<Value>) -> Self {
        Params::Positional(values)
    }
}

impl From<()> for Params {
    fn from(_: ()) -> Self {
        Params::None
    }
}
