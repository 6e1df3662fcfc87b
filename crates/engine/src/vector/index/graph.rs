//! The DiskANN/Vamana graph over node blocks: beam search, insert with RobustPrune, and
//! delete with neighbour repair (FreshDiskANN-style, restricted to the deleted node's
//! out-neighbours, since blocks hold no in-edge lists).
//!
//! Distances: visiting a node reads its block and computes the exact distance to its
//! vector; its neighbours enter the candidate list with approximate distances computed
//! from the compressed copies in the block, so a search reads one block per visited node
//! (see [`super::space`]). Results are ordered by exact distance, ties by key.
//!
//! Invariants kept by every write: a block's edges point to other keys, without
//! duplicates, at most `max_neighbors` of them; a node whose edge target was deleted
//! loses that edge when the deletion repairs it (edges from nodes that were not the
//! deleted node's neighbours may dangle; searches skip them).

use std::collections::{HashMap, HashSet};

use super::IndexError;
use super::block::{Edge, Node};
use super::space::{Prepared, Space};
use super::store::Store;
use crate::vector::Vector;
use rusqlite::types::{Value, ValueRef};

/// A query prepared in both spaces.
struct Query {
    exact: Prepared,
    approx: Prepared,
}

/// A node's edges as (neighbour key, stored distance).
type EdgeList = Vec<(i64, f32)>;

/// A node the search visited.
struct Visited {
    key: i64,
    dist: f32,
    /// With `keep` (the insert's search): the node's vector and its edges (neighbour key,
    /// stored distance), so that the insert decides which back-edges to add without
    /// reading those blocks again.
    kept: Option<(Vec<u8>, EdgeList)>,
}

#[derive(Clone, Copy)]
struct Cand {
    key: i64,
    dist: f32,
    visited: bool,
}

/// One index's graph, on one connection.
pub(crate) struct Graph<'c> {
    pub store: Store<'c>,
    exact: Space,
    approx: Space,
}

impl<'c> Graph<'c> {
    pub(crate) fn new(store: Store<'c>) -> Graph<'c> {
        let p = &store.params;
        let exact = Space::exact(p.metric, p.vector_type, p.dims);
        let approx = Space::approx(p.metric, p.compress, p.vector_type, p.dims);
        Graph {
            store,
            exact,
            approx,
        }
    }

    /// The space of the column's vectors.
    pub(crate) fn exact_space(&self) -> &Space {
        &self.exact
    }

    fn query(&self, v: &Vector) -> Query {
        Query {
            exact: self.exact.prepare(v),
            approx: self.approx.prepare(&v.clone().convert(self.approx.ty)),
        }
    }

    fn max_neighbors(&self) -> usize {
        self.store
            .params
            .max_neighbors
            .clamp(1, self.store.layout.slots.max(1))
    }

    /// Beam search with a candidate list of `l`; every visited node, nearest first.
    fn search(&self, q: &Query, l: usize, keep: bool) -> Result<Vec<Visited>, IndexError> {
        let Some(entry) = self.store.entry()? else {
            return Ok(Vec::new());
        };
        let l = l.max(1);
        let mut cands = vec![Cand {
            key: entry,
            dist: f32::NEG_INFINITY,
            visited: false,
        }];
        let mut seen: HashSet<i64> = HashSet::from([entry]);
        let mut visited = Vec::new();
        let (mut s1, mut s2) = (Vec::new(), Vec::new());
        while let Some(pos) = cands.iter().position(|c| !c.visited) {
            let key = cands[pos].key;
            cands.remove(pos);
            let got = self.store.with_block(key, |view| {
                let d = self.exact.distance_raw(&q.exact, view.vector(), &mut s1);
                let mut next = Vec::with_capacity(view.count());
                for i in 0..view.count() {
                    let nk = view.edge_key(i);
                    if !seen.contains(&nk) {
                        next.push((
                            nk,
                            self.approx.distance_raw(&q.approx, view.copy(i), &mut s2),
                        ));
                    }
                }
                let kept = keep.then(|| {
                    let edges = (0..view.count())
                        .map(|i| (view.edge_key(i), view.edge_distance(i)))
                        .collect();
                    (view.vector().to_vec(), edges)
                });
                (d, next, kept)
            })?;
            let Some((d, next, kept)) = got else {
                continue; // a dangling edge: the node was deleted
            };
            insert_cand(
                &mut cands,
                Cand {
                    key,
                    dist: d,
                    visited: true,
                },
                l,
            );
            visited.push(Visited { key, dist: d, kept });
            for (nk, ad) in next {
                if seen.insert(nk) {
                    insert_cand(
                        &mut cands,
                        Cand {
                            key: nk,
                            dist: ad,
                            visited: false,
                        },
                        l,
                    );
                }
            }
        }
        visited.sort_by(|a, b| a.dist.total_cmp(&b.dist).then(a.key.cmp(&b.key)));
        Ok(visited)
    }

    /// The `k` nearest keys to `v` (of the column's type and dimensions) with their
    /// distances, nearest first, ties by key. Indexes no larger than the candidate list
    /// are scanned exactly.
    pub(crate) fn top_k(&self, v: &Vector, k: usize) -> Result<Vec<(i64, f32)>, IndexError> {
        if k == 0 {
            return Ok(Vec::new());
        }
        let l = self.store.params.search_l.max(k);
        let mut out: Vec<(i64, f32)> = if self.store.count_upto(l + 1)? <= l {
            let q = self.exact.prepare(v);
            let mut scratch = Vec::new();
            let mut all = Vec::new();
            self.store.for_each(|key, view| {
                all.push((
                    key,
                    self.exact.distance_raw(&q, view.vector(), &mut scratch),
                ));
                Ok(())
            })?;
            all
        } else {
            self.search(&self.query(v), l, false)?
                .into_iter()
                .map(|n| (n.key, n.dist))
                .collect()
        };
        out.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        out.truncate(k);
        Ok(out)
    }

    /// Adds (or replaces) the node of the row with key `row_key`, vector `v` (of the
    /// column's type and dimensions).
    pub(crate) fn insert_row(&self, row_key: ValueRef<'_>, v: &Vector) -> Result<(), IndexError> {
        if let Some(id) = self.store.id_of(row_key)? {
            // INSERT OR REPLACE and key changes re-insert an existing key.
            self.delete(id)?;
        }
        let id = self.store.new_id(row_key)?;
        let owned = match row_key {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(r) => Value::Real(r),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        };
        self.insert(id, v, &owned)
    }

    /// Removes the node of the row with key `row_key`; false when it had none.
    pub(crate) fn delete_row(&self, row_key: ValueRef<'_>) -> Result<bool, IndexError> {
        match self.store.id_of(row_key)? {
            Some(id) => self.delete(id),
            None => Ok(false),
        }
    }

    /// Adds node `key` (a new id) with vector `v` for the row with key `row_key`.
    fn insert(&self, key: i64, v: &Vector, row_key: &Value) -> Result<(), IndexError> {
        let raw = self.exact.encode(v);
        let copy = self.approx.encode(&v.clone().convert(self.approx.ty));
        let visited = self.search(&self.query(v), self.store.params.insert_l, true)?;
        let mut edges_of: HashMap<i64, EdgeList> = HashMap::with_capacity(visited.len());
        let cands: Vec<(i64, f32, Prepared, Vec<u8>)> = visited
            .into_iter()
            .filter(|n| n.key != key)
            .map(|n| {
                let (raw, edges) = n.kept.expect("search kept vectors");
                edges_of.insert(n.key, edges);
                (n.key, n.dist, self.exact.prepare_raw(&raw), raw)
            })
            .collect();
        let chosen = robust_prune(
            &cands.iter().map(|c| (c.1, c.0)).collect::<Vec<_>>(),
            self.store.params.alpha as f32,
            self.max_neighbors(),
            |i, j| self.exact.distance(&cands[i].2, &cands[j].2),
        );
        let mut node = Node {
            key,
            vector: raw,
            edges: Vec::with_capacity(chosen.len()),
        };
        for &i in &chosen {
            let (nk, d, _, ref nraw) = cands[i];
            node.edges.push(Edge {
                key: nk,
                distance: d,
                copy: self.compress_raw(nraw, nk)?,
            });
        }
        self.store.insert(&node, row_key)?;
        // Exact vectors the pruning of the neighbours' lists can use: everything the
        // search visited (the new node's neighbourhood) and the new node itself.
        let mut known: HashMap<i64, Prepared> =
            cands.into_iter().map(|(k, _, p, _)| (k, p)).collect();
        known.insert(key, self.exact.prepare(v));
        for e in &node.edges {
            // Every chosen neighbour was visited: its edge list is known without
            // reading its block, which is read only when it changes.
            let Some(edges) = edges_of.get(&e.key) else {
                continue;
            };
            if edges.iter().any(|x| x.0 == key) {
                continue;
            }
            if edges.len() >= self.max_neighbors() && edges.iter().all(|x| x.1 <= e.distance) {
                // A full list whose every edge is nearer than the new node: RobustPrune
                // would almost always drop the new edge, so skip the pruning work
                // (pairwise distances among all neighbours) that would prove it.
                continue;
            }
            if e.distance == 0.0 && edges.iter().any(|x| x.1 == 0.0) {
                // Exact duplicates form a chain, newest first: the new node links to the
                // newest older duplicate (ties prefer larger keys), which keeps its own
                // link to the one before. Nodes elsewhere move their edge to the newest.
                continue;
            }
            let Some(mut n) = self.store.get(e.key)? else {
                continue;
            };
            n.edges.push(Edge {
                key,
                distance: e.distance,
                copy: copy.clone(),
            });
            self.prune_node(&mut n, &known);
            self.store.update(&n)?;
        }
        Ok(())
    }

    /// Removes node `key` and repairs the nodes that linked to it; false when there is
    /// no such node.
    ///
    /// Blocks keep no in-edge lists, so the in-neighbours are found among the deleted
    /// node's out-neighbours (edges are mostly symmetric) and the nodes a search for its
    /// vector visits (in-neighbours are near it); small indexes are scanned whole. Each
    /// of them drops the edge and is offered the deleted node's out-neighbours instead
    /// (FreshDiskANN's repair), then pruned back to `max_neighbors`.
    fn delete(&self, key: i64) -> Result<bool, IndexError> {
        let Some(x) = self.store.get(key)? else {
            return Ok(false);
        };
        self.store.delete(key)?;
        // The deleted node's out-neighbours: exact vectors, and their copies.
        let mut outs: HashMap<i64, Node> = HashMap::new();
        for e in &x.edges {
            if e.key != key
                && let Some(n) = self.store.get(e.key)?
            {
                outs.insert(e.key, n);
            }
        }
        let copies: HashMap<i64, &[u8]> = x.edges.iter().map(|e| (e.key, &e.copy[..])).collect();
        let mut repair: Vec<i64> = outs.keys().copied().collect();
        const SCAN_LIMIT: usize = 1000;
        if self.store.count_upto(SCAN_LIMIT)? < SCAN_LIMIT {
            self.store.for_each(|k, view| {
                if !outs.contains_key(&k) && (0..view.count()).any(|i| view.edge_key(i) == key) {
                    repair.push(k);
                }
                Ok(())
            })?;
        } else if let Some(v) = self.exact.decode(&x.vector) {
            for n in self.search(&self.query(&v), self.store.params.insert_l, false)? {
                if !outs.contains_key(&n.key) {
                    repair.push(n.key);
                }
            }
        }
        repair.sort_unstable();
        repair.dedup();
        let mut order: Vec<i64> = outs.keys().copied().collect();
        order.sort_unstable_by(|a, b| b.cmp(a));
        let known: HashMap<i64, Prepared> = outs
            .iter()
            .map(|(k, n)| (*k, self.exact.prepare_raw(&n.vector)))
            .collect();
        for nk in repair {
            let Some(original) = (match outs.get(&nk) {
                Some(n) => Some(n.clone()),
                None => self.store.get(nk)?,
            }) else {
                continue;
            };
            let linked = original.edges.iter().any(|e| e.key == key);
            if !linked && !outs.contains_key(&nk) {
                continue;
            }
            let mut n = original.clone();
            n.edges.retain(|e| e.key != key);
            let pn = self.exact.prepare_raw(&n.vector);
            let mut scratch = Vec::new();
            // At most one edge to an exact duplicate: the duplicate chain (see insert).
            let mut has_zero = n.edges.iter().any(|e| e.distance == 0.0);
            for ok in &order {
                if *ok == nk || n.edges.iter().any(|e| e.key == *ok) {
                    continue;
                }
                let distance = self.exact.distance_raw(&pn, &outs[ok].vector, &mut scratch);
                if distance == 0.0 {
                    if has_zero {
                        continue;
                    }
                    has_zero = true;
                }
                n.edges.push(Edge {
                    key: *ok,
                    distance,
                    copy: copies[ok].to_vec(),
                });
            }
            self.prune_node(&mut n, &known);
            if n != original {
                self.store.update(&n)?;
            }
        }
        Ok(true)
    }

    /// RobustPrune of a node's own edge list when it holds more than `max_neighbors`,
    /// with the stored node–neighbour distances. Distances between two neighbours are
    /// exact when both vectors are in `known`, else approximate (from the copies).
    fn prune_node(&self, n: &mut Node, known: &HashMap<i64, Prepared>) {
        let r = self.max_neighbors();
        if n.edges.len() <= r {
            return;
        }
        n.edges
            .sort_by(|a, b| a.distance.total_cmp(&b.distance).then(b.key.cmp(&a.key)));
        let exact: Vec<Option<&Prepared>> = n.edges.iter().map(|e| known.get(&e.key)).collect();
        let approx: Vec<Prepared> = n
            .edges
            .iter()
            .map(|e| self.approx.prepare_raw(&e.copy))
            .collect();
        let keep = robust_prune(
            &n.edges
                .iter()
                .map(|e| (e.distance, e.key))
                .collect::<Vec<_>>(),
            self.store.params.alpha as f32,
            r,
            |i, j| match (exact[i], exact[j]) {
                (Some(a), Some(b)) => self.exact.distance(a, b),
                _ => self.approx.distance(&approx[i], &approx[j]),
            },
        );
        let edges = std::mem::take(&mut n.edges);
        n.edges = keep.into_iter().map(|i| edges[i].clone()).collect();
    }

    /// The compressed copy of a node's raw exact data.
    fn compress_raw(&self, raw: &[u8], key: i64) -> Result<Vec<u8>, IndexError> {
        if self.approx.ty == self.exact.ty {
            return Ok(raw.to_vec());
        }
        let v = self.exact.decode(raw).ok_or(IndexError::Corrupt {
            key,
            reason: "node vector does not decode",
        })?;
        Ok(self.approx.encode(&v.convert(self.approx.ty)))
    }
}

/// Inserts into a list sorted by (distance, key) and bounded to `l` entries.
fn insert_cand(cands: &mut Vec<Cand>, c: Cand, l: usize) {
    if cands.len() >= l
        && let Some(last) = cands.last()
        && (c.dist, c.key) >= (last.dist, last.key)
        && !c.dist.is_nan()
    {
        return;
    }
    let pos = cands.partition_point(|x| x.dist.total_cmp(&c.dist).then(x.key.cmp(&c.key)).is_lt());
    cands.insert(pos, c);
    cands.truncate(l);
}

/// DiskANN's RobustPrune over candidates `(distance to the node, key)`: take the
/// nearest, drop every candidate `j` that it covers (`alpha·d(i, j) ≤ d[j]`), repeat; at
/// most `r` are kept. Equal distances prefer the larger (newer) key, which keeps chains
/// of exact duplicates linked (libSQL loses duplicates, tursodatabase/libsql#2197).
/// Returns the kept indexes.
fn robust_prune(
    d: &[(f32, i64)],
    alpha: f32,
    r: usize,
    dist: impl Fn(usize, usize) -> f32,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..d.len()).collect();
    order.sort_by(|&a, &b| d[a].0.total_cmp(&d[b].0).then(d[b].1.cmp(&d[a].1)));
    let mut alive = vec![true; d.len()];
    let mut out = Vec::new();
    for (pos, &i) in order.iter().enumerate() {
        if !alive[i] {
            continue;
        }
        out.push(i);
        if out.len() == r {
            break;
        }
        for &j in &order[pos + 1..] {
            if alive[j] && alpha * dist(i, j) <= d[j].0 {
                alive[j] = false;
            }
        }
    }
    out
}
