//! Connections and the choice of server: which host next, back-off after a
//! round of failures, the server list, and moving to a read-write server.

use super::*;

impl Session {
    /// Replaces the servers (kazoo's `set_hosts`): the current connection
    /// stays; the next connection goes to a server of the new list (the
    /// current one's successor there if it is in it).
    pub(crate) fn set_hosts(&mut self, mut hosts: Vec<HostPort>) {
        if hosts.is_empty() {
            return;
        }
        if self.config.randomize_hosts {
            hosts.shuffle(&mut self.rng);
        }
        let current = self.config.hosts.get(self.host);
        let at = current.and_then(|current| hosts.iter().position(|h| h == current));
        info!(hosts = ?hosts, "new server list");
        // Not in the new list: the next connection goes to the new first.
        self.host = at.unwrap_or(hosts.len() - 1);
        self.failed_in_round = 0;
        self.fatal_in_round = 0;
        self.config.hosts = hosts;
    }

    /// The connection asked for by [`Action::Connect`] could not be opened;
    /// `fatal` says why when no retry can help (a TLS certificate failure).
    pub(crate) fn connect_failed(&mut self, now: Instant, fatal: Option<Error>) {
        if self.phase == Phase::Connecting {
            self.note_fatal(fatal);
            self.attempt_failed(now);
        }
    }

    pub(super) fn note_fatal(&mut self, fatal: Option<Error>) {
        if let Some(error) = fatal {
            warn!(%error, "connection refused for good");
            self.fatal_in_round += 1;
            self.failure = Some(Arc::new(error));
        }
    }

    /// The connection closed or failed (read or write error, end of
    /// stream); `fatal` says why when no retry can help.
    pub(crate) fn transport_closed(&mut self, now: Instant, fatal: Option<Error>) {
        if self.has_connection() {
            if matches!(self.phase, Phase::Handshaking { .. } | Phase::Authenticating { .. }) {
                self.note_fatal(fatal);
            }
            self.connection_ended(now, self.host + 1);
        }
    }

    /// A probe found a read-write server while connected read-only: move to it.
    pub(crate) fn read_write_found(&mut self, now: Instant, host: &HostPort) {
        if !(self.phase == Phase::Connected && self.read_only_connection) {
            return;
        }
        if let Some(index) = self.config.hosts.iter().position(|h| h == host) {
            info!(%host, "found a read-write server; moving to it");
            self.actions.push_back(Action::CloseTransport);
            self.connection_ended(now, index);
        }
    }

    pub(super) fn rng_index(&mut self, n: usize) -> usize {
        use rand::Rng;
        self.rng.random_range(0..n)
    }

    pub(super) fn connect_to(&mut self, host: usize) {
        self.host = host % self.config.hosts.len().max(1);
        self.phase = Phase::Connecting;
        self.actions.push_back(Action::Connect(self.config.hosts[self.host].clone()));
    }

    /// A connection attempt failed: try the next host, or back off after a
    /// whole round of failures.
    pub(super) fn attempt_failed(&mut self, now: Instant) {
        self.failed_in_round += 1;
        let next = (self.host + 1) % self.config.hosts.len().max(1);
        if self.failed_in_round < self.config.hosts.len() {
            self.connect_to(next);
            return;
        }
        self.failed_in_round = 0;
        self.failed_rounds += 1;
        let every_host_refused = self.fatal_in_round >= self.config.hosts.len();
        self.fatal_in_round = 0;
        if every_host_refused {
            let failure = self.failure.clone();
            self.end(Phase::AuthFailed, ClientState::AuthFailed, KeeperState::AuthFailed, || {
                failure.as_deref().map_or_else(|| Error::new(ErrorKind::Tls), Error::duplicate)
            });
            return;
        }
        let failing_for = now.duration_since(self.failing_since.unwrap_or(now));
        if !self.config.connection_retry.allows(self.failed_rounds, failing_for) {
            warn!(rounds = self.failed_rounds, "connection retries exhausted; closing");
            self.finish_close();
            return;
        }
        let delay = self.config.connection_retry.delay_for(self.failed_rounds, &mut self.rng);
        debug!(?delay, "every host failed; backing off");
        self.host = next;
        self.phase = Phase::Waiting { until: now + delay };
    }

    /// The machine gives up the connection itself.
    pub(super) fn drop_connection(&mut self, now: Instant) {
        self.actions.push_back(Action::CloseTransport);
        self.connection_ended(now, self.host + 1);
    }

    /// The connection is gone, whoever noticed; a live session reconnects
    /// to host `next` (modulo the number of hosts).
    pub(super) fn connection_ended(&mut self, now: Instant, next: usize) {
        self.read_buf.clear();
        self.write_buf.clear();
        self.probe = None;
        self.set_watches_unanswered = 0;
        match self.phase {
            Phase::Closing { .. } => self.finish_close(),
            Phase::Connecting | Phase::Handshaking { .. } => self.attempt_failed(now),
            Phase::Authenticating { .. } => {
                self.sasl_exchange = None;
                self.fail_pending(|| Error::from_code(ErrorCode::ConnectionLoss));
                self.attempt_failed(now);
            }
            Phase::Connected => {
                self.sasl_exchange = None;
                info!(host = %self.config.hosts[self.host], "connection lost; reconnecting");
                self.fail_pending(|| Error::from_code(ErrorCode::ConnectionLoss));
                self.disconnected_since = Some(now);
                self.failing_since = Some(now);
                self.failed_in_round = 0;
                self.failed_rounds = 0;
                let state = if self.lost { State::Lost } else { State::Suspended };
                self.set_state(state, ClientState::Connecting);
                self.connect_to(next);
            }
            _ => {}
        }
    }
}
