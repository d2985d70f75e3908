//! Configuring a blocking client, and starting its threads. The options are
//! the async builder's own ([`crate::ClientBuilder`]): only what the blocking
//! client adds, and how it starts, is here.

use std::time::Duration;

use super::CallbackThread;
use super::client::{Client, Settings};
use super::runtime::{RuntimeThread, refuse_within_runtime, run_on};
use crate::Result;

/// Configures a blocking [`Client`]: every option of the async client's
/// builder (it is the same builder, in its blocking mode), and the
/// [`command_timeout`](crate::ClientBuilder::command_timeout). Made by
/// [`Client::builder`], or from an async builder with
/// [`crate::ClientBuilder::blocking`].
///
/// ```no_run
/// use std::time::Duration;
/// use zookit::blocking::Client;
///
/// # fn example() -> zookit::Result<()> {
/// let client = Client::builder("zk1:2181,zk2:2181,zk3:2181/my-app")
///     .session_timeout(Duration::from_secs(15))
///     .command_timeout(Duration::from_secs(20))
///     .connect()?;
/// # Ok(())
/// # }
/// ```
pub type ClientBuilder = crate::ClientBuilder<Blocking>;

/// Marks a [`crate::ClientBuilder`] of the blocking [`Client`], with what
/// only the blocking client has.
#[derive(Clone, Copy, Debug, Default)]
pub struct Blocking {
    command_timeout: Option<Duration>,
}

impl crate::ClientBuilder<Blocking> {
    /// How long each blocking call waits for its answer before it fails
    /// with [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) (the
    /// operation may or may not have been applied then). Default: twice the
    /// session timeout (the granted one once connected), at least 5 s, which
    /// outlasts the wait of a request made while disconnected.
    ///
    /// `start`, `connect` and `restart` wait for their own timeout plus
    /// this one; [`Client::retry`] bounds each try, not the whole.
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.mode.command_timeout = Some(timeout);
        self
    }

    /// Creates the client without connecting; [`Client::start`] connects.
    /// Starts the client's background thread, and the async client on it.
    ///
    /// Fails with [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
    /// within an async runtime: use the async client there.
    pub fn build(self) -> Result<Client> {
        refuse_within_runtime("build")?;
        let settings = Settings {
            command_timeout: self.mode.command_timeout,
            session_timeout: self.options.session_timeout,
            connection_timeout: self.options.connection_timeout,
            command_retry: self.options.command_retry.clone(),
        };
        let runtime = RuntimeThread::start()?;
        let callbacks = CallbackThread::start()?;
        let bound = settings.command_timeout(None);
        let options = self.options;
        // The async client spawns its tasks on the runtime it is made in.
        let client = run_on(runtime.handle(), bound, "build", "", async move { options.build() })?;
        Ok(Client::new(client, runtime, callbacks, settings))
    }

    /// Creates the client and starts its session, waiting up to the
    /// connection timeout.
    pub fn connect(self) -> Result<Client> {
        refuse_within_runtime("connect")?;
        let client = self.build()?;
        client.start()?;
        Ok(client)
    }
}
