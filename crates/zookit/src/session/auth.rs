//! Credentials: auth packets sent on every connection, and SASL
//! (DIGEST-MD5) before anything else.

use super::*;

impl Session {
    /// Adds credentials to the session (and to every future connection).
    pub(crate) fn add_auth(
        &mut self,
        now: Instant,
        scheme: String,
        credential: Bytes,
        reply: Token,
    ) {
        if let Err(err) = self.refuse_reason() {
            self.outputs.push_back(Output::Auth { token: reply, result: Err(err) });
            return;
        }
        if scheme == "sasl" {
            match SaslCredentials::from_credential(&credential) {
                Ok(credentials) => {
                    self.sasl = Some(credentials.clone());
                    self.sasl_waiter = Some(reply);
                    if self.phase == Phase::Connected {
                        self.start_sasl(now, credentials);
                    }
                }
                Err(err) => {
                    self.outputs.push_back(Output::Auth { token: reply, result: Err(err) });
                }
            }
            return;
        }
        if self.phase == Phase::Connected {
            self.send_auth(now, &scheme, &credential);
            self.auth_waiters.push_back(((scheme.clone(), credential.clone()), Some(reply)));
            self.auth.push(Auth { scheme, credential, waiter: None });
        } else {
            self.auth.push(Auth { scheme, credential, waiter: Some(reply) });
        }
    }

    pub(super) fn send_auth(&mut self, now: Instant, scheme: &str, credential: &Bytes) {
        let packet =
            AuthPacket { auth_type: 0, scheme: scheme.to_owned(), auth: credential.clone() };
        encode_frame(
            &mut self.write_buf,
            &(RequestHeader { xid: AUTH_XID, op_code: OpCode::Auth }, Request::Auth(packet)),
        );
        self.last_send = now;
    }

    /// Starts a SASL exchange on this connection.
    pub(super) fn start_sasl(&mut self, now: Instant, credentials: SaslCredentials) {
        use rand::Rng;
        let cnonce: String = (&mut self.rng)
            .sample_iter(rand::distr::Alphanumeric)
            .take(24)
            .map(char::from)
            .collect();
        let exchange = DigestMd5::new(credentials, cnonce);
        let token = Bytes::from(exchange.initial_response());
        self.sasl_exchange = Some(exchange);
        self.send(now, Request::Sasl(GetSaslRequest { token }), None, None);
    }

    /// The server answered a SASL step.
    pub(super) fn sasl_answered(&mut self, now: Instant, err: ErrorCode, mut body: Bytes) {
        let step = if err.is_ok() {
            match (zookit_proto::SetSaslResponse::decode(&mut body), self.sasl_exchange.as_mut()) {
                (Ok(answer), Some(exchange)) => exchange.step(&answer.token),
                (Err(e), _) => Err(Error::protocol(e)),
                (Ok(_), None) => return,
            }
        } else {
            Err(Error::from_code(err))
        };
        match step {
            Ok(Some(token)) => self.send(
                now,
                Request::Sasl(GetSaslRequest { token: Bytes::from(token) }),
                None,
                None,
            ),
            Ok(None) => {
                self.sasl_exchange = None;
                info!("SASL authentication succeeded");
                if let Some(waiter) = self.sasl_waiter.take() {
                    self.outputs.push_back(Output::Auth { token: waiter, result: Ok(()) });
                }
                if matches!(self.phase, Phase::Authenticating { .. }) {
                    self.begin_session(now);
                }
            }
            Err(error) => {
                warn!(%error, "SASL authentication failed");
                if let Some(waiter) = self.sasl_waiter.take() {
                    self.outputs.push_back(Output::Auth { token: waiter, result: Err(error) });
                }
                // Refused credentials are not used again.
                self.sasl = None;
                self.sasl_exchange = None;
                self.auth_failed();
            }
        }
    }
}
