//! The driver: one task that owns the connection and runs the session
//! machine.
//!
//! It is a hand-written future so that one poll can move everything that is
//! ready: every queued command is encoded into one write buffer and goes out
//! in one write; every reply that arrived is decoded from one read.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes};
use tokio::io::AsyncWrite;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Sleep;
use tracing::debug;
use zookit_proto::{Request, Response};

use crate::Result;
use crate::four_letter::four_letter_word;
use crate::hosts::HostPort;
use crate::hub::{Hub, Snapshot, StateChange};
use crate::pacing::ReadPacing;
use crate::session::{Action, Session};
use crate::transport::{self, Transport, TransportError, is_certificate_failure};
use crate::waiters::{Registration, Waiters};

/// What a client asks of its driver.
pub(crate) enum Command {
    /// Send a request.
    Submit {
        request: Request,
        reply: oneshot::Sender<Result<Response>>,
        watch: Option<Registration>,
    },
    /// Add credentials to the session.
    AddAuth { scheme: String, credential: Bytes, reply: oneshot::Sender<Result<()>> },
    /// Start a session (a new one if one ran before).
    Start,
    /// Close the session.
    Stop { done: oneshot::Sender<()> },
    /// Use these servers from the next connection on.
    SetHosts(Vec<HostPort>),
}

/// Most commands taken in one go before the buffered bytes are written.
const COMMAND_BATCH: usize = 1024;
/// Room kept free in the read buffer before each read.
const READ_RESERVE: usize = 64 * 1024;

type Connecting = Pin<Box<dyn Future<Output = Result<Transport, TransportError>> + Send>>;

/// The driver future. It completes when every client handle is gone and the
/// session is closed.
pub(crate) struct Driver {
    session: Session,
    commands: mpsc::UnboundedReceiver<Command>,
    commands_closed: bool,
    dropped_watches: mpsc::UnboundedReceiver<u64>,
    probes: mpsc::UnboundedReceiver<HostPort>,
    probe_sender: mpsc::UnboundedSender<HostPort>,
    transport: Option<Transport>,
    connecting: Option<Connecting>,
    server: Option<String>,
    tls: Option<Arc<rustls::ClientConfig>>,
    timer: Pin<Box<Sleep>>,
    /// Whether the timer is set to a deadline that has not fired yet.
    timer_armed: bool,
    /// Batches replies while many requests are in flight.
    pacing: ReadPacing,
    /// The time of the current pass over everything ready (read once per
    /// pass: a clock read per request costs more than it tells).
    now: Instant,
    hub: Arc<Hub>,
    /// Whoever waits for replies, credentials and watch events.
    waiters: Waiters,
    /// Whoever waits for the session to be closed.
    close_waiters: Vec<oneshot::Sender<()>>,
}

impl Driver {
    pub(crate) fn new(
        session: Session,
        commands: mpsc::UnboundedReceiver<Command>,
        dropped_watches: mpsc::UnboundedReceiver<u64>,
        hub: Arc<Hub>,
        tls: Option<Arc<rustls::ClientConfig>>,
    ) -> Self {
        let (probe_sender, probes) = mpsc::unbounded_channel();
        Self {
            session,
            commands,
            commands_closed: false,
            dropped_watches,
            probes,
            probe_sender,
            transport: None,
            connecting: None,
            server: None,
            tls,
            timer: Box::pin(tokio::time::sleep(Duration::from_secs(3600))),
            timer_armed: false,
            pacing: ReadPacing::new(),
            now: Self::clock(),
            hub,
            waiters: Waiters::default(),
            close_waiters: Vec::new(),
        }
    }

    fn clock() -> Instant {
        tokio::time::Instant::now().into_std()
    }

    fn handle(&mut self, command: Command, now: Instant) {
        match command {
            Command::Submit { request, reply, watch } => {
                let (watch, sender) = watch.map(|w| (w.request, w.sender)).unzip();
                let token = self.waiters.reply(reply, watch.map(|w| w.id).zip(sender));
                self.session.submit(now, request, token, watch)
            }
            Command::AddAuth { scheme, credential, reply } => {
                let token = self.waiters.auth(reply);
                self.session.add_auth(now, scheme, credential, token)
            }
            Command::Start => self.session.start(now),
            Command::Stop { done } => {
                self.close_waiters.push(done);
                self.session.stop(now);
            }
            Command::SetHosts(hosts) => self.session.set_hosts(hosts),
        }
    }

    /// Takes every ready command. Returns whether any was taken.
    fn poll_commands(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progressed = false;
        for _ in 0..COMMAND_BATCH {
            match self.commands.poll_recv(cx) {
                Poll::Ready(Some(command)) => {
                    self.handle(command, self.now);
                    progressed = true;
                }
                Poll::Ready(None) => {
                    if !self.commands_closed {
                        // Every client handle is gone: close the session.
                        self.commands_closed = true;
                        self.session.stop(self.now);
                        progressed = true;
                    }
                    break;
                }
                Poll::Pending => break,
            }
        }
        while let Poll::Ready(Some(id)) = self.dropped_watches.poll_recv(cx) {
            self.waiters.forget_watcher(id);
            self.session.remove_watch(self.now, id);
            progressed = true;
        }
        while let Poll::Ready(Some(host)) = self.probes.poll_recv(cx) {
            self.session.read_write_found(self.now, &host);
            progressed = true;
        }
        progressed
    }

    fn poll_connecting(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(connecting) = self.connecting.as_mut() else { return false };
        let Poll::Ready(result) = connecting.as_mut().poll(cx) else { return false };
        self.connecting = None;
        match result {
            Ok(transport) => {
                self.transport = Some(transport);
                self.pacing.reset();
                self.session.connected(self.now);
            }
            Err(err) => {
                debug!(error = %err.message, "connection failed");
                self.session.connect_failed(self.now, err.fatal);
            }
        }
        true
    }

    /// Reads what arrived, paced while many requests are in flight (see
    /// [`ReadPacing`]). Returns whether anything happened.
    fn poll_read(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(transport) = self.transport.as_mut() else { return false };
        if let Err(err) = self.pacing.poll_pause(cx, transport) {
            self.connection_failed(Some(err));
            return true;
        }
        let buf = self.session.read_buf();
        if buf.capacity() - buf.len() < READ_RESERVE / 4 {
            buf.reserve(READ_RESERVE);
        }
        let outcome = match tokio_util::io::poll_read_buf(Pin::new(&mut *transport), cx, buf) {
            Poll::Pending => return false,
            Poll::Ready(Ok(0)) => Err(None),
            Poll::Ready(Ok(bytes)) => {
                let before = self.session.in_flight();
                self.session.received(self.now);
                let in_flight = self.session.in_flight();
                let replies = before.saturating_sub(in_flight);
                self.pacing.after_read(self.now, bytes, replies, in_flight, transport).map_err(Some)
            }
            Poll::Ready(Err(err)) => Err(Some(err)),
        };
        if let Err(error) = outcome {
            self.connection_failed(error);
        }
        true
    }

    /// Writes what is buffered, and flushes it (TLS buffers records).
    /// Returns whether anything happened.
    fn poll_write(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(transport) = self.transport.as_mut() else { return false };
        let mut progressed = false;
        loop {
            let buf = self.session.write_buf();
            if buf.is_empty() {
                break;
            }
            match Pin::new(&mut *transport).poll_write(cx, buf) {
                Poll::Ready(Ok(n)) if n > 0 => {
                    buf.advance(n);
                    progressed = true;
                }
                Poll::Pending => return progressed,
                Poll::Ready(result) => {
                    self.connection_failed(result.err());
                    return true;
                }
            }
        }
        if progressed {
            if let Poll::Ready(Err(err)) = Pin::new(&mut *transport).poll_flush(cx) {
                self.connection_failed(Some(err));
            }
        }
        progressed
    }

    /// The connection failed (or ended, without an error).
    fn connection_failed(&mut self, error: Option<io::Error>) {
        debug!(error = ?error, "connection closed");
        let fatal = error.filter(is_certificate_failure).map(|err| {
            let server = self.server.as_deref().unwrap_or("the server");
            crate::tls::failure(format!("TLS with {server} failed"), err)
        });
        self.transport = None;
        self.session.transport_closed(self.now, fatal);
    }

    /// Fires the session's timer if due, and re-arms it. The timer is only
    /// moved earlier: deadlines that move later (a ping after every send)
    /// would otherwise reset it on every request; firing early is harmless.
    fn poll_timer(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progressed = false;
        loop {
            let Some(deadline) = self.session.next_deadline() else { return progressed };
            let deadline = tokio::time::Instant::from_std(deadline);
            if !self.timer_armed || deadline < self.timer.deadline() {
                self.timer.as_mut().reset(deadline);
                self.timer_armed = true;
            }
            match self.timer.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.timer_armed = false;
                    self.now = Self::clock();
                    self.session.timeout(self.now);
                    progressed = true;
                    // A deadline that did not move would spin; the machine
                    // always moves its deadlines past `now` when they fire.
                    if self.session.next_deadline() == Some(deadline.into_std()) {
                        return progressed;
                    }
                }
                Poll::Pending => return progressed,
            }
        }
    }

    /// Carries out what the session asked for, tells whoever waits what it
    /// said, and publishes its state.
    fn apply_actions(&mut self) -> bool {
        let mut progressed = false;
        while let Some(output) = self.session.poll_output() {
            progressed = true;
            if let Some(unwanted) = self.waiters.deliver(output) {
                self.session.remove_watch(self.now, unwanted);
            }
        }
        if self.session.is_finished() {
            for done in self.close_waiters.drain(..) {
                let _ = done.send(());
            }
        }
        while let Some(action) = self.session.poll_action() {
            progressed = true;
            match action {
                Action::Connect(host) => {
                    self.transport = None;
                    self.server = Some(host.to_string());
                    let (timeout, tls) = (self.session.connect_timeout(), self.tls.clone());
                    self.connecting = Some(Box::pin(transport::connect(host, timeout, tls)));
                }
                Action::CloseTransport => {
                    self.transport = None;
                    self.connecting = None;
                }
                Action::ProbeReadWrite(host) => {
                    let found = self.probe_sender.clone();
                    tokio::spawn(probe_read_write(host, found));
                }
            }
        }
        let mut last_change = None;
        while let Some((state, client_state)) = self.session.poll_state_change() {
            let change = StateChange { state, client_state };
            self.publish(Some(change));
            last_change = Some(change);
            progressed = true;
        }
        if last_change.is_none() && progressed {
            self.publish(None);
        }
        progressed
    }

    fn publish(&self, change: Option<StateChange>) {
        let snapshot = Snapshot {
            state: self.session.state(),
            client_state: self.session.client_state(),
            client_id: self.session.client_id(),
            session_timeout: self.session.negotiated_timeout(),
            server: self.server.clone().filter(|_| self.session.client_state().is_connected()),
            starts: self.session.starts(),
            failure: self.session.failure().cloned(),
        };
        self.hub.publish(snapshot, change);
    }
}

impl Future for Driver {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        loop {
            this.now = Self::clock();
            let mut progressed = this.poll_commands(cx);
            progressed |= this.poll_connecting(cx);
            progressed |= this.poll_read(cx);
            progressed |= this.poll_timer(cx);
            progressed |= this.apply_actions();
            progressed |= this.poll_write(cx);
            if this.commands_closed && this.session.is_finished() {
                return Poll::Ready(());
            }
            if !progressed {
                return Poll::Pending;
            }
        }
    }
}

/// Asks `host` whether it serves read-write; tells `found` if it does.
async fn probe_read_write(host: HostPort, found: mpsc::UnboundedSender<HostPort>) {
    let Ok(Some(addr)) =
        tokio::net::lookup_host((host.host.as_str(), host.port)).await.map(|mut a| a.next())
    else {
        return;
    };
    if let Ok(answer) = four_letter_word(addr, "isro", Duration::from_secs(2)).await {
        if answer.trim() == "rw" {
            let _ = found.send(host);
        }
    }
}
