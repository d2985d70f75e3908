//! Durability: the transaction log, snapshots, and recovery.
//!
//! # Group commit
//!
//! The state task applies a batch of requests to the state, which journals
//! every change (session creation and closing, every write as its checked
//! transaction). Before any answer of the batch leaves, [`Store::commit`]
//! appends the batch's changes to the log as one frame and syncs the file
//! once (`fdatasync`): concurrent writes share that sync, and nothing is
//! answered — no reply, no watch event, no four-letter word — that the log
//! does not hold.
//!
//! # Files
//!
//! In the data directory (logs in the data log directory if one is set):
//!
//! - `log.<zxid>`: a transaction log, named by the first zxid it may hold
//!   (16 hexadecimal digits). The magic `zookitL\x01`, a header frame (that
//!   zxid and the server's secret, which keys session passwords), then one
//!   frame per commit: the last zxid given out (failed writes take zxids
//!   and change nothing) and the entries, each its zxid, its time and the
//!   change, in Jute's encoding.
//! - `snapshot.<zxid>`: the state after zxid `<zxid>`. The magic
//!   `zookitS\x01`, a header frame (zxid, secret, sessions with their
//!   timeouts), frames of ACL lists and znodes (each after its parent, with
//!   its data, ACL and stat), and an end item with the counts. Written to
//!   `snapshot.<zxid>.tmp`, synced, and renamed.
//!
//! A frame is a 12-byte header — the payload's length, a CRC-32 of that
//! length, a CRC-32 of the payload, big-endian — and the payload.
//!
//! # Snapshots
//!
//! Once `snapCount` entries or `snapSizeLimit` bytes have been logged since
//! the last snapshot, the state task encodes a snapshot between two commits
//! (so it is exact, not fuzzy), starts a new log, and a blocking thread
//! writes the snapshot and then deletes the older snapshots and the logs it
//! covers.
//!
//! # Recovery
//!
//! The newest snapshot is loaded and the logs after it replayed in order.
//! The last frame of the last log may be torn — incomplete, or failing its
//! checksum with nothing but zeros after it — by a crash in the middle of a
//! write: it was never acknowledged, and is cut off the file (ZooKeeper
//! also drops an incomplete last record). Any other damage — a checksum
//! failing with data after it, a bad frame in an earlier log, a missing
//! log, a bad snapshot, an entry that does not fit the tree — stops the
//! start with [`Error::Corrupt`], naming the file and the byte offset.

mod frame;
mod log;
mod record;
mod recovery;
mod snapshot;
#[cfg(test)]
mod tests;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use tokio::task::JoinHandle;

use self::log::LogWriter;
use crate::config::{Config, Fsync, Settings};
use crate::error::Error;
use crate::state::{Now, State, StateConfig};

/// The state a server starts with: recovered from its data directory
/// (with the store that keeps it), or new and in memory.
pub(crate) fn open(
    config: &Config,
    state_config: StateConfig,
    now: Now,
) -> Result<(State, Option<Store>), Error> {
    match &config.persist.data_dir {
        None => Ok((State::new(state_config, now), None)),
        Some(dir) => {
            let (state, store) = recovery::recover(&config.persist, dir, state_config, now)?;
            Ok((state, Some(store)))
        }
    }
}

/// Syncs a directory, so that the names created in it are durable.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), Error> {
    fs::File::open(dir).and_then(|d| d.sync_all()).map_err(Error::storage(dir))
}

/// The files of `dir` named `<prefix><zxid>`, by zxid.
fn list(dir: &Path, prefix: &str) -> Result<Vec<(i64, PathBuf)>, Error> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(Error::storage(dir))? {
        let entry = entry.map_err(Error::storage(dir))?;
        let name = entry.file_name();
        if let Some(zxid) = name.to_str().and_then(|n| log::zxid_of(n, prefix)) {
            files.push((zxid, entry.path()));
        }
    }
    files.sort_unstable();
    Ok(files)
}

/// Deletes what the snapshot of `zxid` makes useless: older snapshots,
/// and the logs it covers (every log before it was started before it).
fn prune(data_dir: &Path, log_dir: &Path, zxid: i64) -> Result<(), Error> {
    let old_snapshots = list(data_dir, "snapshot.")?.into_iter().filter(|(z, _)| *z < zxid);
    let old_logs = list(log_dir, "log.")?.into_iter().filter(|(z, _)| *z <= zxid);
    for (_, path) in old_snapshots.chain(old_logs) {
        fs::remove_file(&path).map_err(Error::storage(&path))?;
    }
    Ok(())
}

/// What the state task keeps of a durable server: the log being written
/// and the snapshot being taken.
#[derive(Debug)]
pub(crate) struct Store {
    data_dir: PathBuf,
    log_dir: PathBuf,
    fsync: Fsync,
    snap_count: u64,
    snap_size_limit: u64,
    secret: i64,
    /// The log being appended to; `None` until the next commit starts one.
    log: Option<LogWriter>,
    /// The last zxid the log holds.
    logged_zxid: i64,
    entries_since_snapshot: u64,
    bytes_since_snapshot: u64,
    /// The snapshot being written, then its older files deleted.
    snapshotting: Option<JoinHandle<Result<(), Error>>>,
    /// The frame being built, kept for its capacity.
    buf: Vec<u8>,
    /// How many times a log was synced (the seam group commit is tested by).
    syncs: Arc<AtomicU64>,
}

impl Store {
    /// A store whose log holds everything up to `state`'s last zxid;
    /// `entries` and `bytes` were logged since the last snapshot.
    fn new(
        settings: &Settings,
        data_dir: PathBuf,
        log_dir: PathBuf,
        state: &State,
        since_snapshot: (u64, u64),
    ) -> Self {
        Self {
            data_dir,
            log_dir,
            fsync: settings.fsync,
            snap_count: settings.snap_count.max(1),
            snap_size_limit: settings.snap_size_limit.max(1),
            secret: state.secret(),
            log: None,
            logged_zxid: state.last_zxid(),
            entries_since_snapshot: since_snapshot.0,
            bytes_since_snapshot: since_snapshot.1,
            snapshotting: None,
            buf: Vec::new(),
            syncs: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Counts the syncs of log files.
    #[cfg(test)]
    pub(crate) fn syncs(&self) -> Arc<AtomicU64> {
        self.syncs.clone()
    }

    /// Logs the changes `state` made since the last commit, as one frame,
    /// with one sync; then takes a snapshot if one is due. Nothing of the
    /// batch may be answered before this returns `Ok`; after an error, the
    /// state holds changes the log may not: the server must stop.
    pub(crate) async fn commit(&mut self, state: &mut State) -> Result<(), Error> {
        let entries = state.take_journal();
        let last_zxid = state.last_zxid();
        if entries.is_empty() && last_zxid == self.logged_zxid {
            return Ok(());
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.clear();
        let start = frame::begin(&mut buf);
        record::encode_batch(&mut buf, last_zxid, &entries);
        frame::finish(&mut buf, start);
        let count = entries.len() as u64;
        drop(entries);
        let log = self.log.take();
        let header = log::Header { first_zxid: self.logged_zxid + 1, secret: self.secret };
        let (dir, fsync, syncs) = (self.log_dir.clone(), self.fsync, self.syncs.clone());
        let write = move || {
            let mut log = match log {
                Some(log) => log,
                None => LogWriter::create(&dir, header, fsync)?,
            };
            log.append(&buf, fsync, &syncs)?;
            Ok::<_, Error>((log, buf))
        };
        let (log, buf) = match fsync {
            // Waiting for the disk: on a blocking thread, so the
            // connections go on reading meanwhile.
            Fsync::Always => tokio::task::spawn_blocking(write)
                .await
                .map_err(|e| Error::Stopped(format!("the log writer failed: {e}")))??,
            Fsync::Never => write()?,
        };
        self.bytes_since_snapshot += buf.len() as u64;
        self.entries_since_snapshot += count;
        self.log = Some(log);
        // Keep a moderate buffer, not the largest batch's.
        if buf.capacity() <= 4 << 20 {
            self.buf = buf;
        }
        self.logged_zxid = last_zxid;
        self.snapshot_if_due(state).await;
        Ok(())
    }

    /// Takes a snapshot if enough was logged since the last one and none
    /// is being written: encodes it now, starts a new log with the next
    /// commit, and writes it (then prunes) on a blocking thread.
    async fn snapshot_if_due(&mut self, state: &State) {
        if self.entries_since_snapshot < self.snap_count
            && self.bytes_since_snapshot < self.snap_size_limit
        {
            return;
        }
        if self.snapshotting.as_ref().is_some_and(|task| !task.is_finished()) {
            return;
        }
        if let Some(task) = self.snapshotting.take() {
            report(task.await);
        }
        let zxid = state.last_zxid();
        let bytes = snapshot::encode(state);
        self.log = None;
        self.entries_since_snapshot = 0;
        self.bytes_since_snapshot = 0;
        let (data_dir, log_dir, fsync) = (self.data_dir.clone(), self.log_dir.clone(), self.fsync);
        self.snapshotting = Some(tokio::task::spawn_blocking(move || {
            let path = snapshot::write(&data_dir, zxid, &bytes, fsync)?;
            tracing::debug!(snapshot = %path.display(), "snapshot written");
            prune(&data_dir, &log_dir, zxid)
        }));
    }

    /// Waits for the snapshot being written, if any.
    pub(crate) async fn close(mut self) {
        if let Some(task) = self.snapshotting.take() {
            report(task.await);
        }
    }
}

/// Reports a snapshot that failed: the logs it would have replaced stay,
/// so nothing is lost, and the next snapshot tries again.
fn report(result: Result<Result<(), Error>, tokio::task::JoinError>) {
    match result {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "a snapshot failed; the logs are kept"),
        Err(error) => tracing::warn!(%error, "a snapshot failed; the logs are kept"),
    }
}
