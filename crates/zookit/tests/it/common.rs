//! Helpers shared by the integration tests.

use std::time::Duration;

use zookit::{Client, ClientBuilder};
use zookit_testing::{shared, unique_chroot};

/// How long any single wait in a test may take before it fails.
pub(crate) const WAIT: Duration = Duration::from_secs(30);

/// Logs to the test output when `RUST_LOG` is set (e.g. `RUST_LOG=zookit=debug`).
pub(crate) fn init_logging() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        if std::env::var_os("RUST_LOG").is_some() {
            tracing_subscriber::fmt()
                .with_test_writer()
                .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
                .init();
        }
    });
}

/// A builder for a client of the shared server, in a fresh chroot.
pub(crate) fn builder(name: &str) -> ClientBuilder {
    init_logging();
    Client::builder(shared().connect_string_with_chroot(&unique_chroot(name)))
}

/// A connected client of the shared server, in a fresh chroot that exists.
pub(crate) async fn client(name: &str) -> Client {
    let client = builder(name).connect().await.expect("connects to the shared server");
    client.ensure_path("/").await.expect("the chroot is created");
    client
}

/// Waits for `future` at most [`WAIT`].
pub(crate) async fn bounded<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    init_logging();
    tokio::time::timeout(WAIT, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {WAIT:?}"))
}

/// Two connected clients (two sessions) of the shared server in one fresh
/// chroot that exists: one to watch, one to make changes.
pub(crate) async fn two_clients(name: &str) -> (Client, Client) {
    init_logging();
    let connect = shared().connect_string_with_chroot(&unique_chroot(name));
    let first =
        Client::builder(connect.clone()).connect().await.expect("the first client connects");
    first.ensure_path("/").await.expect("the chroot is created");
    let second = Client::builder(connect).connect().await.expect("the second client connects");
    (first, second)
}

/// A connected client of the shared server without a chroot.
pub(crate) async fn root_client() -> Client {
    init_logging();
    Client::connect(shared().connect_string()).await.expect("connects to the shared server")
}

/// Polls `condition` every 20 ms until it holds, at most `within`; panics
/// naming `what` if it never does.
pub(crate) async fn eventually<F, Fut>(what: &str, within: Duration, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let polling = async {
        while !condition().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(within, polling)
        .await
        .unwrap_or_else(|_| panic!("{what}: not within {within:?}"));
}

/// Whether the shared server holds any watch on `server_path` (a path with
/// the chroot), as its `wchp` four-letter word lists them. Unlike
/// `remove_watches`, asking changes nothing.
pub(crate) async fn server_has_watch(server_path: &str) -> bool {
    let dump = zookit::four_letter_word(shared().member_address(0), "wchp", WAIT)
        .await
        .expect("the server answers wchp");
    dump.lines().any(|line| line == server_path)
}

/// The rule an invalid path broke: the source of an `InvalidPath` error.
pub(crate) fn path_error(err: &zookit::Error) -> Option<&zookit::PathError> {
    (err.kind() == zookit::ErrorKind::InvalidPath)
        .then(|| std::error::Error::source(err)?.downcast_ref())?
}
