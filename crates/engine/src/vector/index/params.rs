//! Index parameters: the `'key=value'` options of `libsql_vector_idx`, their defaults,
//! the metadata row libSQL stores in `libsql_vector_meta_shadow`, and the node-block
//! [`Layout`] derived from them (LIBSQL-SURFACE.md §9.4–9.5).
//!
//! Metadata format (libSQL v3): a sequence of 9-byte records, a tag byte then 8 bytes
//! little-endian (an integer, or the bits of an f64 for `alpha`); the last record of a tag
//! wins. Records are written in libSQL's order: version, vector type, dims, the options as
//! given, then index type and metric when not given, the block size, then alpha, insert_l
//! and search_l when not given.

use super::IndexError;
use crate::vector::{Metric, VectorType};

const TAG_VERSION: u8 = 1;
const TAG_INDEX_TYPE: u8 = 2;
const TAG_VECTOR_TYPE: u8 = 3;
const TAG_DIMS: u8 = 4;
const TAG_METRIC: u8 = 5;
const TAG_BLOCK_SIZE: u8 = 6;
const TAG_ALPHA: u8 = 7;
const TAG_INSERT_L: u8 = 8;
const TAG_SEARCH_L: u8 = 9;
const TAG_MAX_NEIGHBORS: u8 = 10;
const TAG_COMPRESS: u8 = 11;

/// The node-block format version Basalt reads and writes (libSQL's current one).
const FORMAT_VERSION: u64 = 3;
/// `type=diskann`.
const INDEX_TYPE_DISKANN: u64 = 1;
/// Smallest block libSQL writes.
const MIN_BLOCK_SIZE: usize = 256;
/// Largest block libSQL accepts.
const MAX_BLOCK_SIZE: usize = 128 << 20;
/// Bytes of a block header: u64 node key, u64 edge count.
pub(crate) const NODE_HEADER: usize = 16;
/// Bytes of one edge's metadata: u32 unused, f32 distance, u64 neighbour key.
pub(crate) const EDGE_META: usize = 16;

/// Basalt's neighbour limit when it picks the neighbour storage (see [`from_options`]):
/// DiskANN graphs are navigable with R≈32, and every edge is a compressed vector copy in
/// each block, so a smaller R keeps inserts and files small.
const BASALT_DEFAULT_MAX_NEIGHBORS: usize = 32;

/// Basalt's RobustPrune factor when it picks the neighbour storage (libSQL's default is
/// 1.2). With at most 32 neighbours and `alpha = 1.2` on libSQL's distances (Euclidean
/// for L2, not DiskANN's squared L2), neighbour lists fill up, the 32-edge cap rather
/// than alpha decides which edges stay, and in-edges of older nodes get pruned away:
/// at 100,000 clustered 384-dim vectors under L2, 7% of the nodes became unreachable
/// and recall@10 fell to 0.86. With 1.0 most lists stay below the cap, 0.3% are
/// unreachable, recall@10 is 0.99 and inserts are about 1.6 times as fast (fewer lists
/// overflow, so fewer blocks are pruned and rewritten). docs/VECTOR.md has the figures.
const BASALT_DEFAULT_ALPHA: f64 = 1.0;

/// Basalt's search list for L2 indexes when it picks the neighbour storage (libSQL's
/// default is 200). 8-bit neighbour copies give approximate distances close to the exact
/// ones, so a shorter list finds the same neighbours: at 100,000 clustered 384-dim
/// vectors recall@10 was 0.989 with 150 and with 200, and a search visits a quarter
/// fewer 14.6 KB blocks. Cosine's 1-bit copies keep 200.
const BASALT_DEFAULT_SEARCH_L_L2: usize = 150;

/// libSQL's defaults are kept while they make node blocks no larger than this; above it
/// (about 110 float32 dimensions) Basalt picks compact neighbour copies.
const LIBSQL_DEFAULT_BLOCK_LIMIT: usize = 16 * 1024;

/// Everything an index needs to know, as stored in its metadata row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IndexParams {
    /// Element type of the indexed column (and of the node vectors).
    pub vector_type: VectorType,
    /// Dimensions of the indexed column.
    pub dims: usize,
    /// Distance metric.
    pub metric: Metric,
    /// Element type of the neighbour copies in each block.
    pub compress: VectorType,
    /// Most edges a node keeps.
    pub max_neighbors: usize,
    /// Pruning factor of DiskANN's RobustPrune.
    pub alpha: f64,
    /// Candidate list size of a search.
    pub search_l: usize,
    /// Candidate list size of the search made for an insert.
    pub insert_l: usize,
    /// Bytes of a node block.
    pub block_size: usize,
}

/// One parsed `key=value` option, kept in the order written (it is stored in that order).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Opt {
    Type,
    Metric(Metric),
    Compress(VectorType),
    MaxNeighbors(u64),
    Alpha(f64),
    SearchL(u64),
    InsertL(u64),
}

/// The parameters of a new index on a column of type `vector_type` with `dims`
/// dimensions, from the option strings (without quotes), plus the metadata blob to store.
pub(crate) fn from_options(
    vector_type: VectorType,
    dims: usize,
    options: &[String],
) -> Result<(IndexParams, Vec<u8>), IndexError> {
    let mut opts = Vec::new();
    for raw in options {
        opts.push(parse_option(raw)?);
    }
    let mut metric = Metric::Cosine;
    let mut compress = None;
    let mut max_neighbors = None;
    let (mut alpha, mut search_l) = (None, None);
    let mut insert_l = 70;
    for o in &opts {
        match *o {
            Opt::Type => {}
            Opt::Metric(m) => metric = m,
            Opt::Compress(t) => compress = Some(t),
            Opt::MaxNeighbors(n) => max_neighbors = Some(n as usize),
            Opt::Alpha(a) => alpha = Some(a),
            Opt::SearchL(n) => search_l = Some(n as usize),
            Opt::InsertL(n) => insert_l = n as usize,
        }
    }
    // Basalt's defaults (docs/VECTOR.md): libSQL copies each neighbour in the column's
    // type, which makes a 384-dim float32 block 80 KB. When the statement chooses
    // neither and libSQL's defaults would make blocks larger than 16 KiB, neighbours are
    // stored as 1-bit sign vectors (cosine) or 8-bit (L2), at most 32 of them; both
    // choices are written to the metadata, so libSQL reads them too. Smaller vectors
    // keep libSQL's defaults and its metadata bytes.
    let libsql_block = {
        let node = data_size(vector_type, dims) + NODE_HEADER;
        let edge = data_size(vector_type, dims) + EDGE_META;
        let n = (3 * ((dims as f64).sqrt() as usize + 1)).min(50 * node / edge + 1);
        node + n * edge
    };
    let basalt_default =
        compress.is_none() && max_neighbors.is_none() && libsql_block > LIBSQL_DEFAULT_BLOCK_LIMIT;
    if basalt_default {
        let c = match (metric, vector_type) {
            (_, VectorType::F1Bit) => VectorType::F1Bit,
            (Metric::Cosine, _) => VectorType::F1Bit,
            (Metric::L2, VectorType::F8) => VectorType::F8,
            (Metric::L2, _) => VectorType::F8,
        };
        opts.push(Opt::Compress(c));
        compress = Some(c);
    }
    // Written to the metadata (tag 7, where libSQL writes its default), so libSQL uses
    // it too.
    let alpha = alpha.unwrap_or(if basalt_default {
        BASALT_DEFAULT_ALPHA
    } else {
        1.2
    });
    let search_l = search_l.unwrap_or(if basalt_default && metric == Metric::L2 {
        BASALT_DEFAULT_SEARCH_L_L2
    } else {
        200
    });
    let compress = compress.unwrap_or(vector_type);
    if compress == VectorType::F1Bit && metric != Metric::Cosine {
        return Err(IndexError::Bit1NeedsCosine);
    }
    let node_size = data_size(vector_type, dims) + NODE_HEADER;
    let edge_size = data_size(compress, dims) + EDGE_META;
    let max_neighbors = match max_neighbors {
        Some(n) => n,
        None => {
            let by_dims = 3 * ((dims as f64).sqrt() as usize + 1);
            let by_size = 50 * node_size / edge_size + 1;
            let n = by_dims.min(by_size);
            if basalt_default {
                let n = n.min(BASALT_DEFAULT_MAX_NEIGHBORS);
                opts.push(Opt::MaxNeighbors(n as u64));
                n
            } else {
                n
            }
        }
    };
    let block_size = (node_size + max_neighbors * edge_size).max(MIN_BLOCK_SIZE);
    if block_size > MAX_BLOCK_SIZE {
        return Err(IndexError::BlockTooLarge(block_size));
    }
    let params = IndexParams {
        vector_type,
        dims,
        metric,
        compress,
        max_neighbors,
        alpha,
        search_l,
        insert_l,
        block_size,
    };
    Ok((params.clone(), encode_meta(&params, &opts)))
}

fn parse_option(raw: &str) -> Result<Opt, IndexError> {
    let invalid = |reason: &'static str| IndexError::InvalidParameter {
        text: raw.to_owned(),
        reason,
    };
    let (key, value) = raw
        .split_once('=')
        .ok_or_else(|| invalid("unexpected parameter format"))?;
    let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
    let int = || -> Result<u64, IndexError> {
        let n: i64 = value
            .parse()
            .map_err(|_| invalid("invalid representation of integer vector index parameter"))?;
        if n <= 0 {
            return Err(invalid("integer vector index parameter must be positive"));
        }
        Ok(n as u64)
    };
    Ok(match key.as_str() {
        "type" if value.eq_ignore_ascii_case("diskann") => Opt::Type,
        "metric" if value.eq_ignore_ascii_case("cosine") => Opt::Metric(Metric::Cosine),
        "metric" if value.eq_ignore_ascii_case("l2") => Opt::Metric(Metric::L2),
        "compress_neighbors" => Opt::Compress(match value.to_ascii_lowercase().as_str() {
            "float1bit" => VectorType::F1Bit,
            "float8" => VectorType::F8,
            "float16" => VectorType::F16,
            "floatb16" => VectorType::BF16,
            "float32" => VectorType::F32,
            _ => return Err(invalid("invalid parameter")),
        }),
        "max_neighbors" => {
            let n = int()?;
            if n > 65535 {
                return Err(invalid("invalid parameter"));
            }
            Opt::MaxNeighbors(n)
        }
        "alpha" => {
            let a: f64 = value.parse().map_err(|_| {
                invalid("invalid representation of floating point vector index parameter")
            })?;
            if !(a.is_finite() && a >= 1.0) {
                return Err(invalid("invalid parameter"));
            }
            Opt::Alpha(a)
        }
        "search_l" => Opt::SearchL(int()?.min(100_000)),
        "insert_l" => Opt::InsertL(int()?.min(100_000)),
        _ => return Err(invalid("invalid parameter")),
    })
}

fn encode_meta(p: &IndexParams, opts: &[Opt]) -> Vec<u8> {
    let mut out = Vec::with_capacity(9 * 12);
    let mut rec = |tag: u8, bits: u64| {
        out.push(tag);
        out.extend_from_slice(&bits.to_le_bytes());
    };
    rec(TAG_VERSION, FORMAT_VERSION);
    rec(TAG_VECTOR_TYPE, u64::from(p.vector_type.id()));
    rec(TAG_DIMS, p.dims as u64);
    let (mut has_metric, mut has_alpha, mut has_insert, mut has_search) =
        (false, false, false, false);
    for o in opts {
        match *o {
            Opt::Type => rec(TAG_INDEX_TYPE, INDEX_TYPE_DISKANN),
            Opt::Metric(m) => {
                has_metric = true;
                rec(TAG_METRIC, metric_id(m));
            }
            Opt::Compress(t) => rec(TAG_COMPRESS, u64::from(t.id())),
            Opt::MaxNeighbors(n) => rec(TAG_MAX_NEIGHBORS, n),
            Opt::Alpha(a) => {
                has_alpha = true;
                rec(TAG_ALPHA, a.to_bits());
            }
            Opt::SearchL(n) => {
                has_search = true;
                rec(TAG_SEARCH_L, n);
            }
            Opt::InsertL(n) => {
                has_insert = true;
                rec(TAG_INSERT_L, n);
            }
        }
    }
    // libSQL appends the index type even when the options named it.
    rec(TAG_INDEX_TYPE, INDEX_TYPE_DISKANN);
    if !has_metric {
        rec(TAG_METRIC, metric_id(p.metric));
    }
    rec(TAG_BLOCK_SIZE, p.block_size as u64);
    if !has_alpha {
        rec(TAG_ALPHA, p.alpha.to_bits());
    }
    if !has_insert {
        rec(TAG_INSERT_L, p.insert_l as u64);
    }
    if !has_search {
        rec(TAG_SEARCH_L, p.search_l as u64);
    }
    out
}

fn metric_id(m: Metric) -> u64 {
    match m {
        Metric::Cosine => 1,
        Metric::L2 => 2,
    }
}

/// Reads a metadata blob (libSQL's or Basalt's).
pub(crate) fn decode_meta(blob: &[u8]) -> Result<IndexParams, IndexError> {
    if !blob.len().is_multiple_of(9) {
        return Err(IndexError::BadMetadata("length is not a multiple of 9"));
    }
    let mut version = None;
    let (mut vtype, mut dims, mut metric, mut block) = (None, None, Metric::Cosine, None);
    let (mut compress, mut max_neighbors) = (None, None);
    let (mut alpha, mut search_l, mut insert_l) = (1.2, 200usize, 70usize);
    for rec in blob.chunks_exact(9) {
        let v = u64::from_le_bytes(rec[1..9].try_into().expect("8 bytes"));
        match rec[0] {
            TAG_VERSION => version = Some(v),
            TAG_INDEX_TYPE if v != INDEX_TYPE_DISKANN => {
                return Err(IndexError::BadMetadata("unknown index type"));
            }
            TAG_VECTOR_TYPE => vtype = VectorType::from_id(v as u8),
            TAG_DIMS => dims = Some(v as usize),
            TAG_METRIC => {
                metric = match v {
                    1 => Metric::Cosine,
                    2 => Metric::L2,
                    _ => return Err(IndexError::BadMetadata("unknown metric")),
                }
            }
            TAG_BLOCK_SIZE => block = Some(v as usize),
            TAG_ALPHA => alpha = f64::from_bits(v),
            TAG_INSERT_L => insert_l = v as usize,
            TAG_SEARCH_L => search_l = v as usize,
            TAG_MAX_NEIGHBORS => max_neighbors = Some(v as usize),
            TAG_COMPRESS => compress = VectorType::from_id(v as u8),
            _ => {}
        }
    }
    if version != Some(FORMAT_VERSION) {
        // Versions 1 and 2 used a u16 edge count; they predate libSQL's public vector
        // release and are not read.
        return Err(IndexError::BadMetadata("unsupported format version"));
    }
    let vector_type = vtype.ok_or(IndexError::BadMetadata("missing vector type"))?;
    let dims = dims
        .filter(|&d| d > 0 && d <= crate::vector::MAX_DIMS)
        .ok_or(IndexError::BadMetadata("bad dimensions"))?;
    let mut block_size = block.ok_or(IndexError::BadMetadata("missing block size"))?;
    if block_size <= 128 {
        block_size *= 512; // legacy unit
    }
    let compress = compress.unwrap_or(vector_type);
    let p = IndexParams {
        vector_type,
        dims,
        metric,
        compress,
        max_neighbors: 0,
        alpha: if alpha.is_finite() && alpha >= 1.0 {
            alpha
        } else {
            1.2
        },
        search_l: search_l.clamp(1, 100_000),
        insert_l: insert_l.clamp(1, 100_000),
        block_size,
    };
    let layout = Layout::new(&p);
    if layout.slots == 0 || block_size > MAX_BLOCK_SIZE {
        return Err(IndexError::BadMetadata("block too small"));
    }
    let node_size = data_size(vector_type, dims) + NODE_HEADER;
    let edge_size = data_size(compress, dims) + EDGE_META;
    let max_neighbors = max_neighbors.unwrap_or_else(|| {
        (3 * ((dims as f64).sqrt() as usize + 1)).min(50 * node_size / edge_size + 1)
    });
    Ok(IndexParams {
        max_neighbors: max_neighbors.clamp(1, layout.slots),
        ..p
    })
}

/// Bytes of a vector's elements inside a node block (libSQL's `vectorDataSize`: no type
/// byte, no trailing metadata; 8-bit keeps its alpha and shift).
pub(crate) fn data_size(ty: VectorType, dims: usize) -> usize {
    match ty {
        VectorType::F32 => dims * 4,
        VectorType::F64 => dims * 8,
        VectorType::F16 | VectorType::BF16 => dims * 2,
        VectorType::F1Bit => dims.div_ceil(8),
        VectorType::F8 => dims.next_multiple_of(4) + 8,
    }
}

/// Where things are in a node block (libSQL v3):
///
/// | offset | bytes | field |
/// |---|---|---|
/// | 0 | 8 | node key (rowid), u64 LE |
/// | 8 | 8 | edge count, u64 LE |
/// | 16 | `node_vec` | the node's vector, column type |
/// | 16 + `node_vec` | `slots × edge_vec` | neighbour copies, compressed type |
/// | `meta` | `slots × 16` | per edge: u32 unused, f32 distance, u64 neighbour key |
///
/// `slots` is how many edges fit in the block; `max_neighbors` may be smaller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    pub node_vec: usize,
    pub edge_vec: usize,
    pub slots: usize,
    pub meta: usize,
    pub block_size: usize,
}

impl Layout {
    pub(crate) fn new(p: &IndexParams) -> Layout {
        let node_vec = data_size(p.vector_type, p.dims);
        let edge_vec = data_size(p.compress, p.dims);
        let slots = p
            .block_size
            .saturating_sub(NODE_HEADER + node_vec)
            .checked_div(edge_vec + EDGE_META)
            .unwrap_or(0);
        Layout {
            node_vec,
            edge_vec,
            slots,
            meta: NODE_HEADER + node_vec + slots * edge_vec,
            block_size: p.block_size,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn libsql_meta_rows_decode() {
        // Dumped by libSQL 0.1.11 (HRANA-TRANSCRIPTS.md §12).
        let vecs = hex(
            "01030000000000000003010000000000000004030000000000000002010000000000000005010000000000000006000100000000000007333333333333f33f08460000000000000009c800000000000000",
        );
        let p = decode_meta(&vecs).unwrap();
        assert_eq!(p.vector_type, VectorType::F32);
        assert_eq!(p.dims, 3);
        assert_eq!(p.metric, Metric::Cosine);
        assert_eq!(p.compress, VectorType::F32);
        assert_eq!(p.block_size, 256);
        assert_eq!(p.max_neighbors, 6);
        let l = Layout::new(&p);
        assert_eq!((l.slots, l.meta), (8, 124));
    }

    #[test]
    fn explicit_options_encode_as_libsql_does() {
        let (p, meta) = from_options(
            VectorType::F32,
            384,
            &[
                "alpha=1.4".into(),
                "compress_neighbors=float8".into(),
                "search_l=50".into(),
            ],
        )
        .unwrap();
        assert_eq!(p.block_size, 26032);
        let tags: Vec<u8> = meta.chunks(9).map(|r| r[0]).collect();
        assert_eq!(tags, [1, 3, 4, 7, 11, 9, 2, 5, 6, 8]);
        let (p, _) = from_options(
            VectorType::F32,
            384,
            &["compress_neighbors=float1bit".into()],
        )
        .unwrap();
        assert_eq!(p.block_size, 5392);
        let (p, _) =
            from_options(VectorType::F32, 384, &["compress_neighbors=float32".into()]).unwrap();
        assert_eq!(p.block_size, 80704);
        assert_eq!(
            decode_meta(
                &from_options(
                    VectorType::F8,
                    5,
                    &["max_neighbors=9".into(), "compress_neighbors=float8".into()]
                )
                .unwrap()
                .1
            )
            .unwrap()
            .block_size,
            320
        );
    }

    #[test]
    fn basalt_defaults_for_large_vectors_are_recorded() {
        for (metric, copies, search_l) in [
            ("cosine", VectorType::F1Bit, 200),
            ("l2", VectorType::F8, 150),
        ] {
            let (p, meta) =
                from_options(VectorType::F32, 384, &[format!("metric={metric}")]).unwrap();
            assert_eq!(
                (p.compress, p.max_neighbors, p.alpha, p.search_l, p.insert_l),
                (copies, 32, 1.0, search_l, 70)
            );
            assert_eq!(decode_meta(&meta).unwrap(), p);
            let tags: Vec<u8> = meta.chunks(9).map(|r| r[0]).collect();
            assert_eq!(tags, [1, 3, 4, 5, 11, 10, 2, 6, 7, 8, 9]);
        }
        // Naming alpha keeps it; naming the storage gives libSQL's defaults.
        let (p, _) = from_options(VectorType::F32, 384, &["alpha=1.3".into()]).unwrap();
        assert_eq!((p.compress, p.alpha), (VectorType::F1Bit, 1.3));
        let (p, _) = from_options(VectorType::F32, 384, &["max_neighbors=20".into()]).unwrap();
        assert_eq!((p.compress, p.alpha), (VectorType::F32, 1.2));
        let (p, _) = from_options(
            VectorType::F32,
            384,
            &["metric=l2".into(), "search_l=90".into()],
        )
        .unwrap();
        assert_eq!((p.compress, p.search_l), (VectorType::F8, 90));
        // Small vectors keep libSQL's defaults.
        let (p, _) = from_options(VectorType::F32, 3, &["metric=l2".into()]).unwrap();
        assert_eq!((p.alpha, p.search_l), (1.2, 200));
    }

    #[test]
    fn type_option_is_recorded_twice_like_libsql() {
        // libSQL 0.1.11, 'compress_neighbors=floatb16', 'type=diskann' on F32_BLOB(3).
        let (_, meta) = from_options(
            VectorType::F32,
            3,
            &["compress_neighbors=floatb16".into(), "type=diskann".into()],
        )
        .unwrap();
        let tags: Vec<u8> = meta.chunks(9).map(|r| r[0]).collect();
        assert_eq!(tags, [1, 3, 4, 11, 2, 2, 5, 6, 7, 8, 9]);
    }

    #[test]
    fn option_errors() {
        let e = |o: &str| {
            from_options(VectorType::F32, 3, &[o.to_owned()])
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            e("metric"),
            "vector index: invalid vector index parameter 'metric': unexpected parameter format"
        );
        assert_eq!(
            e("metric=dot"),
            "vector index: invalid vector index parameter 'metric=dot': invalid parameter"
        );
        assert_eq!(
            e("max_neighbors=0"),
            "vector index: invalid vector index parameter 'max_neighbors=0': integer vector index parameter must be positive"
        );
        assert_eq!(
            from_options(
                VectorType::F32,
                3,
                &["metric=l2".into(), "compress_neighbors=float1bit".into()]
            )
            .unwrap_err()
            .to_string(),
            "vector index: unable to initialize diskann: 1-bit compression available only for cosine metric"
        );
    }
}
