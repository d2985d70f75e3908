//! Many requests in flight on one session: replies are read in batches
//! (paced reads), and none is held back, mixed up or lost.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use zookit::{Client, State};
use zookit_testing::{Proxy, shared, unique_chroot};

use crate::common::{bounded, client};

/// Far below the session timeout's read deadline, which is what would end a
/// stall otherwise; far above the pacing pause.
const PROMPT: Duration = Duration::from_secs(5);

/// Held by each test of this module: one deep pipeline at a time. Their
/// thousands of requests would otherwise share the CPU (and, with the
/// embedded server, the server's threads in this process) with one
/// another, and a client starved of CPU finds replies waiting at the end of
/// every pause, as if the server kept up: pacing would rightly go on, and
/// the slow-server test could not see what it is about.
static ONE_PIPELINE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test]
async fn a_deep_pipeline_of_tiny_replies_is_not_held_back() {
    let _one_at_a_time = ONE_PIPELINE_AT_A_TIME.lock().await;
    let zk = Client::builder(shared().connect_string_with_chroot(&unique_chroot("tiny")))
        .session_timeout(Duration::from_secs(30))
        .connect()
        .await
        .unwrap();
    // 300 answers of 20 bytes each: fewer bytes than wake a paced read, so
    // the last ones arrive only through the end of the pause.
    let answers = tokio::time::timeout(PROMPT, async {
        stream::iter(0..300)
            .map(|i| {
                let zk = &zk;
                async move { zk.exists(&format!("/missing{i}")).await }
            })
            .buffer_unordered(300)
            .collect::<Vec<_>>()
            .await
    })
    .await
    .expect("every answer arrives promptly");
    assert_eq!(answers.len(), 300);
    for answer in answers {
        assert_eq!(answer.unwrap(), None);
    }
    // A lone request after the pipeline is answered at once too.
    tokio::time::timeout(PROMPT, zk.exists("/missing")).await.unwrap().unwrap();
}

#[tokio::test]
async fn every_reply_of_a_deep_pipeline_reaches_its_request() {
    let _one_at_a_time = ONE_PIPELINE_AT_A_TIME.lock().await;
    let zk = client("deep").await;
    for node in 0..50 {
        zk.create(&format!("/n{node}"), format!("value {node}")).await.unwrap();
    }
    let replies = bounded("5,000 gets, 1,000 in flight", async {
        stream::iter(0..5000)
            .map(|i| {
                let zk = &zk;
                async move { (i % 50, zk.get(&format!("/n{}", i % 50)).await) }
            })
            .buffer_unordered(1000)
            .collect::<Vec<_>>()
            .await
    })
    .await;
    assert_eq!(replies.len(), 5000);
    for (node, reply) in replies {
        let (data, stat) = reply.unwrap();
        assert_eq!(data, format!("value {node}").as_bytes());
        assert_eq!(stat.data_length as usize, data.len());
    }
}

#[tokio::test]
async fn a_cut_in_a_deep_pipeline_fails_only_what_was_in_flight() {
    let _one_at_a_time = ONE_PIPELINE_AT_A_TIME.lock().await;
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let chroot = unique_chroot("deep-cut");
    let direct = Client::connect(shared().connect_string_with_chroot(&chroot)).await.unwrap();
    direct.create("/node", "data").makepath().await.unwrap();
    let zk = Client::builder(format!("{}{chroot}", proxy.addr()))
        .session_timeout(Duration::from_secs(10))
        .connect()
        .await
        .unwrap();
    let session = zk.client_id().unwrap().0;

    let cut = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        proxy.drop_connections();
    };
    const IN_FLIGHT: usize = 1000;
    let gets = stream::iter(0..20_000)
        .map(|_| zk.get("/node"))
        .buffer_unordered(IN_FLIGHT)
        .collect::<Vec<_>>();
    let ((), replies) = bounded("20,000 gets with a cut", async { tokio::join!(cut, gets) }).await;
    let lost = replies.iter().filter(|reply| reply.is_err()).count();
    assert!(lost > 0, "the cut came before the last reply");
    // Only what was sent on the cut connection fails: at most what was in
    // flight; what was asked after the cut waits for the reconnect.
    assert!(lost <= IN_FLIGHT, "{lost} failed, more than the {IN_FLIGHT} in flight");
    for reply in replies {
        match reply {
            Ok((data, _)) => assert_eq!(data, &b"data"[..]),
            Err(err) => assert!(err.is_connection_loss(), "{err}"),
        }
    }
    let (data, _) = bounded("a get after the cut", zk.get("/node")).await.unwrap();
    assert_eq!(data, &b"data"[..]);
    assert_eq!(zk.client_id().unwrap().0, session, "the same session");
    assert_eq!(zk.state(), State::Connected);
}

/// The text of the `DEBUG` events zookit logs on this thread while the
/// guard lives (a current-thread runtime runs the client's driver here).
#[derive(Clone, Default)]
struct DebugLog(Arc<Mutex<Vec<u8>>>);

impl DebugLog {
    fn capture(&self) -> tracing::subscriber::DefaultGuard {
        let log = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter("zookit=debug")
            .with_ansi(false)
            .with_writer(move || log.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for DebugLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn reads_are_not_paced_while_the_server_is_slower_than_the_pause() {
    let _one_at_a_time = ONE_PIPELINE_AT_A_TIME.lock().await;
    let log = DebugLog::default();
    let _capture = log.capture();
    let proxy = Proxy::start(shared().member_address(0)).unwrap();
    let chroot = unique_chroot("slow");
    let direct = Client::connect(shared().connect_string_with_chroot(&chroot)).await.unwrap();
    direct.create("/node", "data").makepath().await.unwrap();
    let zk = Client::builder(format!("{}{chroot}", proxy.addr()))
        .session_timeout(Duration::from_secs(30))
        .connect()
        .await
        .unwrap();

    // A server that answers in bursts 10 ms apart, far more than a pause,
    // while 1,000 gets are in flight: the proxy holds everything back and
    // lets it through by turns.
    let bursts = async {
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            proxy.stall();
            tokio::time::sleep(Duration::from_millis(10)).await;
            proxy.pass();
        }
    };
    let gets =
        stream::iter(0..10_000).map(|_| zk.get("/node")).buffer_unordered(1000).collect::<Vec<_>>();
    let replies = bounded("10,000 gets from a slow server", async {
        tokio::select! {
            replies = gets => replies,
            () = bursts => unreachable!("the bursts go on"),
        }
    })
    .await;
    proxy.pass();
    assert_eq!(replies.len(), 10_000);
    for reply in replies {
        assert_eq!(reply.unwrap().0, &b"data"[..]);
    }
    let text = log.text();
    assert!(
        text.contains("read pacing stops: the server is slower than the pause"),
        "no pause found the server slower; zookit's debug log:\n{text}"
    );
}
