//! Read pacing: while many requests are in flight, replies are read in
//! batches rather than a few at a time, unless the server is slower than
//! the pause.
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
//! # A server slower than the pause
//!
//! The pause pays while replies stream in. When the server answers in
//! bursts further apart than the pause (a transaction log on a slow disk,
//! writes grouped into one fsync), a pause cannot gather more than the end
//! of one burst: it only holds those replies back, and the requests that
//! would replace them miss the server's next batch. A pause that ends with
//! nothing to read shows it (a peek when it ends; a client that was slow
//! itself finds replies waiting). Reads are then not paced for [`HOLD`]
//! ([`Cadence`]); if the server is still slower than the pause as soon as
//! pacing resumes, for twice as long each time, up to [`MAX_HOLD`].
//!
//! A reply waits at most one pause longer (the runtime's timer has
//! millisecond ticks, so 1 to 2 ms), only while many requests are queued
//! before it at the server, and only while the server keeps up. Linux only:
//! the end of a pause relies on Linux reporting the waiting bytes when the
//! mark is lowered; elsewhere reads are not paced.

use std::io;
use std::pin::Pin;
use std::task::Context;
use std::time::{Duration, Instant};

use tokio::time::Sleep;
use tracing::debug;

use crate::transport::Transport;

/// Requests in flight from which reads are paced.
const DEPTH: usize = 64;
/// The longest a paced read waits for more replies (the runtime's timer
/// rounds it up to the next millisecond tick: 1 to 2 ms).
const PAUSE: Duration = Duration::from_millis(1);
/// How long reads are not paced once a pause ended with nothing to read
/// (short: a server that stalls once, for a garbage collection, should not
/// cost the pacing for long).
const HOLD: Duration = Duration::from_millis(20);
/// The longest hold, when the server stays slower than the pause.
const MAX_HOLD: Duration = Duration::from_millis(1280);
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
    /// Whether the server keeps up with the pause.
    cadence: Cadence,
}

impl ReadPacing {
    pub(crate) fn new() -> Self {
        Self {
            pause: Box::pin(tokio::time::sleep(Duration::ZERO)),
            paused: false,
            mark: 1,
            reply_size: 0,
            cadence: Cadence::default(),
        }
    }

    /// A new connection: its mark is the default, nothing is paused, and
    /// the server's cadence is not known yet.
    pub(crate) fn reset(&mut self) {
        self.paused = false;
        self.mark = 1;
        self.cadence = Cadence::default();
    }

    /// Before a read: once the pause is over, lowers the mark, which makes
    /// the kernel report the bytes waiting (if any) as readable. A pause
    /// that ends with nothing to read tells that the server is slower than
    /// the pause.
    pub(crate) fn poll_pause(
        &mut self,
        cx: &mut Context<'_>,
        transport: &Transport,
    ) -> io::Result<()> {
        if self.paused && self.pause.as_mut().poll(cx).is_ready() {
            self.paused = false;
            self.set_mark(transport, 1)?;
            if !bytes_waiting(transport) {
                self.cadence.pause_ended_empty(self.pause.deadline().into_std());
            }
        }
        Ok(())
    }

    /// After a read at `now` of `bytes` holding `replies` replies, with
    /// `in_flight` requests still unanswered: paces the next read if they
    /// are many and the server keeps up, and stops pacing otherwise.
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
        let pace = self.cadence.read(now, deep);
        let mark = if pace {
            self.pause.as_mut().reset((now + PAUSE).into());
            low_water(self.reply_size.saturating_mul(in_flight) / 2)
        } else {
            1
        };
        self.paused = pace;
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

/// Whether the server answers faster than the pause: the decision to pace,
/// from the times of reads and of pauses that ended with nothing to read.
#[derive(Debug)]
struct Cadence {
    /// Until when reads are not paced.
    unpaced_until: Option<Instant>,
    /// When pacing last resumed after a hold.
    resumed: Option<Instant>,
    /// The length of the last hold.
    hold: Duration,
}

impl Default for Cadence {
    fn default() -> Self {
        Self { unpaced_until: None, resumed: None, hold: HOLD }
    }
}

impl Cadence {
    /// A read at `now`, after which many requests are in flight (`deep`) or
    /// not. Returns whether to pace the next read.
    fn read(&mut self, now: Instant, deep: bool) -> bool {
        if let Some(until) = self.unpaced_until {
            if now < until {
                return false;
            }
            self.unpaced_until = None;
            self.resumed = Some(now);
            debug!("read pacing resumes");
        }
        deep
    }

    /// A pause that ended at `at` with nothing to read: the server is
    /// slower than the pause. Stops pacing for a hold: twice the last one if
    /// pacing resumed less than [`HOLD`] ago, else [`HOLD`].
    fn pause_ended_empty(&mut self, at: Instant) {
        let again =
            self.resumed.is_some_and(|resumed| at.saturating_duration_since(resumed) < HOLD);
        self.hold = if again { (self.hold * 2).min(MAX_HOLD) } else { HOLD };
        self.unpaced_until = Some(at + self.hold);
        debug!(hold = ?self.hold, "read pacing stops: the server is slower than the pause");
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

/// Whether the connection has bytes to read (or an end or error to
/// report): a peek that does not wait. Only "nothing yet" is false.
#[cfg(target_os = "linux")]
fn bytes_waiting(transport: &Transport) -> bool {
    use nix::sys::socket::{MsgFlags, recv};
    use std::os::fd::AsRawFd;
    let flags = MsgFlags::MSG_PEEK | MsgFlags::MSG_DONTWAIT;
    !matches!(recv(transport.tcp().as_raw_fd(), &mut [0], flags), Err(nix::errno::Errno::EAGAIN))
}

#[cfg(not(target_os = "linux"))]
fn bytes_waiting(_transport: &Transport) -> bool {
    true
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

    const TICK: Duration = Duration::from_micros(100);

    #[test]
    fn deep_reads_are_paced_while_replies_stream_in() {
        let mut cadence = Cadence::default();
        let start = Instant::now();
        assert!(!cadence.read(start, false), "few requests in flight");
        for i in 1..1000 {
            assert!(cadence.read(start + i * TICK, true), "read {i}");
        }
    }

    /// Reads a burst of `n` at `at`; returns how many were paced.
    fn burst(cadence: &mut Cadence, at: Instant, n: u32) -> usize {
        (0..n).filter(|&i| cadence.read(at + i * TICK, true)).count()
    }

    #[test]
    fn a_pause_that_ends_with_nothing_to_read_stops_pacing_for_the_hold() {
        let mut cadence = Cadence::default();
        let start = Instant::now();
        assert!(cadence.read(start, true));
        cadence.pause_ended_empty(start + PAUSE);
        // The next bursts, read as they come.
        assert_eq!(burst(&mut cadence, start + 5 * PAUSE, 10), 0);
        assert_eq!(burst(&mut cadence, start + HOLD, 10), 0);
        // Paced again after the hold.
        assert_eq!(burst(&mut cadence, start + PAUSE + HOLD, 10), 10);
    }

    #[test]
    fn a_server_still_slower_than_the_pause_doubles_the_hold_up_to_the_most() {
        let mut cadence = Cadence::default();
        let mut now = Instant::now();
        let mut holds = Vec::new();
        for _ in 0..10 {
            // A pause ends empty right after pacing resumes.
            assert!(cadence.read(now, true), "paced when the hold is over");
            cadence.pause_ended_empty(now + PAUSE);
            holds.push(cadence.hold);
            let until = now + PAUSE + cadence.hold;
            assert!(!cadence.read(until - TICK, true), "not paced during the hold");
            now = until;
        }
        let doubling: Vec<Duration> = (0..10).map(|i| (HOLD * 2u32.pow(i)).min(MAX_HOLD)).collect();
        assert_eq!(holds, doubling);
        assert_eq!(holds[8..], [MAX_HOLD, MAX_HOLD]);
        // Once pacing lasted a hold without an empty pause, the hold is short again.
        assert!(cadence.read(now, true));
        cadence.pause_ended_empty(now + HOLD + PAUSE);
        assert_eq!(cadence.hold, HOLD);
    }

    #[test]
    fn few_requests_in_flight_are_never_paced() {
        let mut cadence = Cadence::default();
        let start = Instant::now();
        for i in 0..10 {
            assert!(!cadence.read(start + i * 10 * PAUSE, false));
        }
        assert!(cadence.read(start + 100 * PAUSE, true));
    }
}
