//! `basalt_vector_index_check('idx')`: verifies that an index holds exactly the table's
//! live non-NULL rows, with the right vectors, and that its graph is well formed (blocks
//! decode, keys match, edges within bounds, no self or duplicate edges). Returns `'ok'`
//! or a description of the first problems found. Nodes that the graph cannot reach from
//! the search's start node are counted after the `ok` (`'ok; 3 node(s) unreachable …'`).

use std::collections::{HashMap, HashSet, VecDeque};

use super::IndexError;
use super::sql::{Purpose, column_vector};
use super::store::Store;
use crate::frontend::token::quote_id;
use crate::frontend::vector_index::{indexed_column, key_spec};

/// Most problems listed in one report.
const MAX_PROBLEMS: usize = 10;

pub(crate) fn check(
    conn: &rusqlite::Connection,
    schema: &str,
    name: &str,
) -> Result<String, IndexError> {
    let store = Store::open(conn, schema, name)?
        .ok_or_else(|| IndexError::IndexNotFound(format!("{schema}.{name}")))?;
    let mut problems: Vec<String> = Vec::new();
    let Some((table, column)) = indexed_column(conn, schema, &store.name)? else {
        return Ok(format!(
            "no CREATE INDEX … libsql_vector_idx statement for {} in {schema}.sqlite_schema",
            store.name
        ));
    };
    let graph = super::graph::Graph::new(store);
    let space = *graph.exact_space();
    let store = &graph.store;
    // The table's live rows and their vectors as the index stores them, by row key
    // (compared through its debug form: keys may be of any SQL type).
    let key_expr = match key_spec(conn, schema, &table) {
        Ok(k) => k.expr,
        Err(e) => return Ok(format!("cannot read the table's key: {e}")),
    };
    let mut rows: HashMap<String, Vec<u8>> = HashMap::new();
    {
        let mut stmt = conn.prepare(&format!(
            "SELECT {key_expr}, {c} FROM {s}.{t} WHERE {c} IS NOT NULL",
            c = quote_id(&column),
            s = quote_id(schema),
            t = quote_id(&table)
        ))?;
        let mut q = stmt.query([])?;
        while let Some(row) = q.next()? {
            let key = format!("{:?}", row.get::<_, rusqlite::types::Value>(0)?);
            match column_vector(row.get_ref(1)?, &store.params, Purpose::Insert) {
                Ok(v) => {
                    rows.insert(key, space.encode(&v));
                }
                Err(e) => problems.push(format!("row {key} holds no valid vector: {e}")),
            }
        }
    }
    let r = store.params.max_neighbors.min(store.layout.slots);
    let mut edges: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut ids: Vec<i64> = Vec::new();
    store.for_each(|key, _| {
        ids.push(key);
        Ok(())
    })?;
    let mut row_keys: HashMap<i64, String> = HashMap::new();
    for id in ids {
        row_keys.insert(id, format!("{:?}", store.key_of(id)?));
    }
    store.for_each(|key, view| {
        if view.key() != key {
            problems.push(format!("block {key} says it holds key {}", view.key()));
        }
        match rows.get(&row_keys[&key]) {
            None => problems.push(format!("node {key} has no live row")),
            Some(raw) if raw[..] != view.vector()[..] => {
                problems.push(format!("node {key} holds another vector than its row"));
            }
            Some(_) => {}
        }
        if view.count() > r {
            problems.push(format!(
                "node {key} has {} edges, more than {r}",
                view.count()
            ));
        }
        let mut out = Vec::with_capacity(view.count());
        let mut uniq = HashSet::new();
        for i in 0..view.count() {
            let to = view.edge_key(i);
            if to == key {
                problems.push(format!("node {key} has an edge to itself"));
            }
            if !uniq.insert(to) {
                problems.push(format!("node {key} has two edges to {to}"));
            }
            out.push(to);
        }
        edges.insert(key, out);
        Ok(())
    })?;
    let indexed: HashSet<&String> = row_keys.values().collect();
    let mut missing: Vec<&String> = rows.keys().filter(|k| !indexed.contains(k)).collect();
    missing.sort();
    for k in missing {
        problems.push(format!("row {k} is not in the index"));
    }
    // Reachability from the start node over edges between live nodes: a quality
    // measure, not a consistency one (DiskANN's pruning and delete repair do not
    // guarantee it; indexes no larger than search_l are searched exhaustively anyway),
    // so it is reported after "ok".
    let mut note = String::new();
    if let Some(entry) = store.entry()? {
        let mut seen = HashSet::from([entry]);
        let mut queue = VecDeque::from([entry]);
        while let Some(n) = queue.pop_front() {
            for &to in edges.get(&n).map(Vec::as_slice).unwrap_or(&[]) {
                if edges.contains_key(&to) && seen.insert(to) {
                    queue.push_back(to);
                }
            }
        }
        let mut unreachable: Vec<&i64> = edges.keys().filter(|k| !seen.contains(k)).collect();
        unreachable.sort();
        if !unreachable.is_empty() {
            note = format!(
                "; {} node(s) unreachable from the start node {entry}, e.g. {}",
                unreachable.len(),
                unreachable[0]
            );
        }
    }
    if problems.is_empty() {
        return Ok(format!("ok{note}"));
    }
    let more = problems.len().saturating_sub(MAX_PROBLEMS);
    problems.truncate(MAX_PROBLEMS);
    let mut report = problems.join("; ") + &note;
    if more > 0 {
        report.push_str(&format!("; and {more} more"));
    }
    Ok(report)
}
