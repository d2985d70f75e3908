//! An embedded ZooKeeper-compatible server: Apache ZooKeeper's wire
//! protocol and answers, in memory, started in milliseconds, without Java.
//!
//! Any ZooKeeper client (zookit, kazoo, Curator, zkCli, the C client) can
//! talk to it, so tests and development need no JVM. It answers as Apache
//! ZooKeeper 3.8 does — the same zxids, stats, errors, watch events and
//! their order — and a differential test suite runs the same scenarios
//! against both to keep it that way.
//!
//! # Starting it
//!
//! In an async program or test (tokio):
//!
//! ```no_run
//! # async fn demo() -> Result<(), zookit_server::Error> {
//! let server = zookit_server::Server::builder().port(0).start().await?;
//! let connect = server.connect_string(); // "127.0.0.1:41234"
//! // ... connect any ZooKeeper client to `connect` ...
//! # let _ = connect;
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! Without an async runtime, [`ServerBuilder::start_blocking`] runs it on
//! threads of its own:
//!
//! ```no_run
//! let server = zookit_server::Server::builder().port(0).start_blocking()?;
//! println!("{}", server.addr());
//! drop(server); // stops it
//! # Ok::<(), zookit_server::Error>(())
//! ```
//!
//! From the command line, `zookit serve [--port 2181] [--host 127.0.0.1]
//! [--tick-time MS] [--min-session-timeout MS] [--max-session-timeout MS]
//! [--data-dir DIR [--fsync always|never] [--snap-count N]]` prints
//! `listening on HOST:PORT` once it accepts connections (`--port 0` picks
//! a free port) and stops on Ctrl-C or SIGTERM. `--config zoo.cfg`
//! starts from an Apache ZooKeeper configuration file (the options given
//! override it).
//!
//! # Where a ZooKeeper is expected
//!
//! [`ZooCfg`] reads a `zoo.cfg` as ZooKeeper does and applies what this
//! server has: the client ports and addresses, `tickTime`, the session
//! timeouts, `maxClientCnxns`, the four-letter whitelist, TLS (`ssl.*`
//! with PEM stores), the authentication providers and super users. Every
//! other key is named in one warning; a bad line or value is an error
//! naming the file, the line number and the line. SASL users come from a
//! JAAS file's `Server` section, as ZooKeeper's `DigestLoginModule` reads
//! them ([`ServerBuilder::sasl_jaas_file`]).
//!
//! # Secure when asked
//!
//! - **TLS** on a secure client port ([`ServerBuilder::secure_port`],
//!   [`ServerBuilder::tls`]; rustls): the server's certificate and key,
//!   and optionally client certificates, whose subject becomes the
//!   connection's `x509` identity as ZooKeeper names it (`CN=app,O=example`,
//!   RFC 2253), for `whoAmI` and ACLs with the `x509` scheme
//!   ([`ServerBuilder::x509_super_user`] for the super user).
//! - **SASL DIGEST-MD5** ([`ServerBuilder::sasl_digest_users`]), as
//!   ZooKeeper's `DigestLoginModule` serves it: a client authenticated as
//!   `alice` has the identity `sasl:alice`, ACLs may use the `sasl` scheme,
//!   and `auth` ACLs stand for it; a wrong password answers `AuthFailed`
//!   and closes the connection ([`ServerBuilder::sasl_super_user`]).
//! - **The digest super user** ([`ServerBuilder::super_digest`],
//!   [`ServerBuilder::super_user`]).
//!
//! # Several client ports over one state
//!
//! A running server can open more client ports on the same tree and
//! sessions ([`Server::open_client_port`]), close one
//! ([`Server::close_client_port`]: the port refuses connections, its
//! connections end, their sessions live on), drop or stall its
//! connections, and expire a session by id ([`Server::expire_session`]).
//! zookit-testing builds its simulated ensemble on this: N members that
//! are N ports over one tree, so a client fails over keeping its session.
//!
//! # Behaviour
//!
//! - **Every request** of 3.4 to 3.9 clients: sessions (new and resumed,
//!   timeouts negotiated between the configured bounds), ping, create in
//!   every mode (sequential, ephemeral, container, TTL), delete, exists,
//!   getData, setData, getACL, setACL, getChildren(2),
//!   getAllChildrenNumber, getEphemerals, multi, multiRead, sync,
//!   setWatches(2), addWatch, removeWatches, checkWatches, auth (`digest`,
//!   `ip`, and a digest super user), whoAmI, getConfig, reconfig (answered
//!   as a standalone server answers it), and the four-letter words on the
//!   client port.
//! - **ZooKeeper's semantics**: one zxid per write, failed ones included;
//!   every stat field; sequence numbers from the parent's cversion; the
//!   order of checks, so each failing request gets ZooKeeper's error;
//!   multi all or nothing; watch events before the reply of the request
//!   that fired them; ACLs; ephemerals deleted when their session closes
//!   or expires; containers and TTL znodes reaped.
//! - **Hostile input** costs bounded memory and never panics: frames over
//!   `jute.maxbuffer` close the connection before anything is allocated,
//!   slow handshakes time out, and a client that does not read its replies
//!   is disconnected once too many wait ([`ServerBuilder::max_unsent_replies`]).
//!
//! # Durability
//!
//! Without a data directory the server is in memory, and costs nothing for
//! it. With one ([`ServerBuilder::data_dir`], `zookit serve --data-dir
//! DIR`), the tree and the sessions survive a restart:
//!
//! ```no_run
//! # async fn demo() -> Result<(), zookit_server::Error> {
//! let server = zookit_server::Server::builder()
//!     .port(0)
//!     .data_dir("target/zk-data") // created if missing; recovered if not
//!     .start()
//!     .await?;
//! # let _ = server;
//! # Ok(())
//! # }
//! ```
//!
//! - **Nothing acknowledged is lost**: every change — each write, and the
//!   creation and closing of each session — is appended to the transaction
//!   log and synced (`fdatasync`) before anything of it is answered: no
//!   reply, no watch event, no four-letter word. A `kill -9`, or a crash of
//!   the machine, loses at most writes that were never answered. A multi is
//!   one record: all of it or none.
//! - **Group commit**: the task that owns the state takes the requests that
//!   wait in a batch, applies them, logs the batch's changes as one record,
//!   syncs once, then answers them all; concurrent writes share a sync.
//! - **Snapshots**: after [`ServerBuilder::snap_count`] changes (ZooKeeper's
//!   `snapCount`, default 100,000) or [`ServerBuilder::snap_size_limit`]
//!   bytes of log, a snapshot of the tree and the sessions is taken between
//!   two batches, a new log is started, and, once the snapshot is on disk,
//!   older snapshots and logs are deleted.
//! - **Recovery**: the newest snapshot and the logs after it give back the
//!   tree, the sessions (each with its timeout) and the last zxid; zxids go
//!   on from there, so clients that saw them reconnect. A session whose
//!   client comes back within its timeout keeps its ephemeral znodes; the
//!   others expire after their timeout, counted from the restart, and their
//!   ephemerals go with them, as in ZooKeeper.
//! - **Damage**: a last record cut short by a crash (incomplete, or failing
//!   its checksum with only zeros after it) was never acknowledged: it is
//!   dropped and cut off the file, as ZooKeeper drops an incomplete last
//!   record. Anything else — a checksum failing in the middle of a log, a
//!   missing log, a damaged snapshot — stops the start with
//!   [`Error::Corrupt`], naming the file and the byte offset, rather than
//!   serve part of the tree.
//! - **[`Fsync::Never`]** (`--fsync never`), for tests, hands each batch to
//!   the operating system without waiting for the disk: the server's own
//!   crash loses nothing acknowledged, the machine's may.
//! - **The files** are the server's own, not Apache ZooKeeper's (which
//!   cannot read them, nor this server Apache's): `log.<zxid>` holds the
//!   records from zxid `<zxid>` on (hexadecimal), `snapshot.<zxid>` the
//!   state after zxid `<zxid>`. Each starts with a magic (`zookitL\x01`,
//!   `zookitS\x01`) and is a sequence of frames: a 12-byte header (the
//!   length, its CRC-32, the payload's CRC-32) and a payload in Jute's
//!   encoding. A log holds one frame per batch; a snapshot is written to a
//!   `.tmp` file, synced and renamed, so it is whole or absent.
//!   [`ServerBuilder::data_log_dir`] (`dataLogDir`) puts the logs on a
//!   disk of their own.
//! - Only one server may use a data directory at a time (nothing locks it).
//!
//! # Design
//!
//! One task owns the state (the data tree, sessions and watches, a plain
//! value fed requests and the time); one task per connection decodes
//! requests and writes replies. The state task takes requests in batches
//! and hands each connection all its replies of a batch at once, so a
//! pipelining client gets them in one write; with a data directory, once
//! the batch is in the log.
//!
//! # What it is not
//!
//! - **A single server.** It never pretends to be a quorum; production
//!   ensembles stay Apache ZooKeeper.
//! - **In memory unless asked.** Everything is gone when it stops, unless
//!   it has a data directory (see *Durability*).
//! - No quotas (`/zookeeper/quota` exists, but limits and counts are not
//!   kept), no dynamic reconfiguration, no admin server, no Kerberos
//!   (SASL is DIGEST-MD5 only), no key stores but PEM files.
//!
//! # Differences from Apache ZooKeeper
//!
//! The differential suite compares every answer; these differ on purpose
//! or where ZooKeeper's answer depends on a hash set's order or timing:
//!
//! - Children (`getChildren`, `multiRead`) are listed in name order;
//!   ZooKeeper lists them in its hash set's order. (The ephemerals a
//!   session leaves are deleted in ZooKeeper's own order.)
//! - Sessions expiring on the same tick, and containers reaped in the same
//!   check, go in id and path order.
//! - Where ZooKeeper 3.8 fails internally, this server answers: a `check`
//!   outside a multi (ZooKeeper never answers it) gets the znode's stat; a
//!   `createTTL` in a mode without a TTL gets `BadArguments`.
//! - Strings that are not UTF-8 are `MarshallingError` (ZooKeeper reads
//!   them with replacement characters), and null strings (length -1) read
//!   as empty ones (ZooKeeper fails on most of them). Null data is kept
//!   apart from empty data, as in ZooKeeper.
//! - Defaults for a development server: every four-letter word is enabled
//!   (ZooKeeper: `srvr` only) and TTL znodes are (ZooKeeper:
//!   `zookeeper.extendedTypesEnabled=false`); the connection limit is per
//!   server ([`ServerBuilder::max_connections`]), not per client address,
//!   and a client that does not read its replies is disconnected
//!   ([`ServerBuilder::max_unsent_replies`]) where ZooKeeper stops reading
//!   from it.
//! - TLS: client host names are not checked against client certificates
//!   (ZooKeeper's `ssl.hostnameVerification`, on by default there); an
//!   encrypted server key is refused (ZooKeeper 3.8 on Java 17 cannot read
//!   the PBES2 keys OpenSSL writes either). With `ssl.clientAuth=want`, a
//!   client without a certificate is served without an `x509` identity.
//! - SASL: one DIGEST-MD5 exchange per connection, `qop=auth`, no
//!   authorization id other than the user; the user name is the identity
//!   as given (ZooKeeper maps Kerberos-style names through its rules). A
//!   configured SASL user list also registers the `sasl` ACL scheme
//!   (ZooKeeper needs `authProvider.N=...SASLAuthenticationProvider` too).
//! - Four-letter words have ZooKeeper's formats, but counters an
//!   in-memory server does not keep (latencies, directory sizes) read 0;
//!   `gtmk`, `stmk` and `hash` are not words here.

mod builder;
mod config;
mod core;
mod error;
mod four_letter;
/// The request path without sockets, for the cargo-fuzz target (feature
/// `fuzzing`); not a stable API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(not(feature = "fuzzing"))]
#[allow(dead_code, unreachable_pub)]
mod fuzzing;
mod jaas;
mod net;
mod persist;
mod ports;
mod server;
mod state;
mod zoo_cfg;

pub use builder::ServerBuilder;
pub use config::Fsync;
pub use error::Error;
pub use net::tls::{ClientAuth, Tls};
pub use ports::Transport;
pub use server::{BlockingServer, Server};
pub use zoo_cfg::ZooCfg;

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
