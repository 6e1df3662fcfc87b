//! Node blocks: one row of `<index>_shadow` per indexed row, in libSQL's v3 layout (see
//! [`Layout`]), so files stay searchable by libSQL and libSQL's files by Basalt.
//!
//! [`View`] reads a block in place (the search path, which only needs a few fields of
//! each block it visits); [`Node`] is a decoded, owned block for the paths that change
//! edges and write the block back.

use super::IndexError;
use super::params::{EDGE_META, Layout, NODE_HEADER};

/// A borrowed, validated node block.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    layout: &'a Layout,
    bytes: &'a [u8],
    count: usize,
}

impl<'a> View<'a> {
    /// Checks the block's size and edge count.
    pub(crate) fn new(
        layout: &'a Layout,
        key: i64,
        bytes: &'a [u8],
    ) -> Result<View<'a>, IndexError> {
        if bytes.len() < layout.meta + layout.slots * EDGE_META {
            return Err(IndexError::Corrupt {
                key,
                reason: "block is shorter than the index's block size",
            });
        }
        let count = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes"));
        if count > layout.slots as u64 {
            return Err(IndexError::Corrupt {
                key,
                reason: "edge count exceeds the block's capacity",
            });
        }
        Ok(View {
            layout,
            bytes,
            count: count as usize,
        })
    }

    /// The key (rowid) the block says it holds.
    pub(crate) fn key(&self) -> i64 {
        i64::from_le_bytes(self.bytes[0..8].try_into().expect("8 bytes"))
    }

    /// Number of edges.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// The node's vector data (column type, no type byte).
    pub(crate) fn vector(&self) -> &'a [u8] {
        &self.bytes[NODE_HEADER..NODE_HEADER + self.layout.node_vec]
    }

    /// Edge `i`'s neighbour copy (compressed type).
    pub(crate) fn copy(&self, i: usize) -> &'a [u8] {
        let start = NODE_HEADER + self.layout.node_vec + i * self.layout.edge_vec;
        &self.bytes[start..start + self.layout.edge_vec]
    }

    /// Edge `i`'s neighbour key.
    pub(crate) fn edge_key(&self, i: usize) -> i64 {
        let at = self.layout.meta + i * EDGE_META + 8;
        i64::from_le_bytes(self.bytes[at..at + 8].try_into().expect("8 bytes"))
    }

    /// Edge `i`'s stored distance between the node and the neighbour.
    pub(crate) fn edge_distance(&self, i: usize) -> f32 {
        let at = self.layout.meta + i * EDGE_META + 4;
        f32::from_le_bytes(self.bytes[at..at + 4].try_into().expect("4 bytes"))
    }
}

/// One edge of a decoded node.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Edge {
    /// The neighbour's key.
    pub key: i64,
    /// Distance between the node and the neighbour (exact, when the edge was made).
    pub distance: f32,
    /// The neighbour's vector in the compressed type.
    pub copy: Vec<u8>,
}

/// A decoded node block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// The node's key (rowid).
    pub key: i64,
    /// The node's vector data (column type).
    pub vector: Vec<u8>,
    /// Its edges, at most `layout.slots`.
    pub edges: Vec<Edge>,
}

impl Node {
    /// Decodes a block.
    pub(crate) fn decode(layout: &Layout, key: i64, bytes: &[u8]) -> Result<Node, IndexError> {
        let v = View::new(layout, key, bytes)?;
        Ok(Node {
            key: v.key(),
            vector: v.vector().to_vec(),
            edges: (0..v.count())
                .map(|i| Edge {
                    key: v.edge_key(i),
                    distance: v.edge_distance(i),
                    copy: v.copy(i).to_vec(),
                })
                .collect(),
        })
    }

    /// Encodes the block; unused slots are zero.
    pub(crate) fn encode(&self, layout: &Layout) -> Vec<u8> {
        debug_assert!(self.edges.len() <= layout.slots);
        debug_assert_eq!(self.vector.len(), layout.node_vec);
        let mut out = vec![0u8; layout.block_size];
        out[0..8].copy_from_slice(&self.key.to_le_bytes());
        out[8..16].copy_from_slice(&(self.edges.len() as u64).to_le_bytes());
        out[NODE_HEADER..NODE_HEADER + layout.node_vec].copy_from_slice(&self.vector);
        for (i, e) in self.edges.iter().enumerate() {
            let start = NODE_HEADER + layout.node_vec + i * layout.edge_vec;
            out[start..start + layout.edge_vec].copy_from_slice(&e.copy);
            let at = layout.meta + i * EDGE_META;
            out[at + 4..at + 8].copy_from_slice(&e.distance.to_le_bytes());
            out[at + 8..at + 16].copy_from_slice(&e.key.to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::VectorType;
    use crate::vector::index::params::decode_meta;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn reads_and_rewrites_a_libsql_block() {
        // vecs_idx, rowid 2, dumped by libSQL 0.1.11 (HRANA-TRANSCRIPTS.md §12).
        let meta = hex(
            "01030000000000000003010000000000000004030000000000000002010000000000000005010000000000000006000100000000000007333333333333f33f08460000000000000009c800000000000000",
        );
        let p = decode_meta(&meta).unwrap();
        assert_eq!(p.vector_type, VectorType::F32);
        let layout = Layout::new(&p);
        let block = hex(
            "0200000000000000020000000000000000004040000000400000803f0000803f00000000000000000000803f00000040000040400000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000035f94a3e0300000000000000000000002549923e010000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        );
        let node = Node::decode(&layout, 2, &block).unwrap();
        assert_eq!(node.key, 2);
        assert_eq!(node.edges.len(), 2);
        assert_eq!(node.edges[0].key, 3);
        assert_eq!(node.edges[1].key, 1);
        assert!((node.edges[1].distance - 0.2857143).abs() < 1e-6);
        assert_eq!(node.encode(&layout), block);
    }
}
