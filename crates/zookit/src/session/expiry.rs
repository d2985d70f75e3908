//! How a session ends: lost (disconnected for longer than its timeout),
//! expired by the server, refused, or closed; and failing what waits.

use super::*;

impl Session {
    pub(super) fn report_lost(&mut self) {
        info!("disconnected for longer than the session timeout: session lost");
        self.lost = true;
        for queued in self.queued.drain(..) {
            self.outputs.push_back(Output::Reply {
                token: queued.reply,
                result: Err(Error::from_code(ErrorCode::ConnectionLoss)),
                registered: false,
            });
        }
        for auth in &mut self.auth {
            if let Some(waiter) = auth.waiter.take() {
                self.outputs.push_back(Output::Auth {
                    token: waiter,
                    result: Err(Error::from_code(ErrorCode::ConnectionLoss)),
                });
            }
        }
        if let Some(waiter) = self.sasl_waiter.take() {
            self.outputs.push_back(Output::Auth {
                token: waiter,
                result: Err(Error::from_code(ErrorCode::ConnectionLoss)),
            });
        }
        self.set_state(State::Lost, self.client_state);
    }

    pub(super) fn fail_pending(&mut self, error: impl Fn() -> Error) {
        for pending in self.pending.drain(..) {
            if let Some(reply) = pending.reply {
                self.outputs.push_back(Output::Reply {
                    token: reply,
                    result: Err(error()),
                    registered: false,
                });
            }
        }
        for (_, waiter) in self.auth_waiters.drain(..) {
            if let Some(waiter) = waiter {
                self.outputs.push_back(Output::Auth { token: waiter, result: Err(error()) });
            }
        }
    }

    pub(super) fn fail_everything(&mut self, error: impl Fn() -> Error) {
        self.fail_pending(&error);
        for queued in self.queued.drain(..) {
            self.outputs.push_back(Output::Reply {
                token: queued.reply,
                result: Err(error()),
                registered: false,
            });
        }
        for auth in &mut self.auth {
            if let Some(waiter) = auth.waiter.take() {
                self.outputs.push_back(Output::Auth { token: waiter, result: Err(error()) });
            }
        }
        if let Some(waiter) = self.sasl_waiter.take() {
            self.outputs.push_back(Output::Auth { token: waiter, result: Err(error()) });
        }
    }

    /// The session ends for good in `phase`.
    pub(super) fn end(
        &mut self,
        phase: Phase,
        client_state: ClientState,
        keeper_state: KeeperState,
        error: impl Fn() -> Error,
    ) {
        if self.has_connection() {
            self.actions.push_back(Action::CloseTransport);
        }
        self.phase = phase;
        self.read_buf.clear();
        self.write_buf.clear();
        self.probe = None;
        self.disconnected_since = None;
        self.fail_everything(error);
        self.watches.terminate(keeper_state, &mut self.outputs);
        self.resets_due.clear();
        self.set_watches_unanswered = 0;
        self.set_state(State::Lost, client_state);
    }

    pub(super) fn finish_close(&mut self) {
        self.end(Phase::Closed, ClientState::Closed, KeeperState::Closed, Error::closed);
    }

    pub(super) fn expired(&mut self) {
        warn!(session = format_args!("{:#x}", self.session_id), "session expired");
        self.end(Phase::Expired, ClientState::Expired, KeeperState::Expired, || {
            Error::from_code(ErrorCode::SessionExpired)
        });
    }

    pub(super) fn auth_failed(&mut self) {
        warn!("authentication failed");
        self.end(Phase::AuthFailed, ClientState::AuthFailed, KeeperState::AuthFailed, || {
            Error::from_code(ErrorCode::AuthFailed)
        });
    }
}
