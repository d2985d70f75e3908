//! A window of requests in flight, sent in order and answered in order.
//!
//! The cache issues many reads at once (the initial load of a large tree
//! would take one round trip per node otherwise) but must apply their
//! answers in the order it sent them: on one session the server answers in
//! that order, each answer from a state at least as recent as the one
//! before, so applying them in order never moves a node back in time.
//!
//! The client sends a request on the first poll of its future, so a future
//! is polled once as it enters the window: requests go out in the order
//! they were pushed, up to `window` at a time. Only the oldest is then
//! polled with the task's waker; the others complete on their own.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A request's future.
pub(super) type Request<R> = Pin<Box<dyn Future<Output = R> + Send>>;

enum Slot<R> {
    Sent(Request<R>),
    Answered(R),
}

/// Requests tagged with a `T`, answered with an `R`, in push order.
pub(super) struct Pipeline<T, R> {
    window: usize,
    waiting: VecDeque<(T, Request<R>)>,
    in_flight: VecDeque<(T, Slot<R>)>,
}

impl<T, R> Pipeline<T, R> {
    /// An empty pipeline keeping at most `window` requests in flight.
    pub(super) fn new(window: usize) -> Self {
        Self { window: window.max(1), waiting: VecDeque::new(), in_flight: VecDeque::new() }
    }

    /// Queues `request`; it is sent once the requests before it leave room.
    pub(super) fn push(&mut self, tag: T, request: Request<R>) {
        self.waiting.push_back((tag, request));
        self.fill();
    }

    /// Whether nothing is waiting or in flight.
    pub(super) fn is_empty(&self) -> bool {
        self.in_flight.is_empty()
    }

    fn fill(&mut self) {
        while self.in_flight.len() < self.window {
            let Some((tag, mut request)) = self.waiting.pop_front() else { return };
            // Sends it now; the answer is picked up in `poll_next`.
            let slot = match request.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
                Poll::Ready(answer) => Slot::Answered(answer),
                Poll::Pending => Slot::Sent(request),
            };
            self.in_flight.push_back((tag, slot));
        }
    }

    /// The oldest request's tag and answer, once it is answered. Pending
    /// while the pipeline is empty.
    pub(super) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<(T, R)> {
        let Some((_, slot)) = self.in_flight.front_mut() else { return Poll::Pending };
        if let Slot::Sent(request) = slot {
            match request.as_mut().poll(cx) {
                Poll::Ready(answer) => *slot = Slot::Answered(answer),
                Poll::Pending => return Poll::Pending,
            }
        }
        let Some((tag, Slot::Answered(answer))) = self.in_flight.pop_front() else {
            unreachable!("the front slot was just answered")
        };
        self.fill();
        Poll::Ready((tag, answer))
    }

    /// The oldest request's tag and answer; waits forever while empty.
    pub(super) async fn next(&mut self) -> (T, R) {
        std::future::poll_fn(|cx| self.poll_next(cx)).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tokio::sync::oneshot;

    use super::*;

    /// A request that records when it is sent and answers when told.
    fn request(sent: &Arc<Mutex<Vec<u32>>>, id: u32) -> (Request<u32>, oneshot::Sender<u32>) {
        let (answer, receiver) = oneshot::channel();
        let sent = Arc::clone(sent);
        let future = async move {
            sent.lock().unwrap().push(id);
            receiver.await.unwrap_or(0)
        };
        (Box::pin(future), answer)
    }

    #[tokio::test]
    async fn requests_are_sent_in_order_within_the_window_and_answered_in_order() {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let mut pipeline = Pipeline::new(2);
        let mut answers = Vec::new();
        for id in 1..=4 {
            let (request, answer) = request(&sent, id);
            pipeline.push(id, request);
            answers.push(answer);
        }
        assert_eq!(*sent.lock().unwrap(), [1, 2], "two in flight, in order");
        assert_eq!((pipeline.in_flight.len(), pipeline.waiting.len()), (2, 2));

        // Answered out of order, taken in order.
        let mut answers = answers.into_iter();
        let (a1, a2, a3, a4) = (
            answers.next().unwrap(),
            answers.next().unwrap(),
            answers.next().unwrap(),
            answers.next().unwrap(),
        );
        a2.send(20).unwrap();
        assert!(
            futures_util::FutureExt::now_or_never(pipeline.next()).is_none(),
            "the first is not answered yet"
        );
        a1.send(10).unwrap();
        assert_eq!(pipeline.next().await, (1, 10));
        assert_eq!(*sent.lock().unwrap(), [1, 2, 3], "the freed room sent the third");
        assert_eq!(pipeline.next().await, (2, 20));
        assert_eq!(*sent.lock().unwrap(), [1, 2, 3, 4]);
        a4.send(40).unwrap();
        a3.send(30).unwrap();
        assert_eq!(pipeline.next().await, (3, 30));
        assert_eq!(pipeline.next().await, (4, 40));
        assert!(pipeline.is_empty());
    }

    #[tokio::test]
    async fn a_request_answered_at_once_keeps_its_place() {
        let mut pipeline: Pipeline<u32, u32> = Pipeline::new(8);
        let (slow, answer) = request(&Arc::new(Mutex::new(Vec::new())), 1);
        pipeline.push(1, slow);
        pipeline.push(2, Box::pin(async { 2 }));
        answer.send(1).unwrap();
        assert_eq!(pipeline.next().await, (1, 1));
        assert_eq!(pipeline.next().await, (2, 2));
    }
}
