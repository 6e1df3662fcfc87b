//! The bincode (v1, default options) encoding of SQL values inside `proxy.Value.data`
//! (LIBSQL-SURFACE.md §2.3): a u32 LE variant index — 0 null, 1 integer, 2 real,
//! 3 text, 4 blob — then the payload: i64/f64 as 8 bytes LE, text and blob as a u64 LE
//! length and the bytes.

/// A SQL value as the proxy protocol carries it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// Why a `proxy.Value` could not be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ValueError {
    #[error("value is truncated: needs {needed} bytes, has {len}")]
    Truncated { needed: usize, len: usize },
    #[error("unknown value variant {0}")]
    UnknownVariant(u32),
    #[error("value text is not UTF-8")]
    InvalidUtf8,
    #[error("value has {0} trailing bytes")]
    TrailingBytes(usize),
}

impl Value {
    /// Encodes the value as bincode bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(12);
        match self {
            Value::Null => out.extend_from_slice(&0u32.to_le_bytes()),
            Value::Integer(i) => {
                out.extend_from_slice(&1u32.to_le_bytes());
                out.extend_from_slice(&i.to_le_bytes());
            }
            Value::Real(f) => {
                out.extend_from_slice(&2u32.to_le_bytes());
                out.extend_from_slice(&f.to_le_bytes());
            }
            Value::Text(s) => encode_bytes(&mut out, 3, s.as_bytes()),
            Value::Blob(b) => encode_bytes(&mut out, 4, b),
        }
        out
    }

    /// Decodes bincode bytes; the whole input must be one value.
    pub fn decode(data: &[u8]) -> Result<Value, ValueError> {
        let mut input = Input { data, pos: 0 };
        let variant = u32::from_le_bytes(input.take_array()?);
        let value = match variant {
            0 => Value::Null,
            1 => Value::Integer(i64::from_le_bytes(input.take_array()?)),
            2 => Value::Real(f64::from_le_bytes(input.take_array()?)),
            3 => {
                let bytes = input.take_len_prefixed()?;
                Value::Text(String::from_utf8(bytes.to_vec()).map_err(|_| ValueError::InvalidUtf8)?)
            }
            4 => Value::Blob(input.take_len_prefixed()?.to_vec()),
            other => return Err(ValueError::UnknownVariant(other)),
        };
        match data.len() - input.pos {
            0 => Ok(value),
            rest => Err(ValueError::TrailingBytes(rest)),
        }
    }
}

fn encode_bytes(out: &mut Vec<u8>, variant: u32, bytes: &[u8]) {
    out.reserve(12 + bytes.len());
    out.extend_from_slice(&variant.to_le_bytes());
    out.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
    out.extend_from_slice(bytes);
}

struct Input<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Input<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ValueError> {
        let needed = self.pos.checked_add(n).ok_or(ValueError::Truncated {
            needed: usize::MAX,
            len: self.data.len(),
        })?;
        let bytes = self
            .data
            .get(self.pos..needed)
            .ok_or(ValueError::Truncated {
                needed,
                len: self.data.len(),
            })?;
        self.pos = needed;
        Ok(bytes)
    }

    fn take_array<const N: usize>(&mut self) -> Result<[u8; N], ValueError> {
        Ok(self.take(N)?.try_into().expect("take returns N bytes"))
    }

    fn take_len_prefixed(&mut self) -> Result<&'a [u8], ValueError> {
        let len = u64::from_le_bytes(self.take_array()?);
        let len = usize::try_from(len).map_err(|_| ValueError::Truncated {
            needed: usize::MAX,
            len: self.data.len(),
        })?;
        self.take(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_match_bincode_v1() {
        assert_eq!(Value::Null.encode(), [0, 0, 0, 0]);
        assert_eq!(
            Value::Integer(-2).encode(),
            [1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        assert_eq!(
            Value::Text("hi".into()).encode(),
            [3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, b'h', b'i']
        );
        assert_eq!(
            Value::Blob(vec![7]).encode(),
            [4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7]
        );
        assert_eq!(Value::Real(1.5).encode()[..4], [2, 0, 0, 0]);
    }

    #[test]
    fn round_trips() {
        for v in [
            Value::Null,
            Value::Integer(i64::MIN),
            Value::Real(-0.25),
            Value::Text("héllo".into()),
            Value::Blob(vec![]),
            Value::Blob(vec![0, 1, 2, 255]),
        ] {
            assert_eq!(Value::decode(&v.encode()), Ok(v));
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(
            Value::decode(&[]),
            Err(ValueError::Truncated { needed: 4, len: 0 })
        );
        assert_eq!(
            Value::decode(&[9, 0, 0, 0]),
            Err(ValueError::UnknownVariant(9))
        );
        assert_eq!(
            Value::decode(&[0, 0, 0, 0, 1]),
            Err(ValueError::TrailingBytes(1))
        );
        let huge = [4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert!(matches!(
            Value::decode(&huge),
            Err(ValueError::Truncated { .. })
        ));
        assert_eq!(
            Value::decode(&[3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xff]),
            Err(ValueError::InvalidUtf8)
        );
    }
}
