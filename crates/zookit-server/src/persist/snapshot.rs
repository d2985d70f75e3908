//! Snapshot files: `snapshot.<zxid>` (the last zxid it includes, 16 hex
//! digits), the magic `zookitS\x01`, a header frame (that zxid, the
//! server's secret, the sessions and their timeouts), frames of items
//! (ACL lists, and znodes after their parents, each naming its ACL list by
//! index), and an end item with the counts. Written whole to a `.tmp` file,
//! synced, then renamed: a snapshot is complete or absent.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::{Buf, BufMut, Bytes};
use zookit_proto::{Acl, Decode};

use super::frame::{self, Frames, Next};
use super::record::{put_acl, put_nullable};
use super::{Fsync, sync_dir};
use crate::error::Error;
use crate::state::request::nullable_bytes;
use crate::state::{Image, NodeStat, Now, State, StateConfig};

/// The first bytes of a snapshot file.
pub(crate) const MAGIC: &[u8; 8] = b"zookitS\x01";

/// Item kinds.
const ACL: u8 = 1;
const ZNODE: u8 = 2;
const END: u8 = 3;

/// About how many bytes of items go in one frame.
const CHUNK: usize = 1 << 20;

/// The name of the snapshot of zxid `zxid`.
pub(crate) fn name(zxid: i64) -> String {
    format!("snapshot.{zxid:016x}")
}

/// The whole file of a snapshot of `state` (taken between commits, so it
/// holds exactly the changes up to its last zxid).
pub(crate) fn encode(state: &State) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    let start = frame::begin(&mut out);
    out.put_i64(state.last_zxid());
    out.put_i64(state.secret());
    let sessions = state.session_image();
    out.put_i32(i32::try_from(sessions.len()).unwrap_or(i32::MAX));
    for (id, timeout) in sessions {
        out.put_i64(id);
        out.put_i32(timeout);
    }
    frame::finish(&mut out, start);
    let mut start = frame::begin(&mut out);
    let (mut acls, mut znodes) = (0_i32, 0_i64);
    state.tree_image(&mut |image| {
        match image {
            Image::Acl(acl) => {
                out.put_u8(ACL);
                put_acl(&mut out, acl);
                acls += 1;
            }
            Image::Znode { path, acl, data, stat } => {
                out.put_u8(ZNODE);
                put_nullable(&mut out, Some(path));
                out.put_u32(acl);
                put_nullable(&mut out, data);
                for field in [stat.czxid, stat.mzxid, stat.pzxid, stat.ctime, stat.mtime] {
                    out.put_i64(field);
                }
                out.put_i64(stat.ephemeral_owner);
                for field in [stat.version, stat.cversion, stat.aversion] {
                    out.put_i32(field);
                }
                znodes += 1;
            }
        }
        if out.len() - start > CHUNK {
            frame::finish(&mut out, start);
            start = frame::begin(&mut out);
        }
    });
    out.put_u8(END);
    out.put_i64(znodes);
    out.put_i32(acls);
    frame::finish(&mut out, start);
    out
}

/// Writes a snapshot's bytes as `snapshot.<zxid>` in `dir`: complete
/// (synced, with `Fsync::Always`) before it has its name.
pub(crate) fn write(dir: &Path, zxid: i64, bytes: &[u8], fsync: Fsync) -> Result<PathBuf, Error> {
    let path = dir.join(name(zxid));
    let tmp = dir.join(format!("{}.tmp", name(zxid)));
    let mut file = File::create(&tmp).map_err(Error::storage(&tmp))?;
    file.write_all(bytes).map_err(Error::storage(&tmp))?;
    if fsync == Fsync::Always {
        file.sync_all().map_err(Error::storage(&tmp))?;
    }
    drop(file);
    fs::rename(&tmp, &path).map_err(Error::storage(&path))?;
    if fsync == Fsync::Always {
        sync_dir(dir)?;
    }
    Ok(path)
}

fn field<T: Decode>(buf: &mut Bytes) -> Result<T, String> {
    T::decode(buf).map_err(|e| e.to_string())
}

/// Reads the snapshot at `path`, of zxid `zxid` (its name's), into a new
/// state with `config` (but the snapshot's secret), its sessions expiring
/// after their timeouts from `now`.
pub(crate) fn load(path: &Path, zxid: i64, config: StateConfig, now: Now) -> Result<State, Error> {
    let file = File::open(path).map_err(Error::storage(path))?;
    let len = file.metadata().map_err(Error::storage(path))?.len();
    let corrupt = |offset, reason: String| Error::corrupt(path, offset, reason);
    if len < MAGIC.len() as u64 {
        return Err(corrupt(0, "shorter than a snapshot's header".to_owned()));
    }
    let mut frames = Frames::new(file, 0, len);
    let mut magic = [0_u8; 8];
    frames.read_exact(&mut magic).map_err(Error::storage(path))?;
    if &magic != MAGIC {
        return Err(corrupt(0, "not a zookit snapshot".to_owned()));
    }
    let mut next = || match frames.next_frame().map_err(Error::storage(path))? {
        Next::Frame { offset, payload } => Ok((offset, payload)),
        Next::Bad(bad) => Err(corrupt(bad.offset, bad.reason)),
        Next::End => Err(corrupt(frames.position(), "the snapshot ends early".to_owned())),
    };
    let (offset, mut header) = next()?;
    let (mut state, sessions) = (|| {
        let snapshot_zxid = field::<i64>(&mut header)?;
        if snapshot_zxid != zxid {
            return Err(format!("the snapshot of zxid {snapshot_zxid:#x} is named {zxid:#x}"));
        }
        let secret = field::<i64>(&mut header)?;
        let mut state = State::new(StateConfig { secret, ..config }, now);
        state.advance_zxid(zxid);
        let count = field::<i32>(&mut header)?;
        for _ in 0..count {
            let (id, timeout) = (field::<i64>(&mut header)?, field::<i32>(&mut header)?);
            state.restore_session(id, timeout, now)?;
        }
        if !header.is_empty() {
            return Err("bytes after the sessions".to_owned());
        }
        Ok((state, count))
    })()
    .map_err(|reason| corrupt(offset, reason))?;
    tracing::debug!(sessions, "snapshot header read");
    let mut acls: Vec<Vec<Acl>> = Vec::new();
    let mut znodes = 0_i64;
    loop {
        let (offset, mut items) = next()?;
        let ended = (|| {
            while !items.is_empty() {
                match items.get_u8() {
                    ACL => acls.push(field::<Vec<Acl>>(&mut items)?),
                    ZNODE => {
                        let path = field::<String>(&mut items)?;
                        let acl = field::<i32>(&mut items)?;
                        let acl = usize::try_from(acl)
                            .ok()
                            .and_then(|i| acls.get(i))
                            .ok_or_else(|| format!("{path}: no ACL list {acl}"))?;
                        let data = nullable_bytes(&mut items).map_err(|e| e.to_string())?;
                        let mut times = [0_i64; 6];
                        for t in &mut times {
                            *t = field(&mut items)?;
                        }
                        let [czxid, mzxid, pzxid, ctime, mtime, ephemeral_owner] = times;
                        let stat = NodeStat {
                            czxid,
                            mzxid,
                            pzxid,
                            ctime,
                            mtime,
                            ephemeral_owner,
                            version: field(&mut items)?,
                            cversion: field(&mut items)?,
                            aversion: field(&mut items)?,
                        };
                        state.restore_znode(&path, data.as_deref(), acl, stat)?;
                        znodes += 1;
                    }
                    END => {
                        let (count, acl_count) =
                            (field::<i64>(&mut items)?, field::<i32>(&mut items)?);
                        if count != znodes || usize::try_from(acl_count).ok() != Some(acls.len()) {
                            return Err(format!(
                                "{znodes} znodes and {} ACL lists read, {count} and {acl_count} written",
                                acls.len()
                            ));
                        }
                        if !items.is_empty() {
                            return Err("bytes after the end".to_owned());
                        }
                        return Ok(true);
                    }
                    other => return Err(format!("an item of unknown kind {other}")),
                }
            }
            Ok(false)
        })()
        .map_err(|reason| corrupt(offset, reason))?;
        if ended {
            break;
        }
    }
    match frames.next_frame().map_err(Error::storage(path))? {
        Next::End => Ok(state),
        Next::Frame { offset, .. } => Err(corrupt(offset, "a frame after the end".to_owned())),
        Next::Bad(bad) => Err(corrupt(bad.offset, bad.reason)),
    }
}
