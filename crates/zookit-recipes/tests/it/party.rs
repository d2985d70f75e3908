//! Party and ShallowParty: kazoo's documented behaviour, session loss, the
//! blocking forms, and stopped clients.

use std::time::Instant;

use zookit_recipes::{Party, ShallowParty};

use crate::barriers::{
    WAIT, assert_closed, blocking_sessions, dead_blocking_clients, dead_clients, kids, sessions,
    until_true,
};

fn sorted(mut members: Vec<String>) -> Vec<String> {
    members.sort();
    members
}

#[tokio::test]
async fn members_join_are_listed_and_leave() {
    let zk = sessions("party", 3).await;
    let parties: Vec<Party> = zk
        .iter()
        .enumerate()
        .map(|(i, c)| Party::new(c, "/party", &format!("member-{i}")))
        .collect();
    assert_eq!(parties[0].len().await.unwrap(), 0, "no party yet: no members");
    assert!(parties[0].is_empty().await.unwrap());
    for party in &parties {
        assert!(!party.participating());
        party.join().await.unwrap();
        assert!(party.participating());
    }
    assert_eq!(parties[1].len().await.unwrap(), 3);
    assert_eq!(sorted(parties[2].members().await.unwrap()), ["member-0", "member-1", "member-2"]);
    // kazoo's layout: `<uuid hex>__party__` nodes holding the identifier.
    for node in kids(&zk[0], "/party").await {
        assert_eq!(node.len(), 32 + "__party__".len(), "{node}");
        assert!(node.ends_with("__party__"), "{node}");
    }

    assert!(parties[1].leave().await.unwrap());
    assert!(!parties[1].participating());
    assert!(!parties[1].leave().await.unwrap(), "not a member any more");
    assert_eq!(sorted(parties[0].members().await.unwrap()), ["member-0", "member-2"]);
    assert_eq!(parties[0].len().await.unwrap(), 2);
}

#[tokio::test]
async fn joining_twice_is_one_membership() {
    let zk = sessions("party-twice", 1).await;
    let party = Party::new(&zk[0], "/party", "me");
    party.join().await.unwrap();
    party.join().await.unwrap();
    party.clone().join().await.unwrap();
    assert_eq!(party.len().await.unwrap(), 1);
}

#[tokio::test]
async fn a_party_counts_only_its_members_nodes() {
    let zk = sessions("party-others", 1).await;
    let party = Party::new(&zk[0], "/party", "me");
    party.join().await.unwrap();
    zk[0].create("/party/not-a-member", "x").await.unwrap();
    assert_eq!(party.len().await.unwrap(), 1);
    assert_eq!(party.members().await.unwrap(), ["me"]);
}

#[tokio::test]
async fn a_member_leaves_with_its_session() {
    let zk = sessions("party-session", 2).await;
    let gone = Party::new(&zk[1], "/party", "gone");
    let stays = Party::new(&zk[0], "/party", "stays");
    gone.join().await.unwrap();
    stays.join().await.unwrap();
    zk[1].stop().await.unwrap();
    assert_eq!(stays.members().await.unwrap(), ["stays"], "the ephemeral node went at once");
}

#[tokio::test]
async fn a_shallow_party_names_members_by_their_node() {
    let zk = sessions("shallow", 3).await;
    let parties: Vec<ShallowParty> = zk
        .iter()
        .enumerate()
        .map(|(i, c)| ShallowParty::new(c, "/shallow", &format!("host-{i}")).unwrap())
        .collect();
    for party in &parties {
        party.join().await.unwrap();
    }
    assert_eq!(parties[0].len().await.unwrap(), 3);
    assert_eq!(sorted(parties[1].members().await.unwrap()), ["host-0", "host-1", "host-2"]);
    // kazoo's layout: `<uuid hex>-<identifier>`.
    let nodes = kids(&zk[0], "/shallow").await;
    assert!(
        nodes.iter().any(|n| n.len() == 33 + "host-0".len() && n.ends_with("-host-0")),
        "{nodes:?}"
    );

    assert!(parties[2].leave().await.unwrap());
    until_true("two left", WAIT, || async { parties[0].len().await.unwrap() == 2 }).await;
    assert_eq!(sorted(parties[0].members().await.unwrap()), ["host-0", "host-1"]);

    // The identifier is part of a node name.
    let err = ShallowParty::new(&zk[0], "/shallow", "a/b").unwrap_err();
    assert!(err.is_invalid_argument(), "{err}");
}

#[tokio::test]
async fn parties_fail_at_once_on_stopped_and_unstarted_clients() {
    for zk in dead_clients("party-dead").await {
        let began = Instant::now();
        let party = Party::new(&zk, "/party", "x");
        assert_closed("join", began, party.join().await);
        assert!(!party.participating());
        assert_closed("len", began, party.len().await);
        assert_closed("members", began, party.members().await);
        assert_closed("leave", began, party.leave().await);
        let shallow = ShallowParty::new(&zk, "/shallow", "x").unwrap();
        assert_closed("shallow join", began, shallow.join().await);
        assert_closed("shallow members", began, shallow.members().await);
    }
}

#[test]
fn blocking_parties() {
    let zk = blocking_sessions("party-blocking", 2);
    let a = zookit_recipes::blocking::Party::new(&zk[0], "/party", "a");
    let b = zookit_recipes::blocking::Party::new(&zk[1], "/party", "b");
    a.join().unwrap();
    b.join().unwrap();
    assert_eq!(a.len().unwrap(), 2);
    assert_eq!(sorted(b.members().unwrap()), ["a", "b"]);
    assert!(b.leave().unwrap());
    assert_eq!(a.members().unwrap(), ["a"]);

    let shallow = zookit_recipes::blocking::ShallowParty::new(&zk[0], "/shallow", "s").unwrap();
    shallow.join().unwrap();
    assert!(shallow.participating());
    assert_eq!(shallow.members().unwrap(), ["s"]);
    assert!(shallow.leave().unwrap());
    assert!(shallow.is_empty().unwrap());
}

#[test]
fn blocking_parties_fail_at_once_on_stopped_and_unstarted_clients() {
    for zk in dead_blocking_clients("party-blocking-dead") {
        let began = Instant::now();
        let party = zookit_recipes::blocking::Party::new(&zk, "/party", "x");
        assert_closed("join", began, party.join());
        assert_closed("members", began, party.members());
    }
}
