//! Hrana-over-HTTP streams and their batons.
//!
//! An HTTP client keeps a stream (a [`Session`] plus its stored SQL) across requests by
//! sending back the baton of the previous response. A baton is 48 random-looking bytes in
//! base64: the stream's 16-byte random id, the stream's request sequence number, and 24
//! fresh random bytes. Every response hands out a new baton; an older one is refused, and
//! so is anything that does not match a live stream. Streams idle past the timeout are
//! dropped (rolling back any open transaction) and remembered for a while so the client
//! gets `STREAM_EXPIRED` rather than a generic error.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::db::Session;
use crate::hrana_exec::StreamState;

const ID_LEN: usize = 16;
const TOKEN_LEN: usize = 24;
const BATON_LEN: usize = ID_LEN + 8 + TOKEN_LEN;

type StreamId = [u8; ID_LEN];

/// Why a baton was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatonError {
    /// Not a baton of any live stream.
    Invalid,
    /// A baton of a live stream, but not its newest one.
    AlreadyUsed,
    /// The stream expired from inactivity.
    Expired,
    /// The newest baton of a stream still held by the request that issued it.
    Busy,
}

/// A stream checked out for one request. Hand it back with [`Streams::release`].
pub struct CheckedOut {
    id: StreamId,
    /// The sequence number and token of the baton this request hands out.
    next_seq: u64,
    next_token: [u8; TOKEN_LEN],
    /// The stream's state, exclusively owned while checked out.
    pub state: StreamState,
}

impl CheckedOut {
    fn new(id: StreamId, next_seq: u64, state: StreamState) -> CheckedOut {
        let mut next_token = [0u8; TOKEN_LEN];
        fill_random(&mut next_token);
        CheckedOut {
            id,
            next_seq,
            next_token,
            state,
        }
    }

    /// The baton that will continue this stream once it is released (known up front so
    /// a streamed response can send it first).
    pub fn baton(&self) -> String {
        let mut baton = Vec::with_capacity(BATON_LEN);
        baton.extend_from_slice(&self.id);
        baton.extend_from_slice(&self.next_seq.to_be_bytes());
        baton.extend_from_slice(&self.next_token);
        STANDARD.encode(baton)
    }
}

struct Entry {
    /// `None` while a request is using the stream.
    state: Option<StreamState>,
    /// The sequence number the next baton carries.
    seq: u64,
    /// The token of the current baton, valid while the stream is idle.
    token: [u8; TOKEN_LEN],
    /// The token handed to the request using the stream, valid once it is released.
    pending: Option<[u8; TOKEN_LEN]>,
    last_used: Instant,
}

/// All live HTTP streams.
pub struct Streams {
    live: Mutex<HashMap<StreamId, Entry>>,
    expired: Mutex<HashMap<StreamId, Instant>>,
    idle_timeout: Duration,
    expired_memory: Duration,
}

impl Streams {
    /// An empty registry.
    pub fn new(idle_timeout: Duration, expired_memory: Duration) -> Streams {
        Streams {
            live: Mutex::new(HashMap::new()),
            expired: Mutex::new(HashMap::new()),
            idle_timeout,
            expired_memory,
        }
    }

    /// Takes the stream a baton names, for the length of one request.
    pub fn check_out(&self, baton: &str) -> Result<CheckedOut, BatonError> {
        let bytes = STANDARD.decode(baton).map_err(|_| BatonError::Invalid)?;
        if bytes.len() != BATON_LEN {
            return Err(BatonError::Invalid);
        }
        let id: StreamId = bytes[..ID_LEN].try_into().expect("length checked");
        let seq = u64::from_be_bytes(
            bytes[ID_LEN..ID_LEN + 8]
                .try_into()
                .expect("length checked"),
        );
        let token = &bytes[ID_LEN + 8..];
        let mut live = lock(&self.live);
        let Some(entry) = live.get_mut(&id) else {
            drop(live);
            return Err(if lock(&self.expired).contains_key(&id) {
                BatonError::Expired
            } else {
                BatonError::Invalid
            });
        };
        if seq < entry.seq {
            return Err(BatonError::AlreadyUsed);
        }
        if seq != entry.seq {
            return Err(BatonError::Invalid);
        }
        let Some(state) = entry.state.take() else {
            // The request that issued this baton has not handed the stream back yet (a
            // cursor body still being sent, say): the caller may wait for it.
            return match &entry.pending {
                Some(pending) if constant_time_eq(token, pending) => Err(BatonError::Busy),
                _ => Err(BatonError::Invalid),
            };
        };
        if !constant_time_eq(token, &entry.token) {
            entry.state = Some(state);
            return Err(BatonError::Invalid);
        }
        let stream = CheckedOut::new(id, seq + 1, state);
        entry.seq = seq + 1;
        entry.pending = Some(stream.next_token);
        Ok(stream)
    }

    /// Registers a new stream, checked out by the caller.
    pub fn create(&self, session: Session) -> CheckedOut {
        let mut id = [0u8; ID_LEN];
        fill_random(&mut id);
        let stream = CheckedOut::new(id, 0, StreamState::new(session));
        lock(&self.live).insert(
            id,
            Entry {
                state: None,
                seq: 0,
                token: [0; TOKEN_LEN],
                pending: Some(stream.next_token),
                last_used: Instant::now(),
            },
        );
        stream
    }

    /// Returns a stream after a request; from now on only `stream.baton()` continues it.
    pub fn release(&self, stream: CheckedOut) {
        let mut live = lock(&self.live);
        if let Some(entry) = live.get_mut(&stream.id) {
            entry.state = Some(stream.state);
            entry.token = stream.next_token;
            entry.pending = None;
            entry.last_used = Instant::now();
        }
    }

    /// Forgets a stream that a `close` request ended (its state is dropped by the caller).
    pub fn forget(&self, stream: CheckedOut) -> StreamState {
        lock(&self.live).remove(&stream.id);
        stream.state
    }

    /// Removes streams idle past the timeout and returns their states, to be dropped
    /// off the async workers (dropping rolls back their transactions).
    pub fn expire_idle(&self) -> Vec<StreamState> {
        let now = Instant::now();
        let mut expired_states = Vec::new();
        let mut live = lock(&self.live);
        let mut expired = lock(&self.expired);
        live.retain(|id, entry| {
            let idle = now.duration_since(entry.last_used) >= self.idle_timeout;
            // A stream in use by a request is not idle, whatever its timestamp says.
            if idle && entry.state.is_some() {
                expired_states.extend(entry.state.take());
                expired.insert(*id, now);
                return false;
            }
            true
        });
        expired.retain(|_, at| now.duration_since(*at) < self.expired_memory);
        expired_states
    }

    /// Drops every stream (at shutdown).
    pub fn drain(&self) -> Vec<StreamState> {
        lock(&self.live)
            .drain()
            .filter_map(|(_, e)| e.state)
            .collect()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn fill_random(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the OS random source is available");
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
