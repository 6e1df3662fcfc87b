//! libSQL's replication protocol (LIBSQL-SURFACE.md §8): the `wal_log.ReplicationLog`
//! and `proxy.Proxy` gRPC services with their messages, generated from `proto/` by
//! tonic, plus the bincode value encoding `proxy.Value` carries ([`value`]).
//!
//! Pure protocol: no SQLite, no server. The server implements the service traits; the
//! SDK's embedded replica and the replica server use the clients.

pub mod value;

/// `metadata` package: per-database settings sent in `Hello`.
pub mod metadata {
    tonic::include_proto!("metadata");
}

/// `wal_log` package: the replication log service.
pub mod wal_log {
    tonic::include_proto!("wal_log");
}

/// `proxy` package: write forwarding from replicas to the primary.
pub mod proxy {
    tonic::include_proto!("proxy");
}

/// gRPC status messages the official clients match on (LIBSQL-SURFACE.md §8.5).
pub mod status {
    /// FAILED_PRECONDITION: the offset was compacted away; call `Snapshot`.
    pub const NEED_SNAPSHOT: &str = "NEED_SNAPSHOT";
    /// FAILED_PRECONDITION: the session token is stale; call `Hello` again.
    pub const NO_HELLO: &str = "NO_HELLO";
    /// FAILED_PRECONDITION: the namespace does not exist.
    pub const NAMESPACE_DOESNT_EXIST: &str = "NAMESPACE_DOESNT_EXIST";
    /// OUT_OF_RANGE: the offset is past the end of the log.
    pub const FRAME_NOT_YET_AVAILABLE: &str = "frame not yet available";
    /// UNAVAILABLE: a snapshot is being prepared; retry.
    pub const SNAPSHOT_NOT_FOUND: &str = "snapshot not found";
    /// INVALID_ARGUMENT: replication asked from a node that is not a primary.
    pub const NOT_A_PRIMARY: &str = "not a primary";
    /// INVALID_ARGUMENT: libSQL's own WAL flavour is not served.
    pub const LIBSQL_WAL_NOT_SUPPORTED: &str = "libsql wal not supported";
}

/// Request metadata keys (LIBSQL-SURFACE.md §8.5).
pub mod metadata_keys {
    /// Binary metadata carrying the namespace name.
    pub const NAMESPACE: &str = "x-namespace-bin";
    /// `Bearer <jwt>`.
    pub const AUTHORIZATION: &str = "x-authorization";
    /// The `session_token` from `Hello`.
    pub const SESSION_TOKEN: &str = "x-session-token";
}
