//! The blocking client against the real server: operations and their
//! errors, watches, callbacks that call back into the client, a session kept
//! while the caller sleeps, the command timeout, calls from within a
//! runtime, and dropping the last clone.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use zookit::blocking::{Client, ClientBuilder};
use zookit::{
    AddWatchMode, ClientState, CreateMode, ErrorCode, ErrorKind, EventType, OpOutcome, ReadOp,
    ReadOutcome, State,
};
use zookit_testing::{Proxy, shared, unique_chroot};

use crate::common::{WAIT, init_logging};

/// A builder for a blocking client of the shared server in `chroot`.
fn builder_at(chroot: &str) -> ClientBuilder {
    init_logging();
    Client::builder(shared().connect_string_with_chroot(chroot))
}

/// A connected blocking client in a fresh chroot that exists, and the
/// chroot.
fn client(name: &str) -> (Client, String) {
    let chroot = unique_chroot(name);
    let zk = builder_at(&chroot).connect().expect("connects to the shared server");
    zk.ensure_path("/").expect("the chroot is created");
    (zk, chroot)
}

/// Polls `condition` every 20 ms until it holds, at most `within`.
fn eventually(what: &str, within: Duration, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < within, "{what}: not within {within:?}");
        thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn crud_with_the_errors_of_the_async_client() {
    let (zk, _) = client("blocking-crud");
    assert_eq!(zk.create("/a", "hello").unwrap(), "/a");
    let (data, stat) = zk.get("/a").unwrap();
    assert_eq!((&data[..], stat.version), (&b"hello"[..], 0));
    assert_eq!(zk.set("/a", "world").unwrap().version, 1);
    let err = zk.set_with("/a", "stale").version(0).send().unwrap_err();
    assert!(err.is_bad_version(), "{err}");
    assert_eq!(err.to_string(), "setData /a: BadVersion (version does not match)");
    assert!(zk.create("/a", "").unwrap_err().is_node_exists());
    let err = zk.get("no-slash").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPath, "{err}");
    let err = zk.create("/q//bad", "").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidPath, "{err}");
    let err =
        zk.create_with("/q/bad", "").ephemeral().ttl(Duration::from_secs(1)).send().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");

    // Create options, on the async client's builder.
    let seq = zk.create_with("/q/item-", "x").sequential().makepath().send().unwrap();
    assert_eq!(seq, "/q/item-0000000000");
    let (path, stat) = zk.create_with("/q/e", "abc").ephemeral().with_stat().send().unwrap();
    assert_eq!((path.as_str(), stat.data_length), ("/q/e", 3));
    assert_eq!(stat.ephemeral_owner, zk.client_id().unwrap().0);
    assert_eq!(zk.get_ephemerals("/q").unwrap(), ["/q/e"]);
    let mut children = zk.get_children("/q").unwrap();
    children.sort();
    assert_eq!(children, ["e", "item-0000000000"]);
    assert_eq!(zk.get_children_with_stat("/q").unwrap().1.num_children, 2);
    assert_eq!(zk.get_all_children_number("/q").unwrap(), 2);
    assert_eq!(zk.sync("/q").unwrap(), "/q");
    let (acl, _) = zk.get_acls("/a").unwrap();
    assert_eq!(zk.set_acls_with("/a", acl).version(0).send().unwrap().aversion, 1);

    // Deletes, conditional and recursive.
    assert!(zk.delete_with("/a").version(0).send().unwrap_err().is_bad_version());
    zk.delete_with("/a").version(1).send().unwrap();
    assert!(zk.exists("/a").unwrap().is_none());
    let err = zk.get("/a").unwrap_err();
    assert!(err.is_no_node(), "{err}");
    assert_eq!((err.op(), err.path()), (Some("getData"), Some("/a")));
    assert!(zk.delete("/q").unwrap_err().is_not_empty());
    zk.delete_with("/q").recursive().send().unwrap();
    assert!(zk.exists("/q").unwrap().is_none());

    // ensure_path, transactions, several reads at once, retry.
    zk.ensure_path("/x/y").unwrap();
    let results = zk
        .transaction()
        .check("/x", 0)
        .create("/x/tx", "", CreateMode::Persistent)
        .set_data("/x/y", "d", -1)
        .commit()
        .unwrap();
    let results: Vec<_> = results.into_iter().map(Result::unwrap).collect();
    assert_eq!(results[..2], [OpOutcome::Checked, OpOutcome::Created("/x/tx".into())]);
    let results = zk
        .transaction()
        .check("/x", 7)
        .create("/x/never", "", CreateMode::Persistent)
        .commit()
        .unwrap();
    assert!(results[0].as_ref().unwrap_err().is_bad_version());
    assert_eq!(results[1].as_ref().unwrap_err().kind(), ErrorKind::RolledBack);
    let reads = zk
        .multi_read(&[ReadOp::GetData("/x/y".into()), ReadOp::GetData("/x/none".into())])
        .unwrap();
    assert!(matches!(&reads[0], Ok(ReadOutcome::Data(data, _)) if &data[..] == b"d"));
    assert!(reads[1].as_ref().unwrap_err().is_no_node());
    let (data, _) = zk.retry(|| zk.get("/x/y")).unwrap();
    assert_eq!(&data[..], b"d");
    let mut tries = 0;
    let err = zk
        .retry(|| -> zookit::Result<()> {
            tries += 1;
            Err(zookit::Error::from(ErrorCode::ConnectionLoss))
        })
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::RetryFailed { attempts: 2, .. }), "{err}");
    assert_eq!(tries, 2, "kazoo's default: one retry");
    assert!(zk.who_am_i().unwrap().iter().any(|info| info.auth_scheme == "ip"));
    assert!(zk.server_version().unwrap() >= (3, 5, 0));
    assert!(zk.command("ruok").unwrap().contains("imok"));
}

#[test]
fn watches_are_waited_for_and_iterated() {
    let (zk, _) = client("blocking-watch");
    zk.create("/n", "1").unwrap();
    let (_, _, mut watch) = zk.get_watch("/n").unwrap();
    assert_eq!(watch.wait_timeout(Duration::from_millis(100)), None, "nothing changed yet");
    zk.set("/n", "2").unwrap();
    let event = watch.wait_timeout(WAIT).expect("the data watch fires");
    assert_eq!((event.event_type, event.path.as_deref()), (EventType::NodeDataChanged, Some("/n")));
    assert_eq!(watch.wait_timeout(Duration::ZERO), Some(event), "a fired watch keeps its event");

    // Waited for on another thread.
    let (stat, watch) = zk.exists_watch("/later").unwrap();
    assert!(stat.is_none());
    let (sender, events) = mpsc::channel();
    thread::spawn(move || sender.send(watch.wait()));
    zk.create("/later", "").unwrap();
    let event = events.recv_timeout(WAIT).expect("the exists watch fires");
    assert_eq!(event.event_type, EventType::NodeCreated);

    let (_, _, watch) = zk.get_children_watch("/").unwrap();
    zk.create("/kid", "").unwrap();
    let (sender, events) = mpsc::channel();
    thread::spawn(move || sender.send(watch.wait()));
    assert_eq!(events.recv_timeout(WAIT).unwrap().event_type, EventType::NodeChildrenChanged);

    // A persistent watch is a blocking iterator.
    let mut changes = zk.add_watch("/p", AddWatchMode::PersistentRecursive).unwrap();
    assert_eq!(
        changes.recv_timeout(Duration::from_millis(100)),
        Err(mpsc::RecvTimeoutError::Timeout)
    );
    zk.create("/p", "").unwrap();
    zk.create("/p/c", "").unwrap();
    let first = changes.recv_timeout(WAIT).unwrap();
    let second = changes.next().unwrap();
    assert_eq!(
        [(first.event_type, first.path.as_deref()), (second.event_type, second.path.as_deref())],
        [(EventType::NodeCreated, Some("/p")), (EventType::NodeCreated, Some("/p/c"))]
    );
}

#[test]
fn a_watch_function_may_call_the_client() {
    let (zk, _) = client("blocking-callback");
    zk.create("/n", "1").unwrap();
    let (_, _, watch) = zk.get_watch("/n").unwrap();
    let (sender, results) = mpsc::channel();
    let inner = zk.clone();
    watch.on_event(move |event| {
        // A read, and a new watch with its own function, from the callback.
        let read = inner.get("/n").map(|(data, _)| data.to_vec());
        let (_, _, again) = inner.get_watch("/n").unwrap();
        let again_sender = sender.clone();
        again.on_event(move |event| {
            let _ = again_sender.send((event, Ok(Vec::new()), None));
        });
        let _ = sender.send((event, read, thread::current().name().map(str::to_owned)));
    });
    zk.set("/n", "2").unwrap();
    let (event, read, thread) = results.recv_timeout(WAIT).expect("the callback ran");
    assert_eq!(event.event_type, EventType::NodeDataChanged);
    assert_eq!(read.unwrap(), b"2");
    assert_eq!(thread.as_deref(), Some("zookit-callbacks"));
    zk.set("/n", "3").unwrap();
    let (event, _, _) = results.recv_timeout(WAIT).expect("the re-armed callback ran");
    assert_eq!(event.event_type, EventType::NodeDataChanged);
}

#[test]
fn a_listener_may_stop_the_client() {
    // kazoo issue #381: stopping the client from a listener deadlocked.
    let chroot = unique_chroot("blocking-listener");
    let zk = builder_at(&chroot).build().unwrap();
    let mut changes = zk.state_changes();
    let (sender, stopped) = mpsc::channel();
    let inner = zk.clone();
    let id = zk.add_listener(move |state| {
        if state == State::Connected {
            let _ = sender.send(inner.stop());
        }
    });
    zk.start().unwrap();
    let result = stopped.recv_timeout(WAIT).expect("the listener's stop returned");
    result.unwrap();
    eventually("closed", WAIT, || zk.client_state() == ClientState::Closed);
    assert_eq!(zk.state(), State::Lost);
    let seen: Vec<_> = (0..3).map(|_| changes.recv_timeout(WAIT).unwrap().client_state).collect();
    assert_eq!(seen, [ClientState::Connecting, ClientState::Connected, ClientState::Closed]);
    assert!(zk.remove_listener(id));

    // The client can be started again.
    zk.restart().unwrap();
    assert!(zk.connected());
}

#[test]
fn an_idle_sleep_keeps_the_session() {
    let chroot = unique_chroot("blocking-idle");
    // Short, but not so short that a loaded machine misses a ping.
    let timeout = Duration::from_secs(4);
    let zk = builder_at(&chroot).session_timeout(timeout).connect().unwrap();
    zk.ensure_path("/").unwrap();
    let granted = zk.session_timeout().unwrap();
    assert!(granted <= timeout, "granted {granted:?}");
    zk.create_with("/eph", "").ephemeral().send().unwrap();
    let session = zk.client_id().unwrap().0;

    // Nothing is asked of the client meanwhile: its thread pings.
    thread::sleep(2 * timeout);

    assert_eq!(zk.client_id().unwrap().0, session, "the same session");
    assert_eq!(zk.state(), State::Connected);
    let other = builder_at(&chroot).connect().unwrap();
    let stat = other.exists("/eph").unwrap().expect("the ephemeral is still there");
    assert_eq!(stat.ephemeral_owner, session);
    assert!(zk.get("/eph").is_ok());
}

#[test]
fn calls_from_within_a_runtime_fail_clearly() {
    let (zk, chroot) = client("blocking-in-async");
    let (_, _, mut watch) = zk.get_watch("/").unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let message = "zookit::blocking::Client was called from within an async runtime; \
                       use zookit::Client there";
        let errors = [
            ("getData", zk.get("/").unwrap_err()),
            ("create", zk.create("/x", "").unwrap_err()),
            ("multi", zk.transaction().check("/", 0).commit().unwrap_err()),
            ("stop", zk.stop().unwrap_err()),
            ("retry", zk.retry(|| Ok(())).unwrap_err()),
            ("connect", builder_at(&chroot).connect().unwrap_err()),
            ("build", builder_at(&chroot).build().unwrap_err()),
        ];
        for (op, err) in errors {
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
            assert!(err.to_string().contains(message), "{err}");
            assert_eq!(err.op(), Some(op));
        }
        // What does not block works anywhere.
        assert_eq!(zk.state(), State::Connected);
        // Waiting on a watch panics, as Tokio's blocking calls do.
        let waited = catch_unwind(AssertUnwindSafe(|| watch.wait_timeout(Duration::ZERO)));
        assert!(waited.is_err());
    });
    // Outside, the same client works, still connected.
    assert!(zk.exists("/").unwrap().is_some());
    assert!(zk.connected());
}

#[test]
fn the_command_timeout_bounds_each_call() {
    init_logging();
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let chroot = unique_chroot("blocking-timeout");
    let zk = Client::builder(format!("{}{chroot}", proxy.addr()))
        .session_timeout(Duration::from_secs(20))
        .command_timeout(Duration::from_secs(1))
        .connect()
        .unwrap();
    assert_eq!(zk.command_timeout(), Duration::from_secs(1));
    zk.ensure_path("/").unwrap();

    proxy.stall();
    let start = Instant::now();
    let err = zk.get("/stalled").unwrap_err();
    let took = start.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!((err.op(), err.path()), (Some("getData"), Some("/stalled")));
    assert!(took >= Duration::from_secs(1) && took < Duration::from_secs(2), "{took:?}");

    // The session survives the stall; the client goes on.
    proxy.pass();
    assert!(zk.exists("/").unwrap().is_some());
    assert!(zk.connected());
}

#[test]
fn code_on_the_async_client_runs_bounded_and_calls_back_on_the_callback_thread() {
    let (zk, _) = client("blocking-hooks");
    let client = zk.async_client().clone();
    let exists =
        zk.block_on_timeout("exists", WAIT, async move { client.exists("/").await }).unwrap();
    assert!(exists.is_some());

    let err = zk
        .block_on_timeout("slow", Duration::from_millis(100), async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok::<_, zookit::Error>(())
        })
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert_eq!(err.op(), Some("slow"));

    // A user's function run from async code, on the callback thread, where
    // it may call the blocking client.
    assert!(!zk.callbacks().is_current());
    let callbacks = zk.callbacks().clone();
    let inside = zk.clone();
    let (name, on_thread, listed) = zk
        .block_on_timeout("call", WAIT, async move {
            let job = move || {
                let name = thread::current().name().map(str::to_owned);
                (name, inside.callbacks().is_current(), inside.get_children("/"))
            };
            Ok::<_, zookit::Error>(callbacks.call(job).await.expect("the job ran"))
        })
        .unwrap();
    assert_eq!((name.as_deref(), on_thread), (Some("zookit-callbacks"), true));
    assert_eq!(listed.unwrap(), Vec::<String>::new());
}

#[test]
fn the_default_command_timeout_is_twice_the_session_timeout() {
    let (zk, chroot) = client("blocking-default-timeout");
    assert_eq!(zk.command_timeout(), 2 * zk.session_timeout().unwrap());
    let short = builder_at(&chroot).session_timeout(Duration::from_secs(1)).build().unwrap();
    assert_eq!(short.command_timeout(), Duration::from_secs(5), "at least 5 s");
}

#[test]
fn dropping_the_last_clone_closes_the_session_and_ends_the_thread() {
    let chroot = unique_chroot("blocking-drop");
    // A long session timeout: only a close ends it before the test does.
    let zk = builder_at(&chroot).session_timeout(Duration::from_secs(30)).connect().unwrap();
    zk.ensure_path("/").unwrap();
    zk.create_with("/eph", "").ephemeral().send().unwrap();
    // (A watch on the ephemeral would fire with its deletion, before the
    // session's end.)
    let (_, mut watch) = zk.exists_watch("/never").unwrap();
    let (_, _, called) = zk.get_watch("/").unwrap();
    let (sender, callbacks) = mpsc::channel();
    called.on_event(move |event| {
        let _ = sender.send(event);
    });
    let other = builder_at(&chroot).connect().unwrap();

    let clone = zk.clone();
    drop(zk);
    assert!(other.exists("/eph").unwrap().is_some(), "a clone keeps the session");
    assert!(clone.connected());

    let start = Instant::now();
    drop(clone);
    assert!(start.elapsed() < Duration::from_secs(10), "dropped in {:?}", start.elapsed());
    eventually("the ephemeral vanishes", Duration::from_secs(5), || {
        other.exists("/eph").unwrap().is_none()
    });
    // Every watch ended with its terminal event; watch functions still ran.
    let event = watch.wait_timeout(WAIT).expect("the watch ended");
    assert!(event.is_terminal(), "{event:?}");
    let event = callbacks.recv_timeout(WAIT).expect("the watch function ran");
    assert!(event.is_terminal(), "{event:?}");
}
