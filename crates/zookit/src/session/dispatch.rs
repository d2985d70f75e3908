//! Requests and replies: sending, queueing while disconnected, decoding
//! what arrives and routing it to whoever waits, and the watches requests
//! set or remove.

use super::*;

impl Session {
    /// Submits a request. It is sent at once when connected, else queued
    /// until the session is connected again. A watch is registered when the
    /// answer is a success (or `NoNode` for `exists`).
    pub(crate) fn submit(
        &mut self,
        now: Instant,
        request: Request,
        reply: Token,
        watch: Option<WatchRequest>,
    ) {
        if let Err(err) = self.refuse_reason() {
            self.outputs.push_back(Output::Reply {
                token: reply,
                result: Err(err),
                registered: false,
            });
            return;
        }
        if self.phase == Phase::Connected {
            self.send(now, request, Some(reply), watch);
        } else {
            self.queued.push_back(Queued { request, reply, watch });
        }
    }

    /// Why a request cannot be accepted now, if it cannot.
    pub(super) fn refuse_reason(&self) -> Result<()> {
        match self.phase {
            Phase::Closed | Phase::Closing { .. } => Err(Error::closed()),
            Phase::Expired => Err(Error::from_code(ErrorCode::SessionExpired)),
            Phase::AuthFailed => Err(match &self.failure {
                Some(failure) => failure.duplicate(),
                None => Error::from_code(ErrorCode::AuthFailed),
            }),
            // Disconnected for longer than the session timeout: fail fast
            // rather than queue for a session that is probably gone.
            _ if self.lost => Err(Error::from_code(ErrorCode::ConnectionLoss)),
            _ => Ok(()),
        }
    }

    /// Encodes and sends a request on the live connection.
    pub(super) fn send(
        &mut self,
        now: Instant,
        request: Request,
        reply: Option<Token>,
        watch: Option<WatchRequest>,
    ) {
        let xid = self.xid();
        let op = request.op_code();
        let watch = watch.map(|w| (request.path().unwrap_or_default().to_owned(), w));
        encode_frame(&mut self.write_buf, &(RequestHeader { xid, op_code: op }, &request));
        self.last_send = now;
        self.pending.push_back(Pending { xid, op, reply, watch, existence: None });
    }

    /// Reads whether `path` exists, for its persistent one-node watchers.
    pub(super) fn read_existence(&mut self, now: Instant, path: String, catch_up: bool) {
        let request = Request::Exists(ExistsRequest { path: path.clone(), watch: false });
        self.send(now, request, None, None);
        if let Some(pending) = self.pending.back_mut() {
            pending.existence = Some(ExistenceRead { path, catch_up });
        }
    }

    /// Forgets the watcher `id` (its handle was dropped), and removes the
    /// watch from the server when no local watcher of its kind is left.
    pub(crate) fn remove_watch(&mut self, now: Instant, id: u64) {
        if let Some((path, kind)) = self.watches.remove(id) {
            self.forget_server_watch(now, path, kind);
        }
    }

    /// Removes the server's watch of `kind` on `path` unless a local
    /// watcher, or a request in flight (which would be undone), needs it.
    pub(super) fn forget_server_watch(&mut self, now: Instant, path: String, kind: WatchKind) {
        let Some(watcher_type) = self.watches.unneeded(&path, kind) else { return };
        if self.phase == Phase::Connected && !self.watch_in_flight(&path, watcher_type) {
            let request = Request::RemoveWatches(RemoveWatchesRequest { path, watcher_type });
            self.send(now, request, None, None);
        }
    }

    /// Whether a request sent or queued will set a watch on `path` that a
    /// removal of `watcher_type` would remove.
    pub(super) fn watch_in_flight(&self, path: &str, watcher_type: WatcherType) -> bool {
        let affected = |kind: WatchKind| match watcher_type {
            WatcherType::Data => matches!(kind, WatchKind::Data | WatchKind::Exist),
            WatcherType::Children => kind == WatchKind::Child,
            _ => true,
        };
        let pending = self
            .pending
            .iter()
            .filter_map(|p| p.watch.as_ref())
            .any(|(p, w)| p == path && affected(w.kind));
        let queued = self
            .queued
            .iter()
            .filter_map(|q| Some((q.request.path()?, q.watch.as_ref()?)))
            .any(|(p, w)| p == path && affected(w.kind));
        pending || queued
    }

    /// The driver read bytes into [`Session::read_buf`].
    pub(crate) fn received(&mut self, now: Instant) {
        self.last_recv = now;
        loop {
            let frame = match self.decoder.decode(&mut self.read_buf) {
                Ok(Some(frame)) => frame,
                Ok(None) => return,
                Err(err) => {
                    self.frame_error(now, err);
                    return;
                }
            };
            let len = frame.len();
            let handled = match self.phase {
                Phase::Handshaking { .. } => self.handshake_answered(now, frame),
                Phase::Authenticating { .. } | Phase::Connected | Phase::Closing { .. } => {
                    self.reply_received(now, frame)
                }
                _ => Ok(()),
            };
            if let Err(err) = handled {
                warn!(error = %err, frame_len = len, phase = ?self.phase, "protocol error; reconnecting");
                self.drop_connection(now);
                return;
            }
            if !self.has_connection() {
                return;
            }
        }
    }

    pub(super) fn reply_received(
        &mut self,
        now: Instant,
        mut frame: Bytes,
    ) -> Result<(), DecodeError> {
        let header = ReplyHeader::decode(&mut frame)?;
        if header.zxid > 0 {
            self.last_zxid = self.last_zxid.max(header.zxid);
        }
        match header.xid {
            WATCH_XID => {
                let event = WatcherEvent::decode(&mut frame)?;
                self.watches.dispatch(&event, &self.config.chroot, &mut self.outputs);
            }
            PING_XID => {}
            AUTH_XID => {
                let (credentials, waiter) = self.auth_waiters.pop_front().unzip();
                let waiter = waiter.flatten();
                if header.err == ErrorCode::AuthFailed {
                    if let Some(waiter) = waiter {
                        self.outputs.push_back(Output::Auth {
                            token: waiter,
                            result: Err(Error::from_code(ErrorCode::AuthFailed)),
                        });
                    }
                    // Refused credentials are not sent again: a new session
                    // (restart) can then succeed.
                    if let Some((scheme, credential)) = credentials {
                        self.auth.retain(|a| a.scheme != scheme || a.credential != credential);
                    }
                    self.auth_failed();
                } else if let Some(waiter) = waiter {
                    let result =
                        if header.err.is_ok() { Ok(()) } else { Err(Error::from_code(header.err)) };
                    self.outputs.push_back(Output::Auth { token: waiter, result });
                }
            }
            SET_WATCHES_XID => {
                if !header.err.is_ok() {
                    warn!(err = %header.err, "re-arming watches failed");
                }
                self.set_watches_unanswered = self.set_watches_unanswered.saturating_sub(1);
                if self.set_watches_unanswered == 0 {
                    let due = std::mem::take(&mut self.resets_due);
                    self.watches.reset(&due, &self.config.chroot, &mut self.outputs);
                }
            }
            xid => {
                // Replies come in the order of the requests, but for SASL
                // steps, which the server answers at once.
                let position = match self.pending.front() {
                    Some(pending) if pending.xid == xid => Some(0),
                    _ => self.pending.iter().position(|p| p.xid == xid && p.op == OpCode::Sasl),
                };
                let Some(pending) = position.and_then(|i| self.pending.remove(i)) else {
                    return Err(DecodeError::UnknownValue {
                        kind: "out-of-order reply xid",
                        value: xid,
                    });
                };
                self.complete(now, pending, header.err, frame);
            }
        }
        Ok(())
    }

    pub(super) fn frame_error(&mut self, now: Instant, err: DecodeError) {
        // The frame's header is at the front of the buffer: fail the request
        // it answers with the cause, not just a lost connection.
        if let (DecodeError::FrameTooLarge { .. }, Some(xid)) = (&err, self.read_buf.get(4..8)) {
            let xid = i32::from_be_bytes([xid[0], xid[1], xid[2], xid[3]]);
            if let Some(i) = self.pending.iter().position(|p| p.xid == xid) {
                if let Some(reply) = self.pending.remove(i).and_then(|p| p.reply) {
                    self.outputs.push_back(Output::Reply {
                        token: reply,
                        result: Err(Error::protocol(err.clone())),
                        registered: false,
                    });
                }
            }
        }
        warn!(error = %err, "invalid frame from the server; reconnecting");
        self.drop_connection(now);
    }

    pub(super) fn complete(
        &mut self,
        now: Instant,
        pending: Pending,
        err: ErrorCode,
        mut body: Bytes,
    ) {
        match pending.op {
            OpCode::CloseSession => return self.finish_close(),
            OpCode::Sasl => return self.sasl_answered(now, err, body),
            _ => {}
        }
        if let Some(read) = pending.existence {
            let found = match (err, Response::decode(OpCode::Exists, &mut body)) {
                (ErrorCode::Ok, Ok(Response::Exists(r))) => Ok(Some(r.stat)),
                (ErrorCode::NoNode, _) => Ok(None),
                _ => Err(()),
            };
            let chroot = &self.config.chroot;
            self.watches.existence_read(
                &read.path,
                read.catch_up,
                found,
                chroot,
                &mut self.outputs,
            );
            return;
        }
        let result = if err.is_ok() {
            Response::decode(pending.op, &mut body).map_err(Error::protocol)
        } else {
            Err(Error::from_code(err))
        };
        let mut registered = false;
        if let Some((path, mut watch)) = pending.watch {
            let register = match (&result, pending.op) {
                (Ok(_), _) => true,
                (Err(_), OpCode::Exists) if err == ErrorCode::NoNode => {
                    watch.kind = WatchKind::Exist;
                    true
                }
                _ => false,
            };
            if register {
                registered = true;
                if self.watches.add(&path, watch) {
                    self.read_existence(now, path, false);
                }
            }
        }
        if let Some(token) = pending.reply {
            self.outputs.push_back(Output::Reply { token, result, registered });
        }
    }
}
