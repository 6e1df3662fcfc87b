//! The data every stack works on, generated once per process so that all stacks insert the
//! same rows and look up the same ids, and the checksum that proves each stack read them.
//!
//! Invariant: ids are `1..=rows`, so every generated lookup id exists, and the expected
//! checksums can be computed from the generated rows without touching a database.

/// The table. `NOT NULL` keeps the row shape fixed, so a mismatch is a bug, not data.
pub const CREATE: &str = "CREATE TABLE bench(\
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, value REAL NOT NULL, payload BLOB NOT NULL)";
/// One row in; reused for every row.
pub const INSERT: &str = "INSERT INTO bench(id, name, value, payload) VALUES (?1, ?2, ?3, ?4)";
/// Point lookup by primary key, every column.
pub const LOOKUP: &str = "SELECT id, name, value, payload FROM bench WHERE id = ?1";
/// Full scan, every column.
pub const SCAN: &str = "SELECT id, name, value, payload FROM bench";

/// Bytes in each row's payload blob.
pub const PAYLOAD_LEN: usize = 32;

/// One generated row.
#[derive(Debug, Clone)]
pub struct RowData {
    pub id: i64,
    pub name: String,
    pub value: f64,
    pub payload: Vec<u8>,
}

/// Rows to insert and ids to look up, plus what reading them must add up to.
#[derive(Debug)]
pub struct Workload {
    pub rows: Vec<RowData>,
    pub lookup_ids: Vec<i64>,
    /// Checksum of a full scan.
    pub scan_sum: Checksum,
    /// Checksum of all point lookups.
    pub lookup_sum: Checksum,
}

impl Workload {
    /// Generates `rows` rows and `lookups` uniformly random ids, deterministically from `seed`.
    pub fn generate(rows: usize, lookups: usize, seed: u64) -> Workload {
        let mut rng = SplitMix64::new(seed);
        let rows: Vec<RowData> = (1..=rows)
            .map(|n| {
                let id = i64::try_from(n).expect("row count fits in i64");
                let mut payload = vec![0u8; PAYLOAD_LEN];
                for chunk in payload.chunks_mut(8) {
                    chunk.copy_from_slice(&rng.next_u64().to_le_bytes()[..chunk.len()]);
                }
                RowData {
                    id,
                    name: format!("user-{id:08}"),
                    value: id as f64 * 1.25,
                    payload,
                }
            })
            .collect();
        let count = rows.len() as u64;
        let lookup_ids: Vec<i64> = (0..lookups)
            .map(|_| i64::try_from(rng.below(count) + 1).expect("row count fits in i64"))
            .collect();

        let mut scan_sum = Checksum::default();
        for r in &rows {
            scan_sum.add(r.id, &r.name, r.value, &r.payload);
        }
        let mut lookup_sum = Checksum::default();
        for &id in &lookup_ids {
            let r = &rows[usize::try_from(id - 1).expect("ids start at 1")];
            lookup_sum.add(r.id, &r.name, r.value, &r.payload);
        }
        Workload {
            rows,
            lookup_ids,
            scan_sum,
            lookup_sum,
        }
    }
}

/// Folds every column of every row read into one number. Each stack must reach the same
/// value, which both checks correctness and keeps the compiler from skipping the reads.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Checksum(u64);

impl Checksum {
    /// Adds one row: its id, the text and blob lengths, the float's bits and one blob byte
    /// (so the blob's content is read, not only its length).
    #[inline]
    pub fn add(&mut self, id: i64, name: &str, value: f64, payload: &[u8]) {
        let last = payload.last().copied().unwrap_or(0);
        self.0 = self
            .0
            .wrapping_mul(31)
            .wrapping_add(id as u64)
            .wrapping_add(name.len() as u64)
            .wrapping_add(value.to_bits())
            .wrapping_add(payload.len() as u64)
            .wrapping_add(u64::from(last));
    }
}

/// SplitMix64 (Steele, Lea & Flood, 2014): tiny, fast, and plenty for picking ids.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (multiply-shift; the bias is below 2^-40 for our sizes).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_ids_exist() {
        let a = Workload::generate(100, 1000, 7);
        let b = Workload::generate(100, 1000, 7);
        assert_eq!(a.lookup_sum, b.lookup_sum);
        assert_eq!(a.lookup_ids, b.lookup_ids);
        assert!(a.lookup_ids.iter().all(|&id| (1..=100).contains(&id)));
        assert!(a.rows.iter().all(|r| r.payload.len() == PAYLOAD_LEN));
    }

    #[test]
    fn checksum_depends_on_order_and_content() {
        let mut a = Checksum::default();
        a.add(1, "x", 1.0, &[1]);
        a.add(2, "yy", 2.0, &[2]);
        let mut b = Checksum::default();
        b.add(2, "yy", 2.0, &[2]);
        b.add(1, "x", 1.0, &[1]);
        assert_ne!(a, b);
    }
}
