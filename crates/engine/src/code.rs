//! Names of SQLite result codes, as SQLite's documentation spells them.
//!
//! SQLite itself only offers English descriptions (`sqlite3_errstr`); clients of libSQL
//! match on the symbolic names, so the engine keeps the table here.

/// The symbolic name of a primary result code (`code & 0xff`), e.g. `SQLITE_CONSTRAINT`.
pub fn primary_code_name(code: i32) -> &'static str {
    match code & 0xff {
        0 => "SQLITE_OK",
        1 => "SQLITE_ERROR",
        2 => "SQLITE_INTERNAL",
        3 => "SQLITE_PERM",
        4 => "SQLITE_ABORT",
        5 => "SQLITE_BUSY",
        6 => "SQLITE_LOCKED",
        7 => "SQLITE_NOMEM",
        8 => "SQLITE_READONLY",
        9 => "SQLITE_INTERRUPT",
        10 => "SQLITE_IOERR",
        11 => "SQLITE_CORRUPT",
        12 => "SQLITE_NOTFOUND",
        13 => "SQLITE_FULL",
        14 => "SQLITE_CANTOPEN",
        15 => "SQLITE_PROTOCOL",
        16 => "SQLITE_EMPTY",
        17 => "SQLITE_SCHEMA",
        18 => "SQLITE_TOOBIG",
        19 => "SQLITE_CONSTRAINT",
        20 => "SQLITE_MISMATCH",
        21 => "SQLITE_MISUSE",
        22 => "SQLITE_NOLFS",
        23 => "SQLITE_AUTH",
        24 => "SQLITE_FORMAT",
        25 => "SQLITE_RANGE",
        26 => "SQLITE_NOTADB",
        27 => "SQLITE_NOTICE",
        28 => "SQLITE_WARNING",
        100 => "SQLITE_ROW",
        101 => "SQLITE_DONE",
        _ => "SQLITE_UNKNOWN",
    }
}

/// The symbolic name of an extended result code, e.g. `SQLITE_CONSTRAINT_UNIQUE`.
/// A primary code given here returns its primary name.
pub fn extended_code_name(code: i32) -> &'static str {
    match code {
        516 => "SQLITE_ABORT_ROLLBACK",
        261 => "SQLITE_BUSY_RECOVERY",
        517 => "SQLITE_BUSY_SNAPSHOT",
        773 => "SQLITE_BUSY_TIMEOUT",
        1038 => "SQLITE_CANTOPEN_CONVPATH",
        1294 => "SQLITE_CANTOPEN_DIRTYWAL",
        782 => "SQLITE_CANTOPEN_FULLPATH",
        526 => "SQLITE_CANTOPEN_ISDIR",
        270 => "SQLITE_CANTOPEN_NOTEMPDIR",
        1550 => "SQLITE_CANTOPEN_SYMLINK",
        2067 => "SQLITE_CONSTRAINT_UNIQUE",
        275 => "SQLITE_CONSTRAINT_CHECK",
        531 => "SQLITE_CONSTRAINT_COMMITHOOK",
        3091 => "SQLITE_CONSTRAINT_DATATYPE",
        787 => "SQLITE_CONSTRAINT_FOREIGNKEY",
        1043 => "SQLITE_CONSTRAINT_FUNCTION",
        1299 => "SQLITE_CONSTRAINT_NOTNULL",
        2835 => "SQLITE_CONSTRAINT_PINNED",
        1555 => "SQLITE_CONSTRAINT_PRIMARYKEY",
        2579 => "SQLITE_CONSTRAINT_ROWID",
        1811 => "SQLITE_CONSTRAINT_TRIGGER",
        2323 => "SQLITE_CONSTRAINT_VTAB",
        779 => "SQLITE_CORRUPT_INDEX",
        523 => "SQLITE_CORRUPT_SEQUENCE",
        267 => "SQLITE_CORRUPT_VTAB",
        257 => "SQLITE_ERROR_MISSING_COLLSEQ",
        513 => "SQLITE_ERROR_RETRY",
        769 => "SQLITE_ERROR_SNAPSHOT",
        3338 => "SQLITE_IOERR_ACCESS",
        7178 => "SQLITE_IOERR_AUTH",
        7434 => "SQLITE_IOERR_BEGIN_ATOMIC",
        2826 => "SQLITE_IOERR_BLOCKED",
        3594 => "SQLITE_IOERR_CHECKRESERVEDLOCK",
        4106 => "SQLITE_IOERR_CLOSE",
        7690 => "SQLITE_IOERR_COMMIT_ATOMIC",
        6922 => "SQLITE_IOERR_CONVPATH",
        8458 => "SQLITE_IOERR_CORRUPTFS",
        6410 => "SQLITE_IOERR_DATA",
        2570 => "SQLITE_IOERR_DELETE",
        5898 => "SQLITE_IOERR_DELETE_NOENT",
        4362 => "SQLITE_IOERR_DIR_CLOSE",
        1290 => "SQLITE_IOERR_DIR_FSYNC",
        1802 => "SQLITE_IOERR_FSTAT",
        1034 => "SQLITE_IOERR_FSYNC",
        6666 => "SQLITE_IOERR_GETTEMPPATH",
        3850 => "SQLITE_IOERR_LOCK",
        6154 => "SQLITE_IOERR_MMAP",
        3082 => "SQLITE_IOERR_NOMEM",
        2314 => "SQLITE_IOERR_RDLOCK",
        266 => "SQLITE_IOERR_READ",
        7946 => "SQLITE_IOERR_ROLLBACK_ATOMIC",
        5642 => "SQLITE_IOERR_SEEK",
        5130 => "SQLITE_IOERR_SHMLOCK",
        5386 => "SQLITE_IOERR_SHMMAP",
        4618 => "SQLITE_IOERR_SHMOPEN",
        4874 => "SQLITE_IOERR_SHMSIZE",
        522 => "SQLITE_IOERR_SHORT_READ",
        1546 => "SQLITE_IOERR_TRUNCATE",
        2058 => "SQLITE_IOERR_UNLOCK",
        8714 => "SQLITE_IOERR_VNODE",
        778 => "SQLITE_IOERR_WRITE",
        262 => "SQLITE_LOCKED_SHAREDCACHE",
        518 => "SQLITE_LOCKED_VTAB",
        539 => "SQLITE_NOTICE_RECOVER_ROLLBACK",
        283 => "SQLITE_NOTICE_RECOVER_WAL",
        256 => "SQLITE_OK_LOAD_PERMANENTLY",
        1288 => "SQLITE_READONLY_CANTINIT",
        520 => "SQLITE_READONLY_CANTLOCK",
        1032 => "SQLITE_READONLY_DBMOVED",
        1544 => "SQLITE_READONLY_DIRECTORY",
        264 => "SQLITE_READONLY_RECOVERY",
        776 => "SQLITE_READONLY_ROLLBACK",
        284 => "SQLITE_WARNING_AUTOINDEX",
        other => primary_code_name(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_sqlite_constants() {
        use rusqlite::ffi;
        assert_eq!(
            extended_code_name(ffi::SQLITE_CONSTRAINT_UNIQUE),
            "SQLITE_CONSTRAINT_UNIQUE"
        );
        assert_eq!(
            extended_code_name(ffi::SQLITE_CONSTRAINT_PRIMARYKEY),
            "SQLITE_CONSTRAINT_PRIMARYKEY"
        );
        assert_eq!(
            extended_code_name(ffi::SQLITE_CONSTRAINT_NOTNULL),
            "SQLITE_CONSTRAINT_NOTNULL"
        );
        assert_eq!(
            extended_code_name(ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
            "SQLITE_CONSTRAINT_FOREIGNKEY"
        );
        assert_eq!(
            extended_code_name(ffi::SQLITE_IOERR_SHORT_READ),
            "SQLITE_IOERR_SHORT_READ"
        );
        assert_eq!(
            extended_code_name(ffi::SQLITE_READONLY_DBMOVED),
            "SQLITE_READONLY_DBMOVED"
        );
        assert_eq!(
            extended_code_name(ffi::SQLITE_BUSY_SNAPSHOT),
            "SQLITE_BUSY_SNAPSHOT"
        );
        assert_eq!(extended_code_name(ffi::SQLITE_ERROR), "SQLITE_ERROR");
        assert_eq!(
            primary_code_name(ffi::SQLITE_CONSTRAINT_CHECK),
            "SQLITE_CONSTRAINT"
        );
        assert_eq!(primary_code_name(ffi::SQLITE_NOTADB), "SQLITE_NOTADB");
    }
}
