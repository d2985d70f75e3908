//! Read pacing: while many requests are in flight, replies are read in
//! batches rather than a few at a time.
//!
//! The server answers a session's requests in order and sends the answers
//! as it finishes them, a few per TCP segment; every segment would wake the
//! client's thread for one short read. While at least [`DEPTH`] requests
//! are in flight, the driver raises the socket's receive low-water mark
//! (`SO_RCVLOWAT`), so that the kernel wakes it only once about half of
//! what is in flight has been answered (by the replies' average size so
//! far, and at most [`MAX_LOW_WATER`] bytes), or when a [`PAUSE`] has
//! passed and the mark is lowered again (Linux then reports the waiting
//! bytes at once). One read then takes tens of replies: fewer system calls
//! and wake-ups for the client, and for the server, which reads the next
//! requests in bigger batches too. The other half keeps the server busy
//! meanwhile.
//!
//! A reply waits at most the pause longer, and only while many requests
//! are queued before it at the server. Linux only: the end of a pause
//! relies on Linux reporting the waiting bytes when the mark is lowered;
//! elsewhere reads are not paced.

use std::io;
use std::pin::Pin;
use std::task::Context;
use std::time::{Duration, Instant};

use tokio::time::Sleep;

use crate::transport::Transport;

/// Requests in flight from which reads are paced.
const DEPTH: usize = 64;
/// The longest a read waits for more replies while paced.
const PAUSE: Duration = Duration::from_millis(1);
/// The highest low-water mark. Linux clamps the TCP window to a mark above
/// about half the receive buffer (128 KiB at first); this stays well below.
const MAX_LOW_WATER: usize = 16 * 1024;

/// The pacing of one driver's reads.
pub(crate) struct ReadPacing {
    /// Ends the current pause.
    pause: Pin<Box<Sleep>>,
    /// Whether a pause is running.
    paused: bool,
    /// The connection's low-water mark, in bytes.
    mark: usize,
    /// The replies' average size so far, in bytes.
    reply_size: usize,
}

impl ReadPacing {
    pub(crate) fn new() -> Self {
        Self {
            pause: Box::pin(tokio::time::sleep(Duration::ZERO)),
            paused: false,
            mark: 1,
            reply_size: 0,
        }
    }

    /// A new connection: its mark is the default, and nothing is paused.
    pub(crate) fn reset(&mut self) {
        self.paused = false;
        self.mark = 1;
    }

    /// Before a read: once the pause is over, lowers the mark, which makes
    /// the kernel report the bytes waiting (if any) as readable.
    pub(crate) fn poll_pause(
        &mut self,
        cx: &mut Context<'_>,
        transport: &Transport,
    ) -> io::Result<()> {
        if self.paused && self.pause.as_mut().poll(cx).is_ready() {
            self.paused = false;
            self.set_mark(transport, 1)?;
        }
        Ok(())
    }

    /// After a read at `now` of `bytes` holding `replies` replies, with
    /// `in_flight` requests still unanswered: paces the next read if they
    /// are many, and stops pacing otherwise.
    pub(crate) fn after_read(
        &mut self,
        now: Instant,
        bytes: usize,
        replies: usize,
        in_flight: usize,
        transport: &Transport,
    ) -> io::Result<()> {
        if let Some(size) = bytes.checked_div(replies) {
            self.reply_size =
                if self.reply_size == 0 { size } else { (3 * self.reply_size + size) / 4 };
        }
        let deep = cfg!(target_os = "linux") && in_flight >= DEPTH;
        let mark = if deep {
            self.pause.as_mut().reset((now + PAUSE).into());
            low_water(self.reply_size.saturating_mul(in_flight) / 2)
        } else {
            1
        };
        self.paused = deep;
        self.set_mark(transport, mark)
    }

    fn set_mark(&mut self, transport: &Transport, mark: usize) -> io::Result<()> {
        if self.mark != mark {
            set_low_water(transport, mark)?;
            self.mark = mark;
        }
        Ok(())
    }
}

/// The mark for `bytes` expected: rounded down to a power of two, so that it
/// changes (a system call) only when the expectation moves a lot; at most
/// [`MAX_LOW_WATER`].
fn low_water(bytes: usize) -> usize {
    let mark = bytes.clamp(1, MAX_LOW_WATER);
    1 << mark.ilog2()
}

#[cfg(target_os = "linux")]
use nix::{libc, setsockopt_impl, sockopt_impl};

#[cfg(target_os = "linux")]
sockopt_impl!(
    /// `SO_RCVLOWAT`: the bytes waiting from which a socket reads as ready.
    RecvLowWater,
    SetOnly,
    libc::SOL_SOCKET,
    libc::SO_RCVLOWAT,
    usize
);

#[cfg(target_os = "linux")]
fn set_low_water(transport: &Transport, bytes: usize) -> io::Result<()> {
    nix::sys::socket::setsockopt(transport.tcp(), RecvLowWater, &bytes).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn set_low_water(_transport: &Transport, _bytes: usize) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_is_a_power_of_two_between_one_byte_and_the_maximum() {
        assert_eq!(low_water(0), 1);
        assert_eq!(low_water(1), 1);
        assert_eq!(low_water(3000), 2048);
        assert_eq!(low_water(4096), 4096);
        assert_eq!(low_water(1 << 30), MAX_LOW_WATER);
    }
}
