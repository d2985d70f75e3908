//! What the tests of the async and the blocking helper share: fresh
//! chroots on the shared server, bounded waits, what callbacks print, and a
//! real session expiry.

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use zookit_registry::value::Map;
use zookit_registry::{ZooKeeper, blocking};
use zookit_testing::{Proxy, shared, unique_chroot};

/// The bound of every wait for something to happen.
pub(crate) const WAIT: Duration = Duration::from_secs(30);

/// The JSON object `value` as properties.
pub(crate) fn map(value: serde_json::Value) -> Map {
    value.as_object().expect("an object").clone()
}

/// Runs `job` on a thread of its own (outside any async runtime, as the
/// blocking client wants) and returns its result.
fn off_runtime<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> T {
    thread::spawn(job).join().expect("the job panicked")
}

/// The connection string of a fresh chroot of the shared server, which
/// exists.
pub(crate) fn chroot_hosts(name: &str) -> String {
    let hosts = shared().connect_string_with_chroot(&unique_chroot(name));
    let creator = hosts.clone();
    off_runtime(move || {
        let client = zookit::blocking::Client::connect(creator).expect("connects");
        client.ensure_path("/").expect("creates the chroot");
        client.stop().expect("stops");
    });
    hosts
}

/// An async helper on a fresh chroot of the shared server.
pub(crate) async fn helper(name: &str) -> ZooKeeper {
    ZooKeeper::connect(Some(&chroot_hosts(name))).await.expect("connects")
}

/// A blocking helper on a fresh chroot of the shared server.
pub(crate) fn blocking_helper(name: &str) -> blocking::ZooKeeper {
    blocking::ZooKeeper::connect(Some(&chroot_hosts(name)), None, None).expect("connects")
}

/// Waits until `condition` holds, polling, at most [`WAIT`].
pub(crate) async fn eventually(what: &str, condition: impl Fn() -> bool) {
    tokio::time::timeout(WAIT, async {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("{what}: not within {WAIT:?}"));
}

/// [`eventually`], blocking.
pub(crate) fn eventually_blocking(what: &str, condition: impl Fn() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < WAIT, "{what}: not within {WAIT:?}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// What the README's callbacks print, collected.
#[derive(Clone, Default)]
pub(crate) struct Printed(Arc<Mutex<Vec<String>>>);

impl Printed {
    /// Prints a line.
    pub(crate) fn print(&self, line: impl Into<String>) {
        self.0.lock().unwrap().push(line.into());
    }

    /// How many lines were printed since the last take.
    pub(crate) fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    /// Everything printed since the last call, waiting (at most [`WAIT`])
    /// until `expected` has as many lines, and a little longer for lines
    /// that should not come.
    pub(crate) fn take_blocking(&self, expected: &str) -> String {
        let want = expected.lines().count();
        let printed = &self.0;
        eventually_blocking(&format!("printing {expected:?}"), || {
            printed.lock().unwrap().len() >= want
        });
        thread::sleep(Duration::from_millis(100));
        std::mem::take(&mut *self.0.lock().unwrap()).join("\n")
    }

    /// [`take_blocking`](Self::take_blocking), for async tests.
    pub(crate) async fn take(&self, expected: &str) -> String {
        let (printed, expected) = (self.clone(), expected.to_owned());
        tokio::task::spawn_blocking(move || printed.take_blocking(&expected)).await.unwrap()
    }
}

/// Expires the session `(id, password)` of a client of the shared server
/// connected through `proxy`, while the client is kept off (its connection
/// cut, new ones refused). The proxy is left refusing: [`Proxy::pass`] lets
/// the client hear that its session expired.
pub(crate) fn expire_session(proxy: &Proxy, (id, password): (i64, Bytes)) {
    proxy.refuse();
    proxy.drop_connections();
    zookit_testing::expire_session(shared().member_address(0), id, &password, WAIT)
        .expect("the session expires");
}
