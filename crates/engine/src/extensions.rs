//! SQL functions, virtual tables and other additions Basalt registers on every connection
//! (libSQL's vector functions, for example). Each feature registers itself from its own
//! module; this is the one place `Connection::open` calls.

use crate::error::Result;

/// Registers every Basalt addition on a freshly opened connection.
pub(crate) fn register(conn: &rusqlite::Connection) -> Result<()> {
    crate::vector::register(conn)?;
    crate::frontend::random_rowid::register(conn)?;
    Ok(())
}
