//! Establishing the session on a new connection: the connect request, the
//! server's answer, then credentials, re-armed watches and queued requests.

use super::*;

impl Session {
    /// The connection asked for by [`Action::Connect`] is open.
    pub(crate) fn connected(&mut self, now: Instant) {
        if self.phase != Phase::Connecting {
            return;
        }
        self.read_buf.clear();
        self.write_buf.clear();
        if self.lost && self.config.read_only && self.seen_read_write {
            // Read-only servers refuse sessions made by the quorum. Once the
            // session is lost, take a new one a read-only server accepts.
            info!("session lost; asking for a new session, which a read-only server may grant");
            self.seen_read_write = false;
        }
        let request = ConnectRequest {
            protocol_version: 0,
            last_zxid_seen: self.last_zxid,
            timeout: i32::try_from(self.config.session_timeout.as_millis()).unwrap_or(i32::MAX),
            session_id: if self.seen_read_write { self.session_id } else { 0 },
            passwd: if self.seen_read_write {
                self.passwd.clone()
            } else {
                Bytes::from_static(&[0; 16])
            },
            read_only: Some(self.config.read_only),
        };
        encode_frame(&mut self.write_buf, &request);
        self.last_send = now;
        self.last_recv = now;
        self.phase = Phase::Handshaking { deadline: now + self.connect_timeout() };
        debug!(host = %self.config.hosts[self.host], "handshake started");
    }

    pub(super) fn handshake_answered(
        &mut self,
        now: Instant,
        mut frame: Bytes,
    ) -> Result<(), DecodeError> {
        let response = ConnectResponse::decode(&mut frame)?;
        if response.timeout <= 0 {
            if response.read_only == Some(true) {
                // A read-only server cannot resume a session of the quorum;
                // that says nothing of the session. Try elsewhere (and, once
                // the session is lost, ask this one for a new session).
                info!(host = %self.config.hosts[self.host], "a read-only server cannot resume the session");
                self.actions.push_back(Action::CloseTransport);
                self.attempt_failed(now);
            } else {
                self.expired();
            }
            return Ok(());
        }
        let timeout = Duration::from_millis(u64::try_from(response.timeout).unwrap_or(0));
        let new_session = response.session_id != self.session_id;
        self.negotiated_timeout = Some(timeout);
        self.session_id = response.session_id;
        self.passwd = response.passwd;
        self.read_only_connection = response.read_only == Some(true);
        self.seen_read_write |= !self.read_only_connection;
        self.disconnected_since = None;
        self.failing_since = None;
        self.lost = false;
        self.failed_in_round = 0;
        self.fatal_in_round = 0;
        self.failed_rounds = 0;
        info!(
            host = %self.config.hosts[self.host],
            session = format_args!("{:#x}", self.session_id),
            timeout_ms = response.timeout,
            read_only = self.read_only_connection,
            new_session,
            "session established"
        );
        match self.sasl.clone() {
            Some(credentials) => {
                self.phase = Phase::Authenticating { deadline: now + self.connect_timeout() };
                self.start_sasl(now, credentials);
            }
            None => self.begin_session(now),
        }
        Ok(())
    }

    /// The session is usable on this connection: credentials first, then
    /// the watches, then what waited.
    pub(super) fn begin_session(&mut self, now: Instant) {
        self.phase = Phase::Connected;
        let mut auth = std::mem::take(&mut self.auth);
        for entry in &mut auth {
            self.send_auth(now, &entry.scheme, &entry.credential);
            self.auth_waiters
                .push_back(((entry.scheme.clone(), entry.credential.clone()), entry.waiter.take()));
        }
        self.auth = auth;
        if !self.watches.is_empty() {
            let all = self.watches.rearm_list(self.last_zxid);
            for request in set_watches_requests(all, SET_WATCHES_MAX_BYTES) {
                let op_code = request.op_code();
                encode_frame(
                    &mut self.write_buf,
                    &(RequestHeader { xid: SET_WATCHES_XID, op_code }, request),
                );
                self.set_watches_unanswered += 1;
            }
            // ZooKeeper re-adds persistent watches without telling what
            // changed meanwhile: read, after the re-arming, what one-node
            // watchers missed, and tell recursive ones to resynchronise.
            for path in self.watches.begin_catch_up(self.last_zxid) {
                self.read_existence(now, path, true);
            }
            for id in self.watches.recursive_ids() {
                if !self.resets_due.contains(&id) {
                    self.resets_due.push(id);
                }
            }
        }
        for queued in std::mem::take(&mut self.queued) {
            self.send(now, queued.request, Some(queued.reply), queued.watch);
        }
        if self.read_only_connection {
            self.probe = Some((now + FIRST_PROBE_INTERVAL, FIRST_PROBE_INTERVAL * 2));
        }
        let client_state = if self.read_only_connection {
            ClientState::ConnectedReadOnly
        } else {
            ClientState::Connected
        };
        self.set_state(State::Connected, client_state);
    }
}
