//! A connection's outgoing bytes: the state task appends whole batches of
//! frames, the connection's writer takes everything queued in one go and
//! writes it with one call (coalesced writes). Unsent frames are counted;
//! past the limit the connection is dropped rather than buffered without
//! bound.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::BytesMut;
use tokio::sync::Notify;

/// How much a connection may have queued and unsent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct UnsentLimit {
    pub(crate) frames: usize,
    pub(crate) bytes: usize,
}

#[derive(Debug, Default)]
struct Queue {
    buf: BytesMut,
    frames: usize,
    /// No more frames come: the writer flushes and ends.
    closing: bool,
}

/// The queue between the state task and a connection's writer.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    queue: Mutex<Queue>,
    /// Wakes the writer.
    ready: Notify,
    /// Set when the connection must end now (overflow, peer gone,
    /// shutdown); wakes both halves.
    stopped: AtomicBool,
    stop: Notify,
}

/// The queue was over its limit: the connection was stopped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Overflow;

impl Outbox {
    /// Appends `frames` frames of `bytes`, and marks the queue closing if
    /// `close`. Fails, stopping the connection, if the unsent frames or
    /// bytes pass `limit`.
    pub(crate) fn push(
        &self,
        bytes: BytesMut,
        frames: usize,
        close: bool,
        limit: UnsentLimit,
    ) -> Result<(), Overflow> {
        if self.is_stopped() {
            return Ok(());
        }
        let overflow = {
            let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
            if queue.buf.is_empty() {
                queue.buf = bytes;
            } else {
                queue.buf.extend_from_slice(&bytes);
            }
            queue.frames += frames;
            queue.closing |= close;
            let over = queue.frames > limit.frames || queue.buf.len() > limit.bytes;
            if over {
                queue.buf = BytesMut::new();
            }
            over
        };
        if overflow {
            self.stop();
            return Err(Overflow);
        }
        self.ready.notify_one();
        Ok(())
    }

    /// Ends the connection now, unsent bytes or not.
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.stop.notify_waiters();
        self.ready.notify_one();
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Resolves once [`stop`](Self::stop) was called.
    pub(crate) async fn stopped(&self) {
        loop {
            let notified = self.stop.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_stopped() {
                return;
            }
            notified.await;
        }
    }

    /// Takes everything queued, waiting for something; `None` once the
    /// connection is stopped, or closing with nothing left to write.
    pub(crate) async fn take(&self) -> Option<BytesMut> {
        loop {
            if self.is_stopped() {
                return None;
            }
            {
                let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                if !queue.buf.is_empty() {
                    queue.frames = 0;
                    return Some(std::mem::take(&mut queue.buf));
                }
                if queue.closing {
                    return None;
                }
            }
            self.ready.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: UnsentLimit = UnsentLimit { frames: 3, bytes: 100 };

    #[tokio::test]
    async fn batches_coalesce_until_taken() {
        let outbox = Outbox::default();
        outbox.push(BytesMut::from(&b"ab"[..]), 1, false, LIMIT).unwrap();
        outbox.push(BytesMut::from(&b"cd"[..]), 2, false, LIMIT).unwrap();
        assert_eq!(&outbox.take().await.unwrap()[..], b"abcd");
        // Taking resets the count.
        outbox.push(BytesMut::from(&b"e"[..]), 3, true, LIMIT).unwrap();
        assert_eq!(&outbox.take().await.unwrap()[..], b"e");
        assert_eq!(outbox.take().await, None, "closing and empty");
    }

    #[tokio::test]
    async fn too_many_unsent_frames_or_bytes_stop_the_connection() {
        let outbox = Outbox::default();
        outbox.push(BytesMut::from(&b"a"[..]), 3, false, LIMIT).unwrap();
        assert_eq!(outbox.push(BytesMut::from(&b"b"[..]), 1, false, LIMIT), Err(Overflow));
        assert!(outbox.is_stopped());
        assert_eq!(outbox.take().await, None);
        outbox.stopped().await;

        let outbox = Outbox::default();
        assert_eq!(outbox.push(BytesMut::from(&[0_u8; 101][..]), 1, false, LIMIT), Err(Overflow));
    }

    #[tokio::test]
    async fn the_writer_wakes_up_for_new_frames() {
        let outbox = std::sync::Arc::new(Outbox::default());
        let writer = tokio::spawn({
            let outbox = outbox.clone();
            async move { outbox.take().await }
        });
        tokio::task::yield_now().await;
        outbox.push(BytesMut::from(&b"x"[..]), 1, false, LIMIT).unwrap();
        assert_eq!(&writer.await.unwrap().unwrap()[..], b"x");
    }
}
