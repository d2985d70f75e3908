//! Frames: every message travels as a 4-byte big-endian length and that many
//! bytes.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::{DecodeError, Encode};

/// The default largest frame accepted: the server's default `jute.maxbuffer`
/// (0xfffff bytes) plus the 1 KiB of headroom the server itself allows for
/// headers around the payload.
pub const DEFAULT_MAX_FRAME_LEN: usize = 0xfffff + 1024;

/// Splits whole frames off the front of a buffer that receives bytes as they
/// arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameDecoder {
    max_frame_len: usize,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_FRAME_LEN)
    }
}

impl FrameDecoder {
    /// A decoder that refuses frames longer than `max_frame_len` bytes
    /// (the length prefix not counted).
    pub const fn new(max_frame_len: usize) -> Self {
        Self { max_frame_len }
    }

    /// The largest frame this decoder accepts.
    pub const fn max_frame_len(&self) -> usize {
        self.max_frame_len
    }

    /// Takes the next whole frame, without its length prefix, off the front
    /// of `buf`; `Ok(None)` when `buf` does not hold a whole frame yet.
    ///
    /// When a frame is incomplete, `buf` is grown to hold it so the next
    /// read can fill it. A length over the maximum, or negative, is an error
    /// and nothing is allocated for it; the stream cannot be resynchronised
    /// after that.
    pub fn decode(&self, buf: &mut BytesMut) -> Result<Option<Bytes>, DecodeError> {
        let Some(prefix) = buf.get(..4) else {
            return Ok(None);
        };
        let len = i32::from_be_bytes([prefix[0], prefix[1], prefix[2], prefix[3]]);
        let len = usize::try_from(len).map_err(|_| DecodeError::NegativeFrameLength(len))?;
        if len > self.max_frame_len {
            return Err(DecodeError::FrameTooLarge { len, max: self.max_frame_len });
        }
        if buf.len() < 4 + len {
            buf.reserve(4 + len - buf.len());
            return Ok(None);
        }
        buf.advance(4);
        Ok(Some(buf.split_to(len).freeze()))
    }
}

/// Appends `record` to `buf` as one frame: its length, then its encoding.
///
/// A record is usually a header and a body together, `(header, body)`.
pub fn encode_frame(buf: &mut BytesMut, record: &impl Encode) {
    let len = record.encoded_len();
    buf.reserve(4 + len);
    buf.put_i32(i32::try_from(len).unwrap_or(i32::MAX));
    let start = buf.len();
    record.encode(buf);
    debug_assert_eq!(buf.len() - start, len, "encoded_len disagrees with encode");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_come_out_whole_whatever_the_chunking() {
        let mut wire = BytesMut::new();
        encode_frame(&mut wire, &7_i32);
        encode_frame(&mut wire, &String::from("zookeeper"));
        let wire = wire.freeze();

        for chunk in 1..wire.len() {
            let decoder = FrameDecoder::default();
            let mut buf = BytesMut::new();
            let mut frames = Vec::new();
            for piece in wire.chunks(chunk) {
                buf.extend_from_slice(piece);
                while let Some(frame) = decoder.decode(&mut buf).unwrap() {
                    frames.push(frame);
                }
            }
            assert_eq!(frames, [&[0, 0, 0, 7][..], b"\0\0\0\x09zookeeper"]);
            assert!(buf.is_empty());
        }
    }

    #[test]
    fn oversized_and_negative_frames_are_refused() {
        let decoder = FrameDecoder::new(10);
        let mut buf = BytesMut::from(&[0, 0, 0, 11][..]);
        assert_eq!(decoder.decode(&mut buf), Err(DecodeError::FrameTooLarge { len: 11, max: 10 }));
        assert!(buf.capacity() < 64, "nothing is reserved for a refused frame");

        let mut buf = BytesMut::from(&[0xff, 0xff, 0xff, 0xfe][..]);
        assert_eq!(decoder.decode(&mut buf), Err(DecodeError::NegativeFrameLength(-2)));
    }

    #[test]
    fn the_default_maximum_admits_a_full_size_znode() {
        let mut buf = BytesMut::new();
        buf.put_i32(0xfffff + 100);
        buf.resize(4 + 0xfffff + 100, 0);
        assert!(FrameDecoder::default().decode(&mut buf).unwrap().is_some());
    }
}
