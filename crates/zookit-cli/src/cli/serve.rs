//! `serve`'s arguments.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// `serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// An Apache ZooKeeper configuration file to start from; the options given override it
    #[arg(long, value_name = "ZOO_CFG")]
    pub(crate) config: Option<PathBuf>,
    /// The port to listen on; 0 picks a free one [default: 2181]
    #[arg(long)]
    pub(crate) port: Option<u16>,
    /// The host or address to listen on [default: 127.0.0.1]
    #[arg(long)]
    pub(crate) host: Option<String>,
    /// ZooKeeper's tickTime, in milliseconds [default: 2000]
    #[arg(long, value_name = "MS")]
    pub(crate) tick_time: Option<u64>,
    /// The smallest session timeout granted, in milliseconds [default: 2 ticks]
    #[arg(long, value_name = "MS")]
    pub(crate) min_session_timeout: Option<u64>,
    /// The largest session timeout granted, in milliseconds [default: 20 ticks]
    #[arg(long, value_name = "MS")]
    pub(crate) max_session_timeout: Option<u64>,
    /// Keep the tree and the sessions in DIR (created if missing): every
    /// write is in the transaction log before it is answered, and a server
    /// started again on DIR recovers them. Without it, the server is in
    /// memory
    #[arg(long, value_name = "DIR", help_heading = "Durability")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Keep the transaction logs in DIR instead of the data directory
    /// (ZooKeeper's dataLogDir)
    #[arg(long, value_name = "DIR", help_heading = "Durability")]
    pub(crate) data_log_dir: Option<PathBuf>,
    /// Whether a write waits for the disk before it is answered; `never`
    /// survives the server's own crash but not the machine's (for tests)
    /// [default: always]
    #[arg(long, value_enum, help_heading = "Durability")]
    pub(crate) fsync: Option<FsyncArg>,
    /// Take a snapshot (and start a new log) after N logged changes
    /// (ZooKeeper's snapCount) [default: 100000]
    #[arg(long, value_name = "N", help_heading = "Durability")]
    pub(crate) snap_count: Option<u64>,
    /// A TLS client port (secureClientPort); 0 picks a free one
    #[arg(long, value_name = "PORT", help_heading = "Server TLS")]
    pub(crate) secure_port: Option<u16>,
    /// The server's certificate chain, PEM
    #[arg(long, value_name = "FILE", requires = "server_key", help_heading = "Server TLS")]
    pub(crate) server_cert: Option<PathBuf>,
    /// The server's private key, PEM (unencrypted)
    #[arg(long, value_name = "FILE", requires = "server_cert", help_heading = "Server TLS")]
    pub(crate) server_key: Option<PathBuf>,
    /// CA certificates that client certificates must come from
    #[arg(long, value_name = "FILE", requires = "server_cert", help_heading = "Server TLS")]
    pub(crate) client_ca: Option<PathBuf>,
    /// Whether clients must present a certificate [default: need with --client-ca]
    #[arg(long, value_enum, requires = "client_ca", help_heading = "Server TLS")]
    pub(crate) client_auth: Option<ClientAuthArg>,
    /// A JAAS file whose Server section lists SASL DIGEST-MD5 users (DigestLoginModule)
    #[arg(long, value_name = "FILE", help_heading = "Authentication")]
    pub(crate) jaas: Option<PathBuf>,
    /// The digest super user, user:base64(sha1(user:password))
    #[arg(long, value_name = "DIGEST", help_heading = "Authentication")]
    pub(crate) super_digest: Option<String>,
}

/// `--fsync`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum FsyncArg {
    /// Sync the log (one fdatasync per batch of writes) before answering
    Always,
    /// Hand writes to the operating system without waiting for the disk
    Never,
}

/// ZooKeeper's `ssl.clientAuth` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ClientAuthArg {
    /// No certificate is asked for
    None,
    /// A certificate is asked for, not required
    Want,
    /// A trusted certificate is required
    Need,
}
