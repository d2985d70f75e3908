//! Authentication and ACLs against the real server: digest credentials in
//! the builder and at run time, `whoAmI`, an unknown scheme, ACL round trips
//! with versions, and the super user.

use std::time::Duration;

use zookit::{
    Acl, Client, ClientInfo, ClientState, ErrorCode, EventType, Id, KeeperState, Perms, State,
};
use zookit_testing::{SUPER_AUTH, SUPER_DIGEST, shared, unique_chroot};

use crate::common::{bounded, eventually};

/// Alice's credentials for the digest scheme.
const ALICE: &str = "alice:secret";

// ---- the digest ZooKeeper keeps: "user:" + base64(sha1("user:password")) ----

/// SHA-1 (FIPS 180-4) of `message`.
fn sha1(message: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0];
    let mut padded = message.to_vec();
    padded.push(0x80);
    while padded.len() % 64 != 56 {
        padded.push(0);
    }
    let bits = u64::try_from(message.len()).expect("a short message") * 8;
    padded.extend_from_slice(&bits.to_be_bytes());
    for block in padded.chunks(64) {
        let mut w = [0u32; 80];
        for (word, bytes) in w.iter_mut().zip(block.chunks(4)) {
            *word = u32::from_be_bytes(bytes.try_into().expect("4 bytes"));
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, word) in w.into_iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a.rotate_left(5).wrapping_add(f).wrapping_add(e).wrapping_add(k);
            (e, d, c, b, a) = (d, c, b.rotate_left(30), a, t.wrapping_add(word));
        }
        for (state, add) in h.iter_mut().zip([a, b, c, d, e]) {
            *state = state.wrapping_add(add);
        }
    }
    let mut digest = [0; 20];
    for (out, word) in digest.chunks_mut(4).zip(h) {
        out.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

/// Standard base64, with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            let sextet = (n >> (18 - 6 * i)) & 63;
            out.push(if i <= chunk.len() { char::from(ALPHABET[sextet as usize]) } else { '=' });
        }
    }
    out
}

/// The id of a digest ACL entry for `user:password`, as the server derives
/// it from those credentials.
fn digest_id(credentials: &str) -> String {
    let (user, _) = credentials.split_once(':').expect("user:password");
    format!("{user}:{}", base64(&sha1(credentials.as_bytes())))
}

#[test]
fn the_digest_is_computed_as_zookeeper_does() {
    assert_eq!(base64(&sha1(b"abc")), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
    assert_eq!(base64(&sha1(b"")), "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
    assert_eq!(base64(b"ab"), "YWI=");
    assert_eq!(base64(b"a"), "YQ==");
    // The super user's digest the test servers are configured with.
    assert_eq!(digest_id(SUPER_AUTH), SUPER_DIGEST);
}

// ---- helpers ----

/// A fresh chroot, created, as a connection string.
async fn fresh_chroot(name: &str) -> String {
    let connect = shared().connect_string_with_chroot(&unique_chroot(name));
    let setup = Client::connect(connect.clone()).await.expect("connects");
    setup.ensure_path("/").await.expect("the chroot is created");
    setup.close().await.expect("closes");
    connect
}

async fn connect(connect: &str) -> Client {
    Client::connect(connect).await.expect("connects")
}

async fn connect_as(connect: &str, credentials: &str) -> Client {
    Client::builder(connect).auth("digest", credentials).connect().await.expect("connects")
}

fn only_alice() -> Vec<Acl> {
    vec![Acl::new(Perms::ALL, Id::new("digest", digest_id(ALICE)))]
}

fn info(scheme: &str, user: &str) -> ClientInfo {
    ClientInfo { auth_scheme: scheme.into(), user: user.into() }
}

// ---- tests ----

#[tokio::test]
async fn the_auth_acl_stands_for_the_creators_identities() {
    let hosts = fresh_chroot("acl-creator").await;
    let alice = connect(&hosts).await;
    // Without an identity, `auth` names nobody: the server refuses it.
    let err = alice
        .create("/n", "")
        .acl(vec![Acl::new(Perms::ALL, Id::authenticated())])
        .await
        .expect_err("no identity to stand for");
    assert_eq!(err.code(), Some(ErrorCode::InvalidAcl), "{err}");

    bounded("add_auth", alice.add_auth("digest", ALICE)).await.unwrap();
    alice.create("/n", "x").acl(vec![Acl::new(Perms::ALL, Id::authenticated())]).await.unwrap();
    let (acl, stat) = alice.get_acls("/n").await.unwrap();
    assert_eq!(acl, only_alice());
    assert_eq!(stat.aversion, 0);
}

#[tokio::test]
async fn a_digest_acl_admits_only_its_user() {
    let hosts = fresh_chroot("acl-digest").await;
    let alice = connect_as(&hosts, ALICE).await;
    let anonymous = connect(&hosts).await;
    let mallory = connect_as(&hosts, "alice:wrong-password").await;
    // A digest ACL can name a user the creator is not.
    anonymous.create("/secret", "s").acl(only_alice()).await.unwrap();
    alice.create("/secret/child", "").await.unwrap();

    for (who, client) in [("anonymous", &anonymous), ("a wrong password", &mallory)] {
        let err = client.get("/secret").await.expect_err(who);
        assert!(err.is_no_auth(), "{who}: {err}");
        assert_eq!(err.path(), Some("/secret"));
        let err = client.set("/secret", "t").await.expect_err(who);
        assert!(err.is_no_auth(), "{who}: {err}");
        let err = client.get_children("/secret").await.expect_err(who);
        assert!(err.is_no_auth(), "{who}: {err}");
        let err = client.create("/secret/other", "").await.expect_err(who);
        assert!(err.is_no_auth(), "{who}: {err}");
        let err = client.delete("/secret/child").await.expect_err(who);
        assert!(err.is_no_auth(), "{who}: {err}");
        // exists checks no ACL.
        assert!(client.exists("/secret").await.unwrap().is_some(), "{who}");
    }

    assert_eq!(&alice.get("/secret").await.unwrap().0[..], b"s");
    assert_eq!(alice.set("/secret", "t").await.unwrap().version, 1);
    assert_eq!(alice.get_children("/secret").await.unwrap(), ["child"]);

    // Credentials added at run time count from then on.
    bounded("add_auth", anonymous.add_auth("digest", ALICE)).await.unwrap();
    assert_eq!(&anonymous.get("/secret").await.unwrap().0[..], b"t");
    anonymous.delete("/secret/child").await.unwrap();
    // A digest with a wrong password is accepted, and grants nothing.
    assert!(mallory.get("/secret").await.unwrap_err().is_no_auth());
}

#[tokio::test]
async fn who_am_i_lists_the_sessions_identities() {
    let hosts = fresh_chroot("who-am-i").await;
    let zk = connect(&hosts).await;
    assert_eq!(zk.who_am_i().await.unwrap(), [info("ip", "127.0.0.1")]);

    bounded("add_auth", zk.add_auth("digest", ALICE)).await.unwrap();
    bounded("add_auth", zk.add_auth("digest", "bob:pw")).await.unwrap();
    let mut identities = zk.who_am_i().await.unwrap();
    identities.sort_by(|a, b| (&a.auth_scheme, &a.user).cmp(&(&b.auth_scheme, &b.user)));
    assert_eq!(
        identities,
        [info("digest", "alice"), info("digest", "bob"), info("ip", "127.0.0.1")]
    );

    let from_builder = connect_as(&hosts, ALICE).await;
    let identities = from_builder.who_am_i().await.unwrap();
    assert!(identities.contains(&info("digest", "alice")), "{identities:?}");
    assert!(identities.contains(&info("ip", "127.0.0.1")), "{identities:?}");
}

#[tokio::test]
async fn an_unknown_scheme_fails_the_auth_and_ends_the_session() {
    let hosts = fresh_chroot("auth-failed").await;
    let zk = connect(&hosts).await;
    zk.create("/n", "").await.unwrap();
    let (_, _, watch) = zk.get_watch("/n").await.unwrap();

    let err = bounded("add_auth", zk.add_auth("no-such-scheme", "whatever")).await.unwrap_err();
    assert!(err.is_auth_failed(), "{err:?}");
    assert_eq!(err.code(), Some(ErrorCode::AuthFailed));

    eventually("the AuthFailed state", Duration::from_secs(10), || async {
        zk.client_state() == ClientState::AuthFailed
    })
    .await;
    assert_eq!(zk.state(), State::Lost);
    assert!(!zk.connected());
    let event = bounded("the terminal event", watch).await;
    assert!(event.is_terminal(), "{event:?}");
    assert_eq!((event.event_type, event.state), (EventType::None, KeeperState::AuthFailed));
    let err = zk.get("/n").await.expect_err("the session is over");
    assert!(err.is_auth_failed(), "{err:?}");
}

#[tokio::test]
async fn set_acls_and_get_acls_round_trip_with_versions() {
    let hosts = fresh_chroot("acl-versions").await;
    let zk = connect_as(&hosts, ALICE).await;
    let anonymous = connect(&hosts).await;
    zk.create("/n", "data").await.unwrap();
    let (acl, stat) = zk.get_acls("/n").await.unwrap();
    assert_eq!(acl, [Acl::new(Perms::ALL, Id::anyone())], "the default ACL");
    assert_eq!(stat.aversion, 0);

    let read_only = vec![
        Acl::new(Perms::READ, Id::anyone()),
        Acl::new(Perms::ALL, Id::new("digest", digest_id(ALICE))),
    ];
    let stat = zk.set_acls("/n", read_only.clone()).version(0).await.unwrap();
    assert_eq!((stat.aversion, stat.version), (1, 0), "the ACL version moved, not the data's");
    let err = zk.set_acls("/n", read_only.clone()).version(0).await.expect_err("a stale version");
    assert!(err.is_bad_version(), "{err}");
    assert_eq!(err.to_string(), "setACL /n: BadVersion (version does not match)");
    let (acl, stat) = zk.get_acls("/n").await.unwrap();
    assert_eq!(acl, read_only);
    assert_eq!(stat.aversion, 1);

    // Everyone reads; only alice writes and administers.
    assert_eq!(&anonymous.get("/n").await.unwrap().0[..], b"data");
    assert!(anonymous.set("/n", "x").await.unwrap_err().is_no_auth());
    let err = anonymous.set_acls("/n", vec![Acl::new(Perms::ALL, Id::anyone())]).await;
    assert!(err.unwrap_err().is_no_auth());
    bounded("add_auth", anonymous.add_auth("digest", ALICE)).await.unwrap();
    anonymous.set("/n", "x").await.unwrap();
    let stat = anonymous.set_acls("/n", vec![Acl::new(Perms::ALL, Id::anyone())]).await.unwrap();
    assert_eq!(stat.aversion, 2, "version -1 (the default) sets any version");

    let err = zk.set_acls("/n", vec![]).await.expect_err("an empty ACL");
    assert_eq!(err.code(), Some(ErrorCode::InvalidAcl), "{err}");
    let err = zk.get_acls("/missing").await.expect_err("no node");
    assert!(err.is_no_node(), "{err}");
}

#[tokio::test]
async fn the_super_user_may_do_what_nobody_else_may() {
    let hosts = fresh_chroot("acl-super").await;
    let alice = connect_as(&hosts, ALICE).await;
    alice.create("/private", "mine").acl(only_alice()).await.unwrap();
    alice.create("/private/child", "").acl(only_alice()).await.unwrap();
    let anonymous = connect(&hosts).await;
    assert!(anonymous.get("/private").await.unwrap_err().is_no_auth());

    let root = Client::builder(hosts.as_str()).auth("digest", SUPER_AUTH).connect().await.unwrap();
    assert_eq!(&root.get("/private").await.unwrap().0[..], b"mine");
    assert_eq!(root.get_children("/private").await.unwrap(), ["child"]);
    root.set("/private", "taken").await.unwrap();
    root.set_acls("/private", vec![Acl::new(Perms::READ, Id::anyone())]).await.unwrap();
    assert_eq!(&anonymous.get("/private").await.unwrap().0[..], b"taken");
    root.delete("/private").recursive().await.unwrap();
    assert_eq!(alice.exists("/private").await.unwrap(), None);
    assert!(root.who_am_i().await.unwrap().contains(&info("digest", "super")));
}

#[tokio::test]
async fn after_a_refused_add_auth_the_client_can_start_a_new_session() {
    let hosts = fresh_chroot("auth-failed-restart").await;
    let zk = connect(&hosts).await;
    let err = bounded("add_auth", zk.add_auth("no-such-scheme", "whatever")).await.unwrap_err();
    assert!(err.is_auth_failed(), "{err:?}");
    eventually("the AuthFailed state", Duration::from_secs(10), || async {
        zk.client_state() == ClientState::AuthFailed
    })
    .await;
    // `start` begins a new session; the credentials the server refused
    // must not be sent again, or no session can ever be had.
    bounded("start", zk.start()).await.expect("a new session");
    assert_eq!(zk.client_state(), ClientState::Connected);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(zk.client_state(), ClientState::Connected, "still connected");
    assert!(zk.exists("/").await.unwrap().is_some());
}
