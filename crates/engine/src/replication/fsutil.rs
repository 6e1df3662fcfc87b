//! Small durable-file helpers shared by the log and the replica: whole-file writes by
//! atomic rename, and directory syncs so that creations, renames and deletions survive a
//! crash.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use super::error::ReplicationError;

/// Syncs a directory so that entries created, renamed or removed in it are durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), ReplicationError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(ReplicationError::io(dir))
}

/// Replaces `path` with `bytes` atomically: write a temporary sibling, fsync it, rename
/// it over `path`, fsync the directory. A crash leaves either the old or the new file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReplicationError> {
    let tmp = path.with_extension("tmp");
    let mut file = File::create(&tmp).map_err(ReplicationError::io(&tmp))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(ReplicationError::io(&tmp))?;
    drop(file);
    fs::rename(&tmp, path).map_err(ReplicationError::io(path))?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Removes a file if it exists.
pub(crate) fn remove_if_exists(path: &Path) -> Result<(), ReplicationError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(ReplicationError::Io {
            path: path.to_path_buf(),
            source: e,
        }),
    }
}

/// `path` with `suffix` appended to its file name (`db` → `db-replication`).
pub(crate) fn sibling(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}
