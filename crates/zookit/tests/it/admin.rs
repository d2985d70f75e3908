//! The session's facts (id, timeout, states, server) and the administrative
//! calls: server version, four-letter words, `getConfig`, `whoAmI`.

use std::time::Duration;

use zookit::{Client, ClientInfo, ClientState, ErrorCode, State};
use zookit_testing::shared;

use crate::common::{bounded, builder, client};

#[tokio::test]
async fn the_server_is_zookeeper_3_8() {
    let zk = client("admin-version").await;
    let (major, minor, _) = zk.server_version().await.unwrap();
    assert_eq!((major, minor), (3, 8));
}

#[tokio::test]
async fn four_letter_words_go_to_the_connected_server() {
    let zk = client("admin-command").await;
    assert_eq!(zk.command("ruok").await.unwrap(), "imok");
    let srvr = zk.command("srvr").await.unwrap();
    assert!(srvr.contains("Mode: standalone"), "{srvr}");
    assert_eq!(
        zk.server().as_deref(),
        Some(shared().member_address(0).to_string().as_str()),
        "the server the client is connected to"
    );

    zk.stop().await.unwrap();
    let err = zk.command("ruok").await.expect_err("not connected");
    assert!(err.is_connection_loss(), "{err:?}");
}

#[tokio::test]
async fn get_config_works_on_a_standalone_server() {
    // Through a chroot: /zookeeper/config is not below it.
    let zk = client("admin-config").await;
    let (data, stat) = zk.get_config().await.expect("getConfig");
    // A standalone server has no dynamic configuration: its config node is
    // empty, made with the tree (zxid 0), its ACL version -1.
    assert_eq!(&data[..], b"", "{data:?}");
    assert_eq!((stat.czxid, stat.version, stat.aversion, stat.data_length), (0, 0, -1, 0));
}

#[tokio::test]
async fn reconfig_is_refused_by_a_standalone_server() {
    let zk = Client::builder(shared().connect_string())
        .auth("digest", zookit_testing::SUPER_AUTH)
        .connect()
        .await
        .unwrap();
    let err = zk.reconfig(None, Some("1"), None, -1).await.expect_err("standalone");
    assert!(
        matches!(err.code(), Some(ErrorCode::Unimplemented | ErrorCode::ReconfigDisabled)),
        "{err:?}"
    );
    assert_eq!(err.op(), Some("reconfig"));
}

#[tokio::test]
async fn who_am_i_names_the_client_address() {
    let zk = client("admin-who").await;
    let identities = zk.who_am_i().await.unwrap();
    assert_eq!(identities, [ClientInfo { auth_scheme: "ip".into(), user: "127.0.0.1".into() }]);
}

#[tokio::test]
async fn the_session_id_is_stable_and_its_own() {
    let zk = client("admin-id").await;
    let (id, password) = zk.client_id().expect("a session after connecting");
    assert_ne!(id, 0);
    assert_eq!(password.len(), 16);
    assert_eq!(zk.client_id(), Some((id, password.clone())));
    zk.exists("/").await.unwrap();
    assert_eq!(zk.client_id(), Some((id, password.clone())), "the same after a request");
    assert_eq!(zk.clone().client_id().map(|(id, _)| id), Some(id), "clones share the session");

    let other = client("admin-id-other").await;
    assert_ne!(other.client_id().unwrap().0, id, "another client has another session");

    zk.restart().await.unwrap();
    assert_ne!(zk.client_id().unwrap().0, id, "a restart begins a new session");
}

#[tokio::test]
async fn the_session_timeout_is_what_was_asked_within_the_servers_bounds() {
    // The test servers allow 1 s to 60 s.
    for (asked, granted) in [
        (Duration::from_secs(4), Duration::from_secs(4)),
        (Duration::from_millis(2500), Duration::from_millis(2500)),
        (Duration::from_millis(200), Duration::from_secs(1)),
        (Duration::from_secs(120), Duration::from_secs(60)),
    ] {
        let zk = builder("admin-timeout").session_timeout(asked).connect().await.unwrap();
        assert_eq!(zk.session_timeout(), Some(granted), "asked {asked:?}");
        zk.close().await.unwrap();
    }
}

#[tokio::test]
async fn states_while_connected_and_after_stopping() {
    let zk = builder("admin-states").build().unwrap();
    assert!(!zk.connected());
    assert_eq!(zk.client_state(), ClientState::Closed, "not started");
    assert_eq!(zk.client_id(), None);
    assert_eq!(zk.session_timeout(), None);
    assert_eq!(zk.server(), None);

    bounded("start", zk.start()).await.unwrap();
    assert!(zk.connected());
    assert_eq!(zk.state(), State::Connected);
    assert_eq!(zk.client_state(), ClientState::Connected);
    assert!(zk.server().is_some());
    assert!(zk.chroot().is_some());

    bounded("stop", zk.stop()).await.unwrap();
    assert!(!zk.connected());
    assert_eq!(zk.state(), State::Lost);
    assert_eq!(zk.client_state(), ClientState::Closed);
    assert_eq!(zk.server(), None);
    let err = zk.exists("/").await.expect_err("stopped");
    assert!(err.is_closed(), "{err:?}");
    assert_eq!(err.code(), None);

    bounded("start again", zk.start()).await.unwrap();
    assert_eq!(zk.client_state(), ClientState::Connected);
    assert!(zk.exists("/").await.is_ok());
}

#[tokio::test]
async fn an_unknown_four_letter_word_is_refused() {
    let zk = client("admin-bad-word").await;
    let err = zk.command("nope!").await.expect_err("not a word");
    assert_eq!(err.code(), None::<ErrorCode>, "refused by the client: {err:?}");
}

#[tokio::test]
async fn errors_of_operations_without_a_path_name_none() {
    let zk = client("admin-no-path").await;
    zk.stop().await.unwrap();
    let err = zk.who_am_i().await.expect_err("stopped");
    assert!(err.is_closed(), "{err:?}");
    assert_eq!((err.op(), err.path()), (Some("whoAmI"), None));
    assert_eq!(err.to_string(), "whoAmI: the client is closed");
    let err = zk.multi_read(&[]).await.expect_err("stopped");
    assert_eq!((err.op(), err.path()), (Some("multiRead"), None));
    assert_eq!(err.to_string(), "multiRead: the client is closed");
}
