//! SQL functions, virtual tables and other additions Basalt registers on every connection
//! (libSQL's vector functions, for example). Each feature registers itself from its own
//! module; this is the one place `Connection::open` calls.

use crate::error::Result;

/// What the additions keep per connection. Dropping it releases that state, which
/// must happen before the SQLite connection closes (see [`crate::vector::index::Runtime`]).
pub(crate) struct Extensions {
    vector: std::sync::Arc<crate::vector::index::Runtime>,
}

impl Drop for Extensions {
    fn drop(&mut self) {
        self.vector.release();
    }
}

/// Registers every Basalt addition on a freshly opened connection.
pub(crate) fn register(conn: &rusqlite::Connection) -> Result<Extensions> {
    let vector = crate::vector::register(conn)?;
    crate::frontend::random_rowid::register(conn)?;
    Ok(Extensions { vector })
}
