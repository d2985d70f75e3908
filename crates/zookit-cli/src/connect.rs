//! Connecting: the connection string, credentials and TLS from the command
//! line, and the session the commands share.

use std::time::Duration;

use tokio::sync::OnceCell;
use zookit::{Client, ConnectString, TlsOptions};
use zookit_registry::ZooKeeper;

use crate::cli::GlobalArgs;
use crate::error::{CliError, Result};
use crate::output::Output;

/// How to connect, checked.
#[derive(Debug, Clone)]
pub(crate) struct ConnectOptions {
    /// The connection string as given (servers and optional chroot).
    pub(crate) hosts: String,
    /// The parsed connection string.
    pub(crate) parsed: ConnectString,
    /// How long to wait for a session.
    pub(crate) timeout: Duration,
    auth: Vec<(String, String)>,
    tls: Option<TlsOptions>,
}

impl ConnectOptions {
    /// Checks the global options; bad ones are usage errors.
    pub(crate) fn from_args(args: &GlobalArgs) -> Result<Self> {
        let parsed = ConnectString::parse(&args.connect).map_err(|e| {
            CliError::usage(format!("bad connection string {:?}: {}", args.connect, e.message()))
        })?;
        let auth = args
            .auth
            .iter()
            .map(|auth| match auth.split_once(':') {
                Some((scheme, credential)) if !scheme.is_empty() => {
                    Ok((scheme.to_owned(), credential.to_owned()))
                }
                _ => Err(CliError::usage(format!(
                    "--auth takes SCHEME:CREDENTIAL (e.g. digest:user:password), not {auth:?}"
                ))),
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            hosts: args.connect.clone(),
            parsed,
            timeout: args.timeout,
            auth,
            tls: tls(args),
        })
    }

    /// Starts a session, waiting at most the timeout.
    async fn connect(&self) -> Result<Client> {
        let mut builder = Client::builder(self.hosts.clone()).connection_timeout(self.timeout);
        for (scheme, credential) in &self.auth {
            builder = builder.auth(scheme.clone(), credential);
        }
        if let Some(tls) = &self.tls {
            builder = builder.tls(tls.clone());
        }
        builder.connect().await.map_err(|e| CliError::connect(&self.hosts, &e))
    }
}

/// The TLS options, if any TLS option was given.
fn tls(args: &GlobalArgs) -> Option<TlsOptions> {
    let wanted = args.tls_ca.is_some() || args.tls_cert.is_some() || args.tls_no_verify;
    if !wanted {
        return None;
    }
    let mut tls = TlsOptions::new();
    if let Some(ca) = &args.tls_ca {
        tls = tls.ca_file(ca);
    }
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        tls = tls.client_cert_file(cert, key);
    }
    if let Some(password) = &args.tls_key_password {
        tls = tls.key_password(password.clone());
    }
    if args.tls_no_verify {
        tls = tls.verify_certs(false);
    }
    Some(tls)
}

/// What a command runs with: the output, the connection options, and the
/// session, started on first use and closed when the command ends.
pub(crate) struct Context {
    /// Where results go.
    pub(crate) out: Output,
    /// Whether the command was invoked under a zc.zk script's name.
    pub(crate) zc_zk: bool,
    global: GlobalArgs,
    session: OnceCell<ZooKeeper>,
}

impl Context {
    /// A context; nothing is checked or connected yet (commands that need
    /// no server work whatever the connection options say).
    pub(crate) fn new(out: Output, global: GlobalArgs, zc_zk: bool) -> Self {
        Self { out, zc_zk, global, session: OnceCell::new() }
    }

    /// The connection options, checked.
    pub(crate) fn options(&self) -> Result<ConnectOptions> {
        ConnectOptions::from_args(&self.global)
    }

    /// The zc.zk helper on the session, connecting first if needed.
    pub(crate) async fn zk(&self) -> Result<&ZooKeeper> {
        self.session
            .get_or_try_init(|| async {
                let client = self.options()?.connect().await?;
                Ok(ZooKeeper::from_client(client))
            })
            .await
    }

    /// The client of the session, connecting first if needed.
    pub(crate) async fn client(&self) -> Result<&Client> {
        Ok(self.zk().await?.client())
    }

    /// Closes the session, if one was started: its ephemeral nodes vanish
    /// at once.
    pub(crate) async fn close(&self) {
        if let Some(zk) = self.session.get() {
            let _ = zk.close().await;
            let _ = zk.client().stop().await;
        }
    }
}
