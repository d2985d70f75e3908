//! Recovery: the newest snapshot, then the logs after it, into a state;
//! a torn last frame cut off; anything else damaged refused.

use std::fs::{self, OpenOptions};
use std::path::Path;

use super::frame::Next;
use super::{Settings, Store, list, log, prune, record, snapshot};
use crate::error::Error;
use crate::state::{Now, State, StateConfig};

/// How much the logs replayed hold (they count towards the next snapshot).
#[derive(Debug, Default)]
struct Replayed {
    entries: u64,
    bytes: u64,
}

/// Recovers the state kept in `data_dir` (created if missing) at `now`,
/// with the store that goes on keeping it. A new data directory gives a
/// new state with `config`'s secret.
pub(crate) fn recover(
    settings: &Settings,
    data_dir: &Path,
    config: StateConfig,
    now: Now,
) -> Result<(State, Store), Error> {
    let log_dir = settings.data_log_dir.clone().unwrap_or_else(|| data_dir.to_owned());
    for dir in [data_dir, &log_dir] {
        fs::create_dir_all(dir).map_err(Error::storage(dir))?;
    }
    remove_unfinished_snapshots(data_dir)?;
    let snapshots = list(data_dir, "snapshot.")?;
    let logs = list(&log_dir, "log.")?;
    let (mut state, base) = match snapshots.last() {
        Some((zxid, path)) => (snapshot::load(path, *zxid, config, now)?, *zxid),
        None => {
            // Not snapshotted yet: the secret is in the first log's header.
            let first = logs.first().map(|(_, path)| log::open(path, logs.len() == 1));
            let secret = match first.transpose()?.flatten() {
                Some((header, _)) => header.secret,
                None => config.secret,
            };
            (State::new(StateConfig { secret, ..config }, now), 0)
        }
    };
    let newer: Vec<_> = logs.iter().filter(|(zxid, _)| *zxid > base).collect();
    let mut replayed = Replayed::default();
    for (i, (start, path)) in newer.iter().enumerate() {
        replay_log(&mut state, path, *start, i + 1 == newer.len(), now, &mut replayed)?;
    }
    // Leftovers of a crash between a snapshot and its pruning.
    prune(data_dir, &log_dir, base)?;
    tracing::info!(
        zxid = format_args!("{:#x}", state.last_zxid()),
        snapshot = format_args!("{base:#x}"),
        entries = replayed.entries,
        "recovered the data directory"
    );
    state.keep_journal();
    let store = Store::new(
        settings,
        data_dir.to_owned(),
        log_dir,
        &state,
        (replayed.entries, replayed.bytes),
    );
    Ok((state, store))
}

/// Removes the `.tmp` files of snapshots a crash interrupted.
fn remove_unfinished_snapshots(dir: &Path) -> Result<(), Error> {
    for entry in fs::read_dir(dir).map_err(Error::storage(dir))? {
        let entry = entry.map_err(Error::storage(dir))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snapshot.") && name.ends_with(".tmp") {
            let path = entry.path();
            fs::remove_file(&path).map_err(Error::storage(&path))?;
        }
    }
    Ok(())
}

/// Replays the log at `path`, named for zxid `start`, into `state`. The
/// last log (`last`) may end with a torn frame: it is cut off the file.
fn replay_log(
    state: &mut State,
    path: &Path,
    start: i64,
    last: bool,
    now: Now,
    replayed: &mut Replayed,
) -> Result<(), Error> {
    let corrupt = |offset, reason: String| Error::corrupt(path, offset, reason);
    let Some((header, mut frames)) = log::open(path, last)? else {
        tracing::warn!(file = %path.display(), "removing a log a crash cut short before its first frame");
        return fs::remove_file(path).map_err(Error::storage(path));
    };
    if header.first_zxid != start {
        return Err(corrupt(8, format!("the log starts at zxid {:#x}", header.first_zxid)));
    }
    if header.secret != state.secret() {
        return Err(corrupt(8, "the log belongs to another server's data".to_owned()));
    }
    if start != state.last_zxid() + 1 {
        return Err(corrupt(
            0,
            format!(
                "the log starts at zxid {start:#x}, but what comes before ends at {:#x}: a log is missing",
                state.last_zxid()
            ),
        ));
    }
    let mut frames_read = 0_u64;
    loop {
        match frames.next_frame().map_err(Error::storage(path))? {
            Next::Frame { offset, payload } => {
                let size = payload.len() as u64;
                let batch = record::decode_batch(payload).map_err(|r| corrupt(offset, r))?;
                for logged in &batch.entries {
                    state.replay(logged, now).map_err(|r| corrupt(offset, r))?;
                }
                if batch.last_zxid < state.last_zxid() {
                    return Err(corrupt(offset, "a commit whose zxid goes back".to_owned()));
                }
                state.advance_zxid(batch.last_zxid);
                replayed.entries += batch.entries.len() as u64;
                replayed.bytes += size;
                frames_read += 1;
            }
            Next::End => break,
            Next::Bad(bad) if last && bad.torn => {
                tracing::warn!(
                    file = %path.display(),
                    offset = bad.offset,
                    "dropping the torn last record of the log ({}): a write a crash cut short, never acknowledged",
                    bad.reason
                );
                return cut(path, bad.offset, frames_read == 0);
            }
            Next::Bad(bad) => return Err(corrupt(bad.offset, bad.reason)),
        }
    }
    if last && frames_read == 0 {
        // Started, then nothing: the next log may take its name.
        fs::remove_file(path).map_err(Error::storage(path))?;
    }
    Ok(())
}

/// Cuts a log at `offset` (removes it if nothing before is left).
fn cut(path: &Path, offset: u64, remove: bool) -> Result<(), Error> {
    if remove {
        return fs::remove_file(path).map_err(Error::storage(path));
    }
    let file = OpenOptions::new().write(true).open(path).map_err(Error::storage(path))?;
    file.set_len(offset).and_then(|()| file.sync_all()).map_err(Error::storage(path))
}
