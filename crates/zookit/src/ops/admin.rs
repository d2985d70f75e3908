//! Authentication, identity, ensemble configuration and server commands.

use std::time::Duration;

use bytes::Bytes;
use zookit_proto::{ClientInfo, ErrorCode, ReconfigRequest, Request, Response, Stat};

use super::read::unexpected;
use crate::four_letter::{four_letter_word, parse_server_version};
use crate::{Client, Error, ErrorKind, Result};

/// How long a four-letter word may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// How many times [`Client::server_version`] tries again, as kazoo's default.
pub const SERVER_VERSION_RETRIES: u32 = 3;

impl Client {
    /// Adds credentials to the session, such as `("digest", "user:password")`;
    /// they are sent again after every reconnect. A refusal fails with
    /// `AuthFailed` and ends the session.
    #[doc(alias("add_auth_async"))]
    pub async fn add_auth(&self, scheme: &str, credential: impl AsRef<[u8]>) -> Result<()> {
        self.add_auth_inner(scheme, credential.as_ref()).await
    }

    /// The identities the session is authenticated as (ZooKeeper 3.7+).
    #[doc(alias("whoami", "whoAmI"))]
    pub async fn who_am_i(&self) -> Result<Vec<ClientInfo>> {
        match self.call("whoAmI", "", Request::WhoAmI).await? {
            Response::WhoAmI(r) => Ok(r.client_info),
            other => Err(unexpected("whoAmI", "", &other)),
        }
    }

    /// The ensemble's dynamic configuration and its stat (ZooKeeper 3.5+).
    pub async fn get_config(&self) -> Result<(Bytes, Stat)> {
        match self.call("getConfig", zookit_proto::CONFIG_NODE, Request::get_config(false)).await? {
            Response::GetData(r) => Ok((r.data, r.stat)),
            other => Err(unexpected("getConfig", zookit_proto::CONFIG_NODE, &other)),
        }
    }

    /// Changes the ensemble's membership (ZooKeeper 3.5+, needs the right to
    /// write `/zookeeper/config`): incrementally with `joining` and
    /// `leaving` (comma-separated server specs and ids), or in bulk with
    /// `new_members`. `from_config` is the expected config version, -1 for
    /// any. Returns the new configuration and its stat.
    #[doc(alias("reconfig_async"))]
    pub async fn reconfig(
        &self,
        joining: Option<&str>,
        leaving: Option<&str>,
        new_members: Option<&str>,
        from_config: i64,
    ) -> Result<(Bytes, Stat)> {
        let request = Request::Reconfig(ReconfigRequest {
            joining_servers: joining.map(str::to_owned),
            leaving_servers: leaving.map(str::to_owned),
            new_members: new_members.map(str::to_owned),
            cur_config_id: from_config,
        });
        match self.call("reconfig", zookit_proto::CONFIG_NODE, request).await? {
            Response::GetData(r) => Ok((r.data, r.stat)),
            other => Err(unexpected("reconfig", zookit_proto::CONFIG_NODE, &other)),
        }
    }

    /// Sends a four-letter word (`ruok`, `srvr`, `mntr`, `conf`, ...) to the
    /// connected server over its own connection, and returns the answer.
    /// Fails with `ConnectionLoss` when not connected.
    pub async fn command(&self, word: &str) -> Result<String> {
        let server = self
            .server()
            .ok_or_else(|| Error::from_code(ErrorCode::ConnectionLoss).with_op("command"))?;
        let addr = tokio::net::lookup_host(server.as_str())
            .await
            .map_err(|e| Error::io(e).with_op("command"))?
            .next()
            .ok_or_else(|| {
                Error::invalid_connect_string(format!("{server} resolves to no address"))
            })?;
        four_letter_word(addr, word, COMMAND_TIMEOUT).await.map_err(|e| e.with_op("command"))
    }

    /// The version of the connected server, such as `(3, 8, 0)`. Tried up
    /// to [`SERVER_VERSION_RETRIES`] more times, as kazoo's
    /// `server_version(retries=3)`: after a connection loss (each retry
    /// waits for the client to be connected again, at most the connection
    /// timeout) or an answer without a version.
    pub async fn server_version(&self) -> Result<(u32, u32, u32)> {
        let mut tries = 0;
        loop {
            let (error, retryable) = match self.command("srvr").await {
                Ok(srvr) => match parse_server_version(&srvr) {
                    Some(version) => return Ok(version),
                    None => (
                        Error::new(ErrorKind::UnexpectedReply)
                            .with_detail(format!(
                                "no version in the server's srvr answer: {srvr:?}"
                            ))
                            .with_op("command"),
                        true,
                    ),
                },
                Err(e) => {
                    let retryable = e.is_connection_loss() || e.kind() == ErrorKind::Io;
                    (e, retryable)
                }
            };
            if !retryable || tries == SERVER_VERSION_RETRIES {
                return Err(error);
            }
            tries += 1;
            let weak = self.downgrade();
            let connected = weak.wait_until_connected();
            if tokio::time::timeout(self.connection_timeout(), connected).await.is_err() {
                return Err(error);
            }
        }
    }
}
