//! Several tasks, each with its own connection, writing at the same time.

use crate::common::*;
use libsql::{params, TransactionBehavior};
use std::collections::HashSet;

const TASKS: i64 = 8;
const ROWS_PER_TASK: i64 = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_autocommit_inserts() {
    let setup = connect().await;
    fresh_table(&setup, "k_auto", "id INTEGER PRIMARY KEY, task INTEGER NOT NULL, n INTEGER NOT NULL").await;

    let mut handles = Vec::new();
    for task in 0..TASKS {
        handles.push(tokio::spawn(async move {
            let conn = connect().await;
            let mut rowids = Vec::new();
            for n in 0..ROWS_PER_TASK {
                let changed = conn
                    .execute("INSERT INTO k_auto (task, n) VALUES (?1, ?2)", params![task, n])
                    .await
                    .unwrap_or_else(|e| panic!("task {task}, row {n}: {e}"));
                assert_eq!(changed, 1);
                rowids.push(conn.last_insert_rowid());
            }
            rowids
        }));
    }
    let mut all_rowids = HashSet::new();
    for h in handles {
        for rowid in h.await.expect("task panicked") {
            assert!(rowid > 0);
            assert!(all_rowids.insert(rowid), "rowid {rowid} reported twice");
        }
    }
    assert_eq!(all_rowids.len() as i64, TASKS * ROWS_PER_TASK);

    let check = connect().await;
    assert_eq!(scalar_i64(&check, "SELECT count(*) FROM k_auto").await, TASKS * ROWS_PER_TASK);
    let mut rows = check
        .query("SELECT task, count(*), sum(n) FROM k_auto GROUP BY task ORDER BY task", ())
        .await
        .unwrap();
    for task in 0..TASKS {
        let row = rows.next().await.unwrap().expect("a group per task");
        assert_eq!(row.get::<i64>(0).unwrap(), task);
        assert_eq!(row.get::<i64>(1).unwrap(), ROWS_PER_TASK);
        assert_eq!(row.get::<i64>(2).unwrap(), ROWS_PER_TASK * (ROWS_PER_TASK - 1) / 2);
    }
    assert!(rows.next().await.unwrap().is_none());
    // The rowids reported to the writers are exactly the rows in the table.
    let mut rows = check.query("SELECT id FROM k_auto", ()).await.unwrap();
    let mut stored = HashSet::new();
    while let Some(row) = rows.next().await.unwrap() {
        stored.insert(row.get::<i64>(0).unwrap());
    }
    assert_eq!(stored, all_rowids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_transactions() {
    let setup = connect().await;
    fresh_table(&setup, "k_tx", "task INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (task, n)").await;

    let mut handles = Vec::new();
    for task in 0..TASKS {
        handles.push(tokio::spawn(async move {
            let conn = connect().await;
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .await
                .unwrap_or_else(|e| panic!("task {task}: BEGIN IMMEDIATE: {e}"));
            for n in 0..ROWS_PER_TASK {
                tx.execute("INSERT INTO k_tx VALUES (?1, ?2)", params![task, n])
                    .await
                    .unwrap_or_else(|e| panic!("task {task}, row {n}: {e}"));
            }
            // Only this transaction's rows are visible to it beyond what was committed.
            let mine = scalar_i64(&tx, &format!("SELECT count(*) FROM k_tx WHERE task = {task}")).await;
            assert_eq!(mine, ROWS_PER_TASK);
            // Odd tasks roll back, even tasks commit.
            if task % 2 == 0 {
                tx.commit().await.unwrap_or_else(|e| panic!("task {task}: COMMIT: {e}"));
            } else {
                tx.rollback().await.unwrap_or_else(|e| panic!("task {task}: ROLLBACK: {e}"));
            }
        }));
    }
    for h in handles {
        h.await.expect("task panicked");
    }
    let check = connect().await;
    let mut rows = check
        .query("SELECT task, count(*) FROM k_tx GROUP BY task ORDER BY task", ())
        .await
        .unwrap();
    for task in (0..TASKS).filter(|t| t % 2 == 0) {
        let row = rows.next().await.unwrap().expect("a group per committed task");
        assert_eq!(row.get::<i64>(0).unwrap(), task);
        assert_eq!(row.get::<i64>(1).unwrap(), ROWS_PER_TASK);
    }
    assert!(rows.next().await.unwrap().is_none(), "rows of a rolled-back transaction are visible");
}
