//! Vector element types and their ids: the id is the trailing byte of every blob layout
//! except plain float32 (LIBSQL-SURFACE.md §9.1), and the value stored in an index's
//! metadata, so the numbering is part of the file format and must never change.

/// The most dimensions a vector may have (libSQL's limit).
pub(crate) const MAX_DIMS: usize = 65536;

/// Element type of a vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum VectorType {
    /// IEEE-754 binary32 (`F32_BLOB`, `FLOAT32`).
    F32,
    /// IEEE-754 binary64 (`F64_BLOB`, `FLOAT64`).
    F64,
    /// One sign bit per dimension (`F1BIT_BLOB`, `FLOAT1BIT`).
    F1Bit,
    /// One byte per dimension, linearly quantised (`F8_BLOB`, `FLOAT8`).
    F8,
    /// IEEE-754 binary16 (`F16_BLOB`, `FLOAT16`).
    F16,
    /// bfloat16: the upper half of a binary32 (`FB16_BLOB`, `FLOATB16`).
    BF16,
}

impl VectorType {
    /// Every type, in id order.
    #[allow(dead_code)] // used by tests and, later, the index's column-type parsing
    pub(crate) const ALL: [VectorType; 6] = [
        VectorType::F32,
        VectorType::F64,
        VectorType::F1Bit,
        VectorType::F8,
        VectorType::F16,
        VectorType::BF16,
    ];

    /// The type id (trailing blob byte, index metadata value).
    pub(crate) fn id(self) -> u8 {
        match self {
            VectorType::F32 => 1,
            VectorType::F64 => 2,
            VectorType::F1Bit => 3,
            VectorType::F8 => 4,
            VectorType::F16 => 5,
            VectorType::BF16 => 6,
        }
    }

    /// The type with this id.
    pub(crate) fn from_id(id: u8) -> Option<VectorType> {
        Some(match id {
            1 => VectorType::F32,
            2 => VectorType::F64,
            3 => VectorType::F1Bit,
            4 => VectorType::F8,
            5 => VectorType::F16,
            6 => VectorType::BF16,
            _ => return None,
        })
    }

    /// The type a declared column type names (`F32_BLOB(384)` → `(F32, 384)`), as the
    /// index needs it; case-insensitive, whitespace around the parts allowed.
    #[allow(dead_code)] // for the ANN index (issue 5, part 2)
    pub(crate) fn parse_column_type(decl: &str) -> Option<(VectorType, usize)> {
        let (name, rest) = decl.trim().split_once('(')?;
        let dims = rest.trim_end().strip_suffix(')')?.trim();
        let dims: usize = dims.parse().ok()?;
        let ty = match name.trim().to_ascii_uppercase().as_str() {
            "FLOAT32" | "F32_BLOB" => VectorType::F32,
            "FLOAT64" | "F64_BLOB" => VectorType::F64,
            "FLOAT1BIT" | "F1BIT_BLOB" => VectorType::F1Bit,
            "FLOAT8" | "F8_BLOB" => VectorType::F8,
            "FLOAT16" | "F16_BLOB" => VectorType::F16,
            "FLOATB16" | "FB16_BLOB" => VectorType::BF16,
            _ => return None,
        };
        (dims <= MAX_DIMS).then_some((ty, dims))
    }

    /// Bytes of a blob of this type with `dims` dimensions, type byte and metadata
    /// included (libSQL's layouts, §9.2).
    pub(crate) fn blob_size(self, dims: usize) -> usize {
        match self {
            VectorType::F32 => dims * 4,
            VectorType::F64 => dims * 8 + 1,
            VectorType::F16 | VectorType::BF16 => dims * 2 + 1,
            VectorType::F8 => dims.next_multiple_of(4) + 8 + 3,
            VectorType::F1Bit => {
                let data = dims.div_ceil(8);
                data + usize::from(data.is_multiple_of(2)) + 2
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        for ty in VectorType::ALL {
            assert_eq!(VectorType::from_id(ty.id()), Some(ty));
        }
        assert_eq!(VectorType::from_id(0), None);
        assert_eq!(VectorType::from_id(7), None);
    }

    #[test]
    fn column_types() {
        assert_eq!(
            VectorType::parse_column_type("F32_BLOB(3)"),
            Some((VectorType::F32, 3))
        );
        assert_eq!(
            VectorType::parse_column_type(" float1bit ( 16 ) "),
            Some((VectorType::F1Bit, 16))
        );
        assert_eq!(VectorType::parse_column_type("BLOB"), None);
        assert_eq!(VectorType::parse_column_type("F32_BLOB(65537)"), None);
    }
}
