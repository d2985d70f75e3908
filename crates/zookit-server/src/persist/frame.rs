//! Frames, the checked unit of the log and snapshot files: a 12-byte
//! header (the payload's length, a CRC-32 of that length, a CRC-32 of the
//! payload; big-endian) and the payload. Reading tells a clean end (the end
//! of the file, or nothing but zeros) from a frame the last write left
//! incomplete and from corruption.

use std::fs::File;
use std::io::{self, BufReader, Read};

use bytes::Bytes;

/// The length of a frame's header.
pub(crate) const HEADER_LEN: usize = 12;

/// Starts a frame at the end of `buf`; the payload is appended next, and
/// [`finish`] seals it. Returns where the frame starts.
pub(crate) fn begin(buf: &mut Vec<u8>) -> usize {
    let start = buf.len();
    buf.extend_from_slice(&[0; HEADER_LEN]);
    start
}

/// Seals the frame begun at `start`: everything after its header is its
/// payload.
pub(crate) fn finish(buf: &mut [u8], start: usize) {
    let (header, payload) = buf[start..].split_at_mut(HEADER_LEN);
    // Payloads come from frames the server builds, far below 4 GiB: a
    // batch of requests each under jute.maxbuffer, or a snapshot chunk.
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX).to_be_bytes();
    header[..4].copy_from_slice(&len);
    header[4..8].copy_from_slice(&crc32fast::hash(&len).to_be_bytes());
    header[8..].copy_from_slice(&crc32fast::hash(payload).to_be_bytes());
}

/// A frame that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bad {
    /// Where the frame starts in the file.
    pub(crate) offset: u64,
    pub(crate) reason: String,
    /// Whether this could be the last write, cut short by a crash: the
    /// frame is incomplete, or fails its check with nothing but zeros
    /// after it.
    pub(crate) torn: bool,
}

/// What comes next in a file.
#[derive(Debug)]
pub(crate) enum Next {
    Frame {
        offset: u64,
        payload: Bytes,
    },
    /// The end of the file, or zeros to the end.
    End,
    Bad(Bad),
}

/// Reads the frames of a file, from its current position on.
pub(crate) struct Frames {
    reader: BufReader<File>,
    pos: u64,
    len: u64,
}

impl Frames {
    /// Reads `file`, `len` bytes long, from `pos` on (where it stands).
    pub(crate) fn new(file: File, pos: u64, len: u64) -> Self {
        Self { reader: BufReader::with_capacity(64 * 1024, file), pos, len }
    }

    /// The position after the last frame read.
    pub(crate) fn position(&self) -> u64 {
        self.pos
    }

    /// Reads exactly `buf.len()` bytes.
    pub(crate) fn read_exact(&mut self, buf: &mut [u8]) -> io::Result<()> {
        self.reader.read_exact(buf)?;
        self.pos += buf.len() as u64;
        Ok(())
    }

    /// Whether every byte from here to the end of the file is zero.
    fn rest_is_zero(&mut self) -> io::Result<bool> {
        let mut chunk = [0_u8; 8192];
        loop {
            let n = self.reader.read(&mut chunk)?;
            if n == 0 {
                return Ok(true);
            }
            self.pos += n as u64;
            if chunk[..n].iter().any(|&b| b != 0) {
                return Ok(false);
            }
        }
    }

    /// The next frame.
    pub(crate) fn next_frame(&mut self) -> io::Result<Next> {
        let offset = self.pos;
        let remaining = self.len.saturating_sub(offset);
        if remaining == 0 {
            return Ok(Next::End);
        }
        let bad = |reason: String, torn: bool| Ok(Next::Bad(Bad { offset, reason, torn }));
        if remaining < HEADER_LEN as u64 {
            if self.rest_is_zero()? {
                return Ok(Next::End);
            }
            return bad(format!("a frame header cut short ({remaining} bytes)"), true);
        }
        let mut header = [0_u8; HEADER_LEN];
        self.read_exact(&mut header)?;
        if header == [0; HEADER_LEN] && self.rest_is_zero()? {
            return Ok(Next::End);
        }
        let len_bytes = [header[0], header[1], header[2], header[3]];
        let check = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
        let crc = u32::from_be_bytes([header[8], header[9], header[10], header[11]]);
        if crc32fast::hash(&len_bytes) != check {
            let torn = self.rest_is_zero()?;
            return bad("a frame header that fails its check".to_owned(), torn);
        }
        let len = u32::from_be_bytes(len_bytes);
        if u64::from(len) > remaining - HEADER_LEN as u64 {
            return bad(format!("a frame of {len} bytes runs past the end of the file"), true);
        }
        let mut payload = vec![0; len as usize];
        self.read_exact(&mut payload)?;
        if crc32fast::hash(&payload) != crc {
            let torn = self.rest_is_zero()?;
            return bad("a frame whose checksum fails".to_owned(), torn);
        }
        Ok(Next::Frame { offset, payload: payload.into() })
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Seek, Write};

    use super::*;

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut buf = Vec::new();
        let start = begin(&mut buf);
        buf.extend_from_slice(payload);
        finish(&mut buf, start);
        buf
    }

    fn read_all(bytes: &[u8]) -> Vec<Result<(u64, Vec<u8>), Bad>> {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file.rewind().unwrap();
        let mut frames = Frames::new(file, 0, bytes.len() as u64);
        let mut out = Vec::new();
        loop {
            match frames.next_frame().unwrap() {
                Next::Frame { offset, payload } => out.push(Ok((offset, payload.to_vec()))),
                Next::End => return out,
                Next::Bad(bad) => {
                    out.push(Err(bad));
                    return out;
                }
            }
        }
    }

    #[test]
    fn frames_read_back_and_zeros_end_the_file() {
        let mut bytes = frame(b"first");
        bytes.extend(frame(b""));
        bytes.extend(frame(b"third"));
        let frames = read_all(&bytes);
        assert_eq!(
            frames,
            [Ok((0, b"first".to_vec())), Ok((17, Vec::new())), Ok((29, b"third".to_vec()))]
        );
        bytes.extend([0; 100]);
        assert_eq!(read_all(&bytes).len(), 3, "zero padding is a clean end");
        bytes.truncate(bytes.len() - 95);
        assert_eq!(read_all(&bytes).len(), 3, "a few zeros too");
    }

    #[test]
    fn a_cut_frame_is_torn() {
        let mut bytes = frame(b"kept");
        let second = frame(b"cut short");
        for cut in 1..second.len() {
            let mut torn = bytes.clone();
            torn.extend_from_slice(&second[..cut]);
            let frames = read_all(&torn);
            assert_eq!(frames[0], Ok((0, b"kept".to_vec())), "cut at {cut}");
            if second[..cut].iter().all(|&b| b == 0) {
                // Only zeros are left of it: padding, a clean end.
                assert_eq!(frames.len(), 1, "cut at {cut}");
                continue;
            }
            let Err(bad) = &frames[1] else { panic!("cut at {cut}: {frames:?}") };
            assert!(bad.torn && bad.offset == 16, "cut at {cut}: {bad:?}");
        }
        // Cut, then zeros where the rest was (a file size written before
        // its data).
        bytes.extend_from_slice(&second[..15]);
        bytes.extend([0; 6]);
        let Err(bad) = &read_all(&bytes)[1] else { panic!() };
        assert!(bad.torn, "{bad:?}");
    }

    #[test]
    fn a_bad_frame_with_data_after_it_is_corruption() {
        let mut bytes = frame(b"one");
        bytes.extend(frame(b"two"));
        bytes.extend(frame(b"three"));
        for (at, what) in [(HEADER_LEN + 1, "payload"), (16, "length"), (20, "length check")] {
            let mut bad = bytes.clone();
            bad[at] ^= 0x40;
            let frames = read_all(&bad);
            let Some(Err(bad)) = frames.last() else { panic!("{what}: {frames:?}") };
            assert!(!bad.torn, "{what}: {bad:?}");
            assert_eq!(bad.offset, if at < 15 { 0 } else { 15 }, "{what}");
        }
        // The same damage in the last frame, with nothing after it, is
        // taken for a torn write.
        let mut last = bytes.clone();
        let end = last.len() - 1;
        last[end] ^= 1;
        let Some(Err(bad)) = read_all(&last).pop() else { panic!() };
        assert!(bad.torn && bad.offset == 30, "{bad:?}");
    }
}
