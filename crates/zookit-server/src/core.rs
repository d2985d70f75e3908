//! The task that owns the state: it takes commands from the connections in
//! batches, applies them in order, and hands each connection its frames
//! once per batch. It also expires sessions and reaps containers on time.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::BytesMut;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{Instant as TokioInstant, MissedTickBehavior};
use zookit_proto::{ConnectRequest, Encode, encode_frame};

use crate::config::Config;
use crate::error::Error;
use crate::four_letter::{self, wall_ms};
use crate::net::outbox::{Outbox, UnsentLimit};
use crate::persist::Store;
use crate::state::request::Incoming;
use crate::state::{ConnId, Now, Outbound, State};

/// What connections ask of the state task.
pub(crate) enum Command {
    /// A handshake; `outbox` takes the connection's frames from now on.
    Connect { conn: ConnId, peer: SocketAddr, outbox: Arc<Outbox>, request: ConnectRequest },
    /// Requests, in the order they arrived.
    Requests { conn: ConnId, requests: Vec<Incoming> },
    /// The connection ended.
    Closed { conn: ConnId },
    /// A four-letter word from `peer`; the answer goes back on `reply`.
    FourLetter { word: &'static str, peer: SocketAddr, reply: oneshot::Sender<String> },
    /// Identities a connection proved before its handshake (a client
    /// certificate's `x509` subject).
    Identify { conn: ConnId, ids: Vec<zookit_proto::Id> },
    /// Expire a session now; whether it was alive goes back on `reply`.
    Expire { session: i64, reply: oneshot::Sender<bool> },
}

/// The most commands taken in one batch.
const BATCH: usize = 128;

/// The server's clocks, read once per batch.
struct Clock {
    start: Instant,
    started: SystemTime,
}

impl Clock {
    fn now(&self) -> Now {
        Now {
            wall_ms: wall_ms(SystemTime::now()),
            // Offset so the first tick boundaries are not at 0.
            mono_ms: u64::try_from(self.start.elapsed().as_millis()).unwrap_or(u64::MAX)
                + 1_000_000,
        }
    }

    fn instant_at(&self, mono_ms: u64) -> TokioInstant {
        let since_start = Duration::from_millis(mono_ms.saturating_sub(1_000_000));
        TokioInstant::from_std(self.start + since_start)
    }
}

/// A connection's frames staged during a batch.
struct Slot {
    outbox: Arc<Outbox>,
    staged: BytesMut,
    frames: usize,
    close: bool,
}

/// The open connections, as the state task reaches them.
struct Connections {
    slots: HashMap<ConnId, Slot>,
    /// Connections with staged frames or a pending close.
    dirty: Vec<ConnId>,
    limit: UnsentLimit,
}

impl Outbound for Connections {
    fn send(&mut self, conn: ConnId, record: &impl Encode) {
        if let Some(slot) = self.slots.get_mut(&conn) {
            if slot.frames == 0 && !slot.close {
                self.dirty.push(conn);
            }
            encode_frame(&mut slot.staged, record);
            slot.frames += 1;
        }
    }

    fn close(&mut self, conn: ConnId) {
        if let Some(slot) = self.slots.get_mut(&conn) {
            if slot.frames == 0 && !slot.close {
                self.dirty.push(conn);
            }
            slot.close = true;
        }
    }
}

impl Connections {
    /// Hands every connection its staged frames. Connections over their
    /// unsent limit are stopped and reported to the state.
    fn flush(&mut self, state: &mut State) {
        for conn in std::mem::take(&mut self.dirty) {
            let Some(slot) = self.slots.get_mut(&conn) else { continue };
            let frames = std::mem::take(&mut slot.frames);
            let close = slot.close;
            let staged = slot.staged.split();
            if slot.outbox.push(staged, frames, close, self.limit).is_err() {
                tracing::debug!(conn, "closing a connection that does not read its replies");
                state.disconnected(conn);
                self.slots.remove(&conn);
            } else if close {
                self.slots.remove(&conn);
            } else if slot.staged.capacity() > 64 * 1024 {
                // Do not keep a large staging buffer for an idle connection.
                slot.staged = BytesMut::new();
            }
        }
    }
}

/// What the state task starts from: its clock, and the state, recovered
/// from the data directory (with the store that keeps it) if there is one.
pub(crate) struct Origin {
    clock: Clock,
    state: State,
    store: Option<Store>,
}

impl Origin {
    /// A new state, or the one the data directory holds (blocking: it
    /// reads the directory).
    pub(crate) fn new(config: &Config) -> Result<Self, Error> {
        let clock = Clock { start: Instant::now(), started: SystemTime::now() };
        let secret = {
            use std::hash::{BuildHasher, Hasher};
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u64(wall_ms(clock.started) as u64);
            hasher.finish() as i64
        };
        let state_config = crate::state::StateConfig {
            tick_ms: config.tick_ms(),
            min_session_timeout: config.min_session_timeout_ms(),
            max_session_timeout: config.max_session_timeout_ms(),
            super_digest: config.super_digest.clone(),
            extended_types: config.extended_types,
            reconfig_enabled: config.reconfig_enabled,
            secret,
            security: crate::state::Security {
                sasl: config.sasl.clone().map(Arc::new),
                sasl_super_user: config.sasl_super_user.clone(),
                schemes: crate::state::Schemes {
                    sasl: config.sasl.is_some(),
                    x509: config.tls.is_some(),
                },
            },
        };
        let (state, store) = crate::persist::open(config, state_config, clock.now())?;
        Ok(Self { clock, state, store })
    }

    /// Counts the syncs of the transaction log, if there is one.
    #[cfg(test)]
    pub(crate) fn log_syncs(&self) -> Option<Arc<std::sync::atomic::AtomicU64>> {
        self.store.as_ref().map(Store::syncs)
    }
}

/// How the state task stops the server when it cannot go on.
pub(crate) struct Failure {
    pub(crate) shutdown: watch::Sender<bool>,
    pub(crate) reason: watch::Sender<Option<String>>,
}

impl Failure {
    fn fail(&self, error: &Error) {
        tracing::error!(%error, "stopping the server");
        self.reason.send_replace(Some(error.to_string()));
        self.shutdown.send_replace(true);
    }
}

/// Runs the state task until shutdown or until every sender is gone.
pub(crate) async fn run(
    config: Arc<Config>,
    port: u16,
    open: Arc<AtomicUsize>,
    mut commands: mpsc::Receiver<Command>,
    mut shutdown: watch::Receiver<bool>,
    origin: Origin,
    failure: Failure,
) {
    let Origin { clock, mut state, mut store } = origin;
    let mut conns = Connections {
        slots: HashMap::new(),
        dirty: Vec::new(),
        limit: UnsentLimit { frames: config.max_unsent_replies, bytes: config.max_unsent_bytes },
    };
    let mut reaper =
        tokio::time::interval(config.container_check_interval.max(Duration::from_millis(1)));
    reaper.set_missed_tick_behavior(MissedTickBehavior::Delay);
    reaper.tick().await;
    let mut batch = Vec::with_capacity(BATCH);
    // Four-letter words are answered with the batch's replies.
    let mut answers = Vec::new();
    loop {
        let expiry = state.next_expiry().map(|ms| clock.instant_at(ms));
        tokio::select! {
            biased;
            _ = shutdown.changed() => break,
            n = commands.recv_many(&mut batch, BATCH) => {
                if n == 0 {
                    break;
                }
                let now = clock.now();
                for command in batch.drain(..) {
                    match command {
                        Command::Connect { conn, peer, outbox, request } => {
                            conns.slots.insert(conn, Slot { outbox, staged: BytesMut::new(), frames: 0, close: false });
                            state.connect(conn, peer, &request, now, &mut conns);
                        }
                        Command::Requests { conn, requests } => {
                            for request in requests {
                                state.request(conn, request, now, &mut conns);
                            }
                        }
                        Command::Closed { conn } => {
                            state.forget(conn);
                            if let Some(slot) = conns.slots.remove(&conn) {
                                slot.outbox.stop();
                            }
                        }
                        Command::FourLetter { word, peer, reply } => {
                            let ctx = four_letter::Context {
                                config: &config,
                                asking: peer,
                                open_connections: open.load(Ordering::Relaxed),
                                port,
                                uptime: clock.start.elapsed(),
                                mono_ms: now.mono_ms,
                                wall_ms: now.wall_ms,
                            };
                            answers.push((reply, four_letter::answer(word, &mut state, &ctx)));
                        }
                        Command::Identify { conn, ids } => state.identify(conn, ids),
                        Command::Expire { session, reply } => {
                            let _ = reply.send(state.expire_session(session, &mut conns));
                        }
                    }
                }
            }
            _ = tokio::time::sleep_until(expiry.unwrap_or_else(TokioInstant::now)), if expiry.is_some() => {
                state.expire_sessions(clock.now(), &mut conns);
            }
            _ = reaper.tick() => state.reap_containers(clock.now(), &mut conns),
        }
        // Nothing of the batch is answered before the log holds it.
        if let Some(store) = &mut store
            && let Err(error) = store.commit(&mut state).await
        {
            failure.fail(&error);
            break;
        }
        conns.flush(&mut state);
        for (reply, answer) in answers.drain(..) {
            let _ = reply.send(answer);
        }
    }
    for slot in conns.slots.values() {
        slot.outbox.stop();
    }
    if let Some(store) = store {
        store.close().await;
    }
}
