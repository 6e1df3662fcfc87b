//! Hrana protocol versions, encodings and WebSocket subprotocol negotiation (LIBSQL-SURFACE
//! §1.2, §4.1).
//!
//! The version decides which requests, fields and conditions a client may use; the checks
//! themselves live next to the types they inspect (`check_version` on requests and batches)
//! and report [`crate::ProtocolError::NotSupported`].

use std::fmt;

/// A Hrana protocol version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// Hrana 1 (`hrana1`, HTTP `/v1`).
    Hrana1,
    /// Hrana 2 (`hrana2`, HTTP `/v2`).
    Hrana2,
    /// Hrana 3 (`hrana3`, `hrana3-protobuf`, HTTP `/v3`, `/v3-protobuf`).
    Hrana3,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::Hrana1 => "hrana1",
            Version::Hrana2 => "hrana2",
            Version::Hrana3 => "hrana3",
        })
    }
}

/// How messages are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// JSON (text WebSocket frames; `application/json` HTTP bodies).
    Json,
    /// Protobuf (binary WebSocket frames; `application/x-protobuf` HTTP bodies).
    Protobuf,
}

/// A WebSocket subprotocol Basalt speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subprotocol {
    /// `hrana1`.
    Hrana1,
    /// `hrana2`.
    Hrana2,
    /// `hrana3`.
    Hrana3,
    /// `hrana3-protobuf`.
    Hrana3Protobuf,
}

impl Subprotocol {
    /// All subprotocols in the server's order of preference (sqld's order).
    pub const PREFERENCE: [Subprotocol; 4] = [
        Subprotocol::Hrana3Protobuf,
        Subprotocol::Hrana3,
        Subprotocol::Hrana2,
        Subprotocol::Hrana1,
    ];

    /// The `Sec-WebSocket-Protocol` token.
    pub fn name(self) -> &'static str {
        match self {
            Subprotocol::Hrana1 => "hrana1",
            Subprotocol::Hrana2 => "hrana2",
            Subprotocol::Hrana3 => "hrana3",
            Subprotocol::Hrana3Protobuf => "hrana3-protobuf",
        }
    }

    /// Parses a token, ignoring ASCII case and surrounding whitespace.
    pub fn from_name(name: &str) -> Option<Subprotocol> {
        let name = name.trim();
        Subprotocol::PREFERENCE
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name))
    }

    /// The protocol version.
    pub fn version(self) -> Version {
        match self {
            Subprotocol::Hrana1 => Version::Hrana1,
            Subprotocol::Hrana2 => Version::Hrana2,
            Subprotocol::Hrana3 | Subprotocol::Hrana3Protobuf => Version::Hrana3,
        }
    }

    /// The message encoding.
    pub fn encoding(self) -> Encoding {
        match self {
            Subprotocol::Hrana3Protobuf => Encoding::Protobuf,
            _ => Encoding::Json,
        }
    }

    /// Picks the subprotocol from the client's `Sec-WebSocket-Protocol` header values (each may
    /// hold a comma-separated list). The first of [`Subprotocol::PREFERENCE`] that the client
    /// offered wins, whatever the client's order.
    ///
    /// Returns `Ok(None)` when the client sent no header at all (sqld then assumes `hrana1`
    /// and echoes no protocol), and `Err(NoCommonSubprotocol)` when nothing matches.
    pub fn negotiate<'a>(
        header_values: impl IntoIterator<Item = &'a str>,
    ) -> Result<Option<Subprotocol>, NoCommonSubprotocol> {
        let mut any = false;
        let mut offered = [false; 4];
        for token in header_values.into_iter().flat_map(|v| v.split(',')) {
            any = true;
            if let Some(p) = Subprotocol::from_name(token) {
                let i = Subprotocol::PREFERENCE
                    .iter()
                    .position(|q| *q == p)
                    .expect("listed");
                offered[i] = true;
            }
        }
        if !any {
            return Ok(None);
        }
        Subprotocol::PREFERENCE
            .into_iter()
            .zip(offered)
            .find_map(|(p, o)| o.then_some(p))
            .map(Some)
            .ok_or(NoCommonSubprotocol)
    }
}

/// The client offered no subprotocol Basalt speaks. `Display` is sqld's HTTP 400 body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Only these WebSocket subprotocols are supported: hrana3-protobuf hrana3 hrana2 hrana1")]
pub struct NoCommonSubprotocol;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_server_order() {
        assert_eq!(
            Subprotocol::negotiate(["hrana1, hrana2, hrana3"]),
            Ok(Some(Subprotocol::Hrana3))
        );
        assert_eq!(
            Subprotocol::negotiate(["hrana2", "HRANA3-protobuf"]),
            Ok(Some(Subprotocol::Hrana3Protobuf))
        );
        assert_eq!(
            Subprotocol::negotiate(["hrana1"]),
            Ok(Some(Subprotocol::Hrana1))
        );
        assert_eq!(Subprotocol::negotiate([]), Ok(None));
        assert_eq!(Subprotocol::negotiate(["foo"]), Err(NoCommonSubprotocol));
        assert_eq!(
            NoCommonSubprotocol.to_string(),
            "Only these WebSocket subprotocols are supported: hrana3-protobuf hrana3 hrana2 hrana1"
        );
    }

    #[test]
    fn versions_order_and_print() {
        assert!(Version::Hrana1 < Version::Hrana2 && Version::Hrana2 < Version::Hrana3);
        assert_eq!(Version::Hrana3.to_string(), "hrana3");
        assert_eq!(Subprotocol::Hrana3Protobuf.version(), Version::Hrana3);
        assert_eq!(Subprotocol::Hrana3Protobuf.encoding(), Encoding::Protobuf);
        assert_eq!(Subprotocol::Hrana2.encoding(), Encoding::Json);
    }
}
