//! The replication log and the replica applier on real files: capture, numbering across
//! checkpoints and restarts, compaction and snapshots, recovery and damage detection,
//! and convergence of replicas (LIBSQL-SURFACE.md §8.2–8.3, docs/REPLICATION.md).

use std::path::{Path, PathBuf};

use basalt_engine::replication::{
    CorruptKind, FRAME_SIZE, Frame, FrameHeader, FrameNo, LogConfig, PageNo, ReadFrom, Replica,
    ReplicationError, ReplicationLog, chain_checksum,
};
use basalt_engine::{Connection, OpenOptions, Params, Value};
use proptest::prelude::*;

fn open_attached(log: &ReplicationLog, path: &Path) -> Connection {
    let mut conn = Connection::open(path, &OpenOptions::default()).expect("open");
    log.attach(&mut conn).expect("attach");
    conn
}

fn small_segments() -> LogConfig {
    LogConfig {
        segment_size: 20 * 4152,
        retain_sealed_segments: 0,
        ..LogConfig::default()
    }
}

/// Every frame readable from `from` on, checking numbering and the checksum chain.
fn frames_from(log: &ReplicationLog, from: FrameNo) -> Vec<Frame> {
    let mut out: Vec<Frame> = Vec::new();
    let mut next = from;
    loop {
        match log.read_from(next, 50).expect("read_from") {
            ReadFrom::Frames(frames) if frames.is_empty() => return out,
            ReadFrom::Frames(frames) => {
                for f in frames {
                    assert_eq!(f.header.frame_no, next, "frames are gap-free");
                    if let Some(prev) = out.last() {
                        assert!(f.checksum_follows(prev.header.checksum), "chain at {next}");
                    }
                    next = next.next();
                    out.push(f);
                }
            }
            ReadFrom::NeedSnapshot => panic!("frame {next} was compacted"),
        }
    }
}

fn dump(conn: &Connection) -> Vec<Vec<Value>> {
    let tables = conn
        .execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name",
            &Params::None,
        )
        .unwrap();
    let mut out = Vec::new();
    for row in tables.rows {
        let Value::Text(name) = &row[0] else { panic!() };
        out.push(row.clone());
        let rows = conn
            .execute(
                &format!("SELECT * FROM \"{name}\" ORDER BY 1"),
                &Params::None,
            )
            .unwrap();
        out.extend(rows.rows);
    }
    out
}

fn integrity_ok(path: &Path) {
    let conn = Connection::open(path, &OpenOptions::default()).unwrap();
    let r = conn
        .execute("PRAGMA integrity_check", &Params::None)
        .unwrap();
    assert_eq!(r.rows, vec![vec![Value::Text("ok".into())]]);
}

fn assert_converged(primary: &Path, replica: &Path) {
    let p = Connection::open(primary, &OpenOptions::default()).unwrap();
    let r = Connection::open(replica, &OpenOptions::default()).unwrap();
    assert_eq!(dump(&p), dump(&r));
    integrity_ok(replica);
}

fn write_workload(conns: &[Connection], txns: usize, offset: usize) {
    conns[0]
        .execute_batch(
            "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, v TEXT, n INT);
             CREATE INDEX IF NOT EXISTS t_n ON t(n);",
        )
        .unwrap();
    for i in 0..txns {
        let c = &conns[i % conns.len()];
        let k = (offset + i) as i64;
        c.execute_batch("BEGIN").unwrap();
        for j in 0..5 {
            c.execute(
                "INSERT INTO t(v, n) VALUES (?1, ?2)",
                &Params::Positional(vec![
                    Value::Text(format!("{k}-{j}-{}", "x".repeat(200))),
                    Value::Integer(k * 10 + j),
                ]),
            )
            .unwrap();
        }
        if k % 3 == 0 {
            c.execute_batch("UPDATE t SET v = 'upd' WHERE id % 7 = 0")
                .unwrap();
        }
        if k % 5 == 0 {
            c.execute_batch("DELETE FROM t WHERE id % 11 = 0").unwrap();
        }
        c.execute_batch("COMMIT").unwrap();
    }
}

fn dirs() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let primary = dir.path().join("primary.db");
    let replica = dir.path().join("replica.db");
    (dir, primary, replica)
}

#[test]
fn replica_converges_with_primary_written_by_several_connections() {
    let (_dir, primary, replica_path) = dirs();
    let log = ReplicationLog::open(&primary, LogConfig::default()).unwrap();
    let conns: Vec<_> = (0..3).map(|_| open_attached(&log, &primary)).collect();
    write_workload(&conns, 40, 0);
    let frames = frames_from(&log, FrameNo(0));
    assert_eq!(frames.len() as u64, log.next_frame_no().0);
    assert!(frames.last().unwrap().header.is_commit());
    let mut replica = Replica::open(&replica_path).unwrap();
    replica.reset(log.log_id()).unwrap();
    // Batches that end inside transactions: the replica holds the tail back.
    for chunk in frames.chunks(7) {
        replica.apply(chunk.to_vec()).unwrap();
    }
    assert_eq!(replica.position().frame_no, log.last_frame_no());
    assert_converged(&primary, &replica_path);
}

#[test]
fn rolled_back_transactions_contribute_no_frames() {
    let (_dir, primary, _) = dirs();
    let log = ReplicationLog::open(&primary, LogConfig::default()).unwrap();
    let c = open_attached(&log, &primary);
    c.execute_batch("CREATE TABLE t(x)").unwrap();
    let before = log.next_frame_no();
    // A small cache makes the transaction spill frames into the WAL before rolling back.
    c.execute_batch(
        "PRAGMA cache_size = 2; BEGIN;
         WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 5000)
         INSERT INTO t SELECT randomblob(300) FROM s;
         ROLLBACK;",
    )
    .unwrap();
    assert_eq!(log.next_frame_no(), before);
    c.execute_batch("INSERT INTO t VALUES (1)").unwrap();
    let frames = frames_from(&log, before);
    assert!(
        !frames.is_empty() && frames.len() < 5,
        "{} frames",
        frames.len()
    );
}

#[test]
fn checkpoints_keep_numbering_continuous() {
    let (_dir, primary, replica_path) = dirs();
    let config = LogConfig {
        checkpoint_frames: 10,
        ..LogConfig::default()
    };
    let log = ReplicationLog::open(&primary, config).unwrap();
    let conns: Vec<_> = (0..2).map(|_| open_attached(&log, &primary)).collect();
    write_workload(&conns, 30, 0);
    assert!(log.checkpoint().unwrap());
    // The checkpoint backfilled the database file.
    assert!(std::fs::metadata(&primary).unwrap().len() > 10 * 4096);
    write_workload(&conns, 30, 30);
    // The WAL restarted (automatic checkpoints every 10 frames), the log did not.
    let frames = frames_from(&log, FrameNo(0));
    assert_eq!(frames.len() as u64, log.next_frame_no().0);
    let mut replica = Replica::open(&replica_path).unwrap();
    replica.apply(frames).unwrap();
    assert_converged(&primary, &replica_path);
}

#[test]
fn compaction_then_snapshot_converges() {
    let (_dir, primary, replica_path) = dirs();
    let log = ReplicationLog::open(&primary, small_segments()).unwrap();
    let conns: Vec<_> = (0..2).map(|_| open_attached(&log, &primary)).collect();
    write_workload(&conns, 60, 0);
    // Shrink the database so the snapshot must truncate.
    conns[0]
        .execute_batch("DELETE FROM t WHERE id > 20; VACUUM;")
        .unwrap();
    write_workload(&conns, 5, 60);
    assert!(log.first_frame_no() > FrameNo(0));
    assert!(matches!(
        log.read_from(FrameNo(0), 10).unwrap(),
        ReadFrom::NeedSnapshot
    ));
    let snapshot = log.snapshot().unwrap().expect("a snapshot exists");
    let end = snapshot.end_frame_no();
    let mut replica = Replica::open(&replica_path).unwrap();
    replica.apply_snapshot(log.log_id(), snapshot).unwrap();
    assert_eq!(replica.position().frame_no, Some(end));
    replica.apply(frames_from(&log, end.next())).unwrap();
    assert_converged(&primary, &replica_path);

    // A replica that was part-way through also converges through the snapshot.
    let other = replica_path.with_file_name("other.db");
    let mut r2 = Replica::open(&other).unwrap();
    r2.apply_snapshot(log.log_id(), log.snapshot().unwrap().unwrap())
        .unwrap();
    write_workload(&conns, 40, 100);
    let next = r2.next_frame_no();
    if next < log.first_frame_no() {
        r2.apply_snapshot(log.log_id(), log.snapshot().unwrap().unwrap())
            .unwrap();
    }
    r2.apply(frames_from(&log, r2.next_frame_no())).unwrap();
    assert_converged(&primary, &other);
}

#[test]
fn restart_resumes_numbering_and_recaptures_unlogged_commits() {
    let (_dir, primary, replica_path) = dirs();
    let mut replica = Replica::open(&replica_path).unwrap();
    {
        let log = ReplicationLog::open(&primary, LogConfig::default()).unwrap();
        let c = open_attached(&log, &primary);
        write_workload(&[c], 10, 0);
        replica.reset(log.log_id()).unwrap();
        replica.apply(frames_from(&log, FrameNo(0))).unwrap();
    }
    // A commit the log never saw (as if the process died between WAL and log): an
    // unattached connection with its checkpoints off.
    let stray = Connection::open(&primary, &OpenOptions::default()).unwrap();
    stray
        .execute_batch("PRAGMA wal_autocheckpoint = 0; INSERT INTO t(v, n) VALUES ('stray', 1)")
        .unwrap();
    let log = ReplicationLog::open(&primary, LogConfig::default()).unwrap();
    assert_eq!(Some(log.log_id()), replica.position().log_id);
    drop(stray);
    let c = open_attached(&log, &primary);
    write_workload(&[c], 10, 10);
    replica
        .apply(frames_from(&log, replica.next_frame_no()))
        .unwrap();
    assert_converged(&primary, &replica_path);
    // The replica resumes from its durable position after reopening.
    let replica = Replica::open(&replica_path).unwrap();
    assert_eq!(replica.position().frame_no, log.last_frame_no());
}

fn newest_segment(primary: &Path) -> PathBuf {
    let dir = primary.with_file_name("primary.db-replication");
    let mut segs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    segs.sort();
    segs.pop().unwrap()
}

#[test]
fn torn_tail_is_dropped_and_recaptured_from_the_wal() {
    let (_dir, primary, replica_path) = dirs();
    let log = ReplicationLog::open(&primary, LogConfig::default()).unwrap();
    let c = open_attached(&log, &primary);
    write_workload(std::slice::from_ref(&c), 10, 0);
    let next = log.next_frame_no();
    drop(log);
    // Cut the last record in half, as a crash in the middle of an append would.
    let seg = newest_segment(&primary);
    let len = std::fs::metadata(&seg).unwrap().len();
    let f = std::fs::OpenOptions::new().write(true).open(&seg).unwrap();
    f.set_len(len - 2000).unwrap();
    drop(f);
    let log = ReplicationLog::open(&primary, LogConfig::default()).unwrap();
    // The torn transaction was dropped, then captured again from the WAL.
    assert_eq!(log.next_frame_no(), next);
    let mut replica = Replica::open(&replica_path).unwrap();
    replica.apply(frames_from(&log, FrameNo(0))).unwrap();
    assert_converged(&primary, &replica_path);
}

fn sealed_log(primary: &Path) -> ReplicationLog {
    let config = LogConfig {
        auto_compact: false,
        ..small_segments()
    };
    let log = ReplicationLog::open(primary, config).unwrap();
    let c = open_attached(&log, primary);
    write_workload(&[c], 40, 0);
    log
}

fn first_segment(primary: &Path) -> PathBuf {
    let dir = primary.with_file_name("primary.db-replication");
    let mut segs: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "seg"))
        .collect();
    segs.sort();
    assert!(segs.len() >= 3, "need sealed segments");
    segs.remove(0)
}

fn flip_byte(path: &Path, offset: u64) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    let mut b = [0u8];
    f.read_exact_at(&mut b, offset).unwrap();
    f.write_all_at(&[b[0] ^ 0x40], offset).unwrap();
}

#[test]
fn corrupted_segment_is_reported_on_open_and_on_read() {
    let (_dir, primary, _) = dirs();
    let log = sealed_log(&primary);
    let seg = first_segment(&primary);
    flip_byte(&seg, 72 + 3 * 4152 + 1000);
    // A log already open re-checks every record it serves.
    let err = log.read_from(FrameNo(3), 10).unwrap_err();
    assert!(
        matches!(
            err,
            ReplicationError::Corrupt {
                kind: CorruptKind::RecordChecksum,
                frame_no: Some(FrameNo(3)),
                ..
            }
        ),
        "{err:?}"
    );
    drop(log);
    let err = ReplicationLog::open(&primary, small_segments()).unwrap_err();
    assert!(
        matches!(
            err,
            ReplicationError::Corrupt {
                kind: CorruptKind::RecordChecksum,
                frame_no: Some(FrameNo(3)),
                ..
            }
        ),
        "{err:?}"
    );
    // Rebuilding gives a new identity, and replicas start over.
    let old =
        std::fs::read_to_string(primary.with_file_name("primary.db-replication/log_id")).unwrap();
    let log = ReplicationLog::rebuild(&primary, small_segments()).unwrap();
    assert_ne!(log.log_id().to_string(), old.trim());
}

#[test]
fn truncated_sealed_segment_is_reported() {
    let (_dir, primary, _) = dirs();
    drop(sealed_log(&primary));
    let seg = first_segment(&primary);
    let len = std::fs::metadata(&seg).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&seg)
        .unwrap()
        .set_len(len - 4152)
        .unwrap();
    let err = ReplicationLog::open(&primary, small_segments()).unwrap_err();
    assert!(
        matches!(
            err,
            ReplicationError::Corrupt {
                kind: CorruptKind::Truncated | CorruptKind::Gap,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn damage_inside_the_newest_segment_is_not_taken_for_a_torn_tail() {
    let (_dir, primary, _) = dirs();
    let log = ReplicationLog::open(&primary, LogConfig::default()).unwrap();
    let c = open_attached(&log, &primary);
    write_workload(&[c], 10, 0);
    drop(log);
    flip_byte(&newest_segment(&primary), 72 + 2 * 4152 + 10);
    let err = ReplicationLog::open(&primary, LogConfig::default()).unwrap_err();
    assert!(
        matches!(
            err,
            ReplicationError::Corrupt {
                kind: CorruptKind::DamageBeforeTail,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn other_page_sizes_are_refused() {
    let (_dir, primary, replica) = dirs();
    for path in [&primary, &replica] {
        let c = Connection::open_in_memory().unwrap();
        drop(c);
        let raw = Connection::open(path, &OpenOptions::default()).unwrap();
        raw.execute_batch(
            "PRAGMA journal_mode = DELETE; PRAGMA page_size = 8192; VACUUM; CREATE TABLE t(x)",
        )
        .unwrap();
    }
    let err = ReplicationLog::open(&primary, LogConfig::default()).unwrap_err();
    assert!(
        matches!(err, ReplicationError::PageSize { found: 8192, .. }),
        "{err:?}"
    );
    let err = Replica::open(&replica).unwrap_err();
    assert!(
        matches!(err, ReplicationError::PageSize { found: 8192, .. }),
        "{err:?}"
    );
}

#[test]
fn replica_rejects_gaps_and_bad_checksums() {
    let (_dir, primary, replica_path) = dirs();
    let log = ReplicationLog::open(&primary, LogConfig::default()).unwrap();
    write_workload(&[open_attached(&log, &primary)], 3, 0);
    let frames = frames_from(&log, FrameNo(0));
    let mut replica = Replica::open(&replica_path).unwrap();
    let err = replica.apply(frames[1..].to_vec()).unwrap_err();
    assert!(matches!(
        err,
        ReplicationError::Gap {
            expected: FrameNo(0),
            found: FrameNo(1)
        }
    ));
    let mut bad = frames[0].encode();
    bad[FRAME_SIZE - 1] ^= 1;
    let err = replica
        .apply(vec![Frame::decode(&bad).unwrap()])
        .unwrap_err();
    assert!(matches!(
        err,
        ReplicationError::BadChecksum {
            frame_no: FrameNo(0)
        }
    ));
    assert_eq!(replica.position().frame_no, None);
}

#[test]
fn readers_keep_their_snapshot_while_frames_are_applied() {
    let (_dir, primary, replica_path) = dirs();
    let log = ReplicationLog::open(&primary, LogConfig::default()).unwrap();
    let c = open_attached(&log, &primary);
    write_workload(std::slice::from_ref(&c), 2, 0);
    let mut replica = Replica::open(&replica_path).unwrap();
    replica.apply(frames_from(&log, FrameNo(0))).unwrap();
    let reader = Connection::open(&replica_path, &OpenOptions::default()).unwrap();
    let count = |conn: &Connection| crate::scalar(conn, "SELECT count(*) FROM t");
    reader.execute_batch("BEGIN").unwrap();
    let before = count(&reader);
    write_workload(std::slice::from_ref(&c), 5, 2);
    replica
        .apply(frames_from(&log, replica.next_frame_no()))
        .unwrap();
    assert_eq!(count(&reader), before);
    reader.execute_batch("COMMIT").unwrap();
    assert_ne!(count(&reader), before);
    assert_converged(&primary, &replica_path);
}

#[test]
fn attach_refuses_another_database() {
    let (_dir, primary, other) = dirs();
    let log = ReplicationLog::open(&primary, LogConfig::default()).unwrap();
    let mut c = Connection::open(&other, &OpenOptions::default()).unwrap();
    assert!(matches!(
        log.attach(&mut c).unwrap_err(),
        ReplicationError::WrongDatabase { .. }
    ));
}

#[test]
fn log_of_an_existing_database_starts_with_its_pages() {
    let (_dir, primary, replica_path) = dirs();
    {
        let c = Connection::open(&primary, &OpenOptions::default()).unwrap();
        write_workload(&[c], 5, 0);
    }
    let log = ReplicationLog::open(&primary, LogConfig::default()).unwrap();
    write_workload(&[open_attached(&log, &primary)], 5, 5);
    let mut replica = Replica::open(&replica_path).unwrap();
    replica.apply(frames_from(&log, FrameNo(0))).unwrap();
    assert_converged(&primary, &replica_path);
}

proptest! {
    #[test]
    fn frame_header_round_trips(frame_no: u64, checksum: u64, page_no in 1u32.., size_after: u32, fill: u8) {
        let header = FrameHeader { frame_no: FrameNo(frame_no), checksum, page_no: PageNo(page_no), size_after };
        prop_assert_eq!(FrameHeader::decode(&header.encode()).unwrap(), header);
        let frame = Frame::new(header, vec![fill; 4096]).unwrap();
        let bytes = frame.encode();
        prop_assert_eq!(bytes.len(), FRAME_SIZE);
        prop_assert_eq!(&bytes[0..8], &frame_no.to_le_bytes());
        prop_assert_eq!(&bytes[16..20], &page_no.to_le_bytes());
        prop_assert_eq!(Frame::decode(&bytes).unwrap(), frame);
    }

    #[test]
    fn checksum_depends_on_seed_and_page(seed: u64, a: u8, b: u8) {
        prop_assume!(a != b);
        prop_assert_ne!(chain_checksum(seed, &[a; 4096]), chain_checksum(seed, &[b; 4096]));
    }
}

/// Capture cost per commit (run with `--ignored --nocapture`, ideally `--release`):
/// small autocommit INSERTs with and without an attached log.
#[test]
#[ignore]
fn measure_capture_overhead() {
    fn run(conn: &Connection, n: usize) -> std::time::Duration {
        conn.execute_batch("CREATE TABLE IF NOT EXISTS t(x)")
            .unwrap();
        let start = std::time::Instant::now();
        for i in 0..n {
            conn.execute(
                "INSERT INTO t VALUES (?1)",
                &Params::Positional(vec![Value::Integer(i as i64)]),
            )
            .unwrap();
        }
        start.elapsed() / n as u32
    }
    let n = 2000;
    for sync in [
        basalt_engine::Synchronous::Normal,
        basalt_engine::Synchronous::Full,
    ] {
        let options = OpenOptions {
            synchronous: sync,
            ..OpenOptions::default()
        };
        let (_d1, plain, _) = dirs();
        let base = run(&Connection::open(&plain, &options).unwrap(), n);
        let (_d2, primary, _) = dirs();
        let log = ReplicationLog::open(&primary, LogConfig::default()).unwrap();
        let mut c = Connection::open(&primary, &options).unwrap();
        log.attach(&mut c).unwrap();
        let with_log = run(&c, n);
        let frames = log.next_frame_no().0;
        eprintln!(
            "{sync:?}: plain {base:?}/commit, with log {with_log:?}/commit ({frames} frames)"
        );
        let (_d3, replica_path, _) = dirs();
        let all = frames_from(&log, FrameNo(0));
        let mut replica = Replica::open(&replica_path).unwrap();
        let start = std::time::Instant::now();
        replica.apply(all).unwrap();
        eprintln!(
            "apply of {frames} frames in one batch: {:?}",
            start.elapsed()
        );
    }
}

fn group_commit() -> LogConfig {
    LogConfig {
        group_commit: true,
        ..LogConfig::default()
    }
}

#[test]
fn group_commit_serves_only_durable_frames() {
    let (_dir, primary, replica_path) = dirs();
    let log = ReplicationLog::open(&primary, group_commit()).unwrap();
    let c = open_attached(&log, &primary);
    c.execute_batch("CREATE TABLE t(x)").unwrap();
    log.sync().unwrap();
    let durable = log.durable_frame_no();
    assert_eq!(durable, log.next_frame_no());
    c.execute_batch("INSERT INTO t VALUES (1)").unwrap();
    // Appended, not yet synced: invisible to replicas.
    assert!(log.next_frame_no() > durable);
    assert_eq!(log.durable_frame_no(), durable);
    assert_eq!(log.last_frame_no(), Some(FrameNo(durable.0 - 1)));
    assert!(matches!(log.read_from(durable, 10), Ok(ReadFrom::Frames(f)) if f.is_empty()));
    assert!(matches!(
        log.read_from(durable.next(), 10),
        Err(ReplicationError::FrameNotYetAvailable { .. })
    ));
    assert!(!log.wait_for(durable, std::time::Duration::from_millis(20)));
    // A waiter is woken by the sync.
    let waiter = {
        let log = log.clone();
        std::thread::spawn(move || log.wait_for(durable, std::time::Duration::from_secs(10)))
    };
    std::thread::sleep(std::time::Duration::from_millis(20));
    log.sync_through(durable).unwrap();
    assert!(waiter.join().unwrap());
    assert_eq!(log.durable_frame_no(), log.next_frame_no());
    let mut replica = Replica::open(&replica_path).unwrap();
    replica.reset(log.log_id()).unwrap();
    replica.apply(frames_from(&log, FrameNo(0))).unwrap();
    assert_converged(&primary, &replica_path);
}

#[test]
fn group_commit_committers_share_syncs_and_lose_nothing() {
    let (_dir, primary, replica_path) = dirs();
    let log = ReplicationLog::open(&primary, group_commit()).unwrap();
    open_attached(&log, &primary)
        .execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, w INT, i INT)")
        .unwrap();
    log.sync().unwrap();
    // A write gate as the server has: commit under the gate, sync after releasing it.
    let gate = std::sync::Arc::new(std::sync::Mutex::new(()));
    let threads: Vec<_> = (0..8)
        .map(|w| {
            let (log, gate, primary) = (log.clone(), gate.clone(), primary.clone());
            std::thread::spawn(move || {
                let c = open_attached(&log, &primary);
                for i in 0..40 {
                    let end = {
                        let _held = gate.lock().unwrap();
                        c.execute(
                            "INSERT INTO t(w, i) VALUES (?1, ?2)",
                            &Params::Positional(vec![Value::Integer(w), Value::Integer(i)]),
                        )
                        .unwrap();
                        log.next_frame_no()
                    };
                    log.sync_through(FrameNo(end.0 - 1)).unwrap();
                    // Acknowledged: durable and served.
                    assert!(log.durable_frame_no() >= end);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(log.durable_frame_no(), log.next_frame_no());
    let mut replica = Replica::open(&replica_path).unwrap();
    replica.reset(log.log_id()).unwrap();
    replica.apply(frames_from(&log, FrameNo(0))).unwrap();
    assert_converged(&primary, &replica_path);
    let r = Connection::open(&replica_path, &OpenOptions::default()).unwrap();
    let n = r.execute("SELECT count(*) FROM t", &Params::None).unwrap();
    assert_eq!(n.rows[0][0], Value::Integer(320));
}

/// A process killed between the group-commit append and its sync: the unsynced frames
/// either survived in the file (page cache) and are kept, or were lost (power failure)
/// and are captured again from the WAL — the same frames, no gap and no duplicate.
#[test]
fn group_commit_unsynced_frames_are_recovered_or_recaptured() {
    for lose_unsynced in [false, true] {
        let (_dir, primary, replica_path) = dirs();
        let log = ReplicationLog::open(&primary, group_commit()).unwrap();
        let c = open_attached(&log, &primary);
        write_workload(std::slice::from_ref(&c), 5, 0);
        log.sync().unwrap();
        let durable = log.durable_frame_no();
        write_workload(std::slice::from_ref(&c), 5, 5);
        let appended = log.next_frame_no();
        assert!(appended > durable);
        // Remember what was appended, to compare after recovery.
        let before: Vec<_> = {
            log.sync().unwrap();
            frames_from(&log, FrameNo(0))
        };
        drop(c);
        drop(log);
        if lose_unsynced {
            // Keep the synced records and half of the next one: a torn, partly lost tail.
            let seg = newest_segment(&primary);
            let keep = 72 + durable.0 * 4152 + 2000;
            let f = std::fs::OpenOptions::new().write(true).open(&seg).unwrap();
            f.set_len(keep).unwrap();
        }
        let log = ReplicationLog::open(&primary, group_commit()).unwrap();
        assert_eq!(
            log.next_frame_no(),
            appended,
            "lose_unsynced={lose_unsynced}"
        );
        assert_eq!(log.durable_frame_no(), appended);
        let after = frames_from(&log, FrameNo(0));
        assert_eq!(after.len(), before.len());
        for (a, b) in after.iter().zip(&before) {
            assert_eq!(a.header, b.header);
            assert_eq!(a.page(), b.page());
        }
        let c = open_attached(&log, &primary);
        write_workload(std::slice::from_ref(&c), 3, 10);
        log.sync().unwrap();
        let mut replica = Replica::open(&replica_path).unwrap();
        replica.reset(log.log_id()).unwrap();
        replica.apply(frames_from(&log, FrameNo(0))).unwrap();
        assert_converged(&primary, &replica_path);
    }
}

#[test]
fn group_commit_checkpoint_and_seal_sync_first() {
    let (_dir, primary, replica_path) = dirs();
    let config = LogConfig {
        checkpoint_frames: 30,
        auto_compact: false,
        ..small_segments()
    };
    let config = LogConfig {
        group_commit: true,
        ..config
    };
    let log = ReplicationLog::open(&primary, config).unwrap();
    let c = open_attached(&log, &primary);
    // Never synced by a committer: seals and checkpoints must make frames durable
    // themselves before segments are sealed or the WAL is reused.
    write_workload(std::slice::from_ref(&c), 30, 0);
    assert!(log.first_frame_no() == FrameNo(0));
    assert!(log.checkpoint().unwrap());
    assert_eq!(log.durable_frame_no(), log.next_frame_no());
    log.compact().unwrap();
    let mut replica = Replica::open(&replica_path).unwrap();
    let snap = log
        .snapshot()
        .unwrap()
        .expect("a snapshot after compaction");
    replica.apply_snapshot(log.log_id(), snap).unwrap();
    replica
        .apply(frames_from(&log, replica.next_frame_no()))
        .unwrap();
    assert_converged(&primary, &replica_path);
}
