//! Log files: `log.<zxid>` (the first zxid it may hold, 16 hex digits),
//! the magic `zookitL\x01`, a header frame (that zxid and the server's
//! secret), then one frame per commit. Appended to, never rewritten but to
//! cut off a torn last frame when recovering.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::{Buf, BufMut};

use super::frame::{self, Frames, Next};
use super::{Fsync, sync_dir};
use crate::error::Error;

/// The first bytes of a log file.
pub(crate) const MAGIC: &[u8; 8] = b"zookitL\x01";

/// The name of the log whose first zxid is `zxid`.
pub(crate) fn name(zxid: i64) -> String {
    format!("log.{zxid:016x}")
}

/// The zxid in a file name such as `log.00000000000000a1` (`prefix` is
/// `"log."`), if it is one.
pub(crate) fn zxid_of(file_name: &str, prefix: &str) -> Option<i64> {
    let hex = file_name.strip_prefix(prefix)?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok().map(|z| z as i64)
}

/// What a log's header says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) first_zxid: i64,
    pub(crate) secret: i64,
}

/// The log being written.
#[derive(Debug)]
pub(crate) struct LogWriter {
    file: File,
    path: PathBuf,
}

impl LogWriter {
    /// Creates the log starting at `header.first_zxid` in `dir`. With
    /// `Fsync::Always` its directory entry is durable when this returns;
    /// its header is with the first [`append`](Self::append).
    pub(crate) fn create(dir: &Path, header: Header, fsync: Fsync) -> Result<Self, Error> {
        let path = dir.join(name(header.first_zxid));
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(Error::storage(&path))?;
        let mut buf = MAGIC.to_vec();
        let start = frame::begin(&mut buf);
        buf.put_i64(header.first_zxid);
        buf.put_i64(header.secret);
        frame::finish(&mut buf, start);
        file.write_all(&buf).map_err(Error::storage(&path))?;
        if fsync == Fsync::Always {
            sync_dir(dir)?;
        }
        Ok(Self { file, path })
    }

    /// Appends sealed frames and, with `Fsync::Always`, waits until they
    /// are on disk (one `fdatasync`, counted in `syncs`).
    pub(crate) fn append(
        &mut self,
        frames: &[u8],
        fsync: Fsync,
        syncs: &AtomicU64,
    ) -> Result<(), Error> {
        self.file.write_all(frames).map_err(Error::storage(&self.path))?;
        if fsync == Fsync::Always {
            self.file.sync_data().map_err(Error::storage(&self.path))?;
            syncs.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// Opens a log to read it: its header, and its frames after. `None` if it
/// is the last log (`last`) and a crash cut it short before its header was
/// whole: nothing in it was acknowledged.
pub(crate) fn open(path: &Path, last: bool) -> Result<Option<(Header, Frames)>, Error> {
    let file = File::open(path).map_err(Error::storage(path))?;
    let len = file.metadata().map_err(Error::storage(path))?.len();
    let mut frames = Frames::new(file, 0, len);
    let corrupt = |offset, reason: &str| Error::corrupt(path, offset, reason);
    let mut magic = [0_u8; 8];
    let have = usize::try_from(len).unwrap_or(8).min(8);
    frames.read_exact(&mut magic[..have]).map_err(Error::storage(path))?;
    if magic[..have] != MAGIC[..have] {
        return Err(corrupt(0, "not a zookit log file"));
    }
    if have < 8 {
        return if last { Ok(None) } else { Err(corrupt(0, "a log without its header")) };
    }
    let header = match frames.next_frame().map_err(Error::storage(path))? {
        Next::Frame { mut payload, offset } => {
            if payload.len() != 16 {
                return Err(corrupt(offset, "a log header of the wrong length"));
            }
            Header { first_zxid: payload.get_i64(), secret: payload.get_i64() }
        }
        Next::Bad(bad) if last && bad.torn => return Ok(None),
        Next::End if last => return Ok(None),
        Next::Bad(bad) => return Err(corrupt(bad.offset, &bad.reason)),
        Next::End => return Err(corrupt(8, "a log without its header")),
    };
    Ok(Some((header, frames)))
}
