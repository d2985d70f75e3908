//! zc.zk's `acl` argument of `register` and `create`, async and blocking:
//! the ACL the server holds, and a client without the credentials refused.

use zookit::acl::make_digest_acl;
use zookit::{Acl, Client, ErrorCode, Id, Perms};
use zookit_registry::value::Map;
use zookit_registry::{ZooKeeper, blocking, read_acl_unsafe};

use crate::support::chroot_hosts;

/// The owner's credentials and the ACL giving them everything.
const OWNER: (&str, &str) = ("owner", "owner-secret");

fn owner_only() -> Vec<Acl> {
    vec![make_digest_acl(OWNER.0, OWNER.1, Perms::ALL)]
}

/// The world may read; the owner may do everything.
fn readable_by_all() -> Vec<Acl> {
    vec![Acl::new(Perms::READ, Id::anyone()), make_digest_acl(OWNER.0, OWNER.1, Perms::ALL)]
}

fn owner_options(hosts: &str) -> zookit::ClientBuilder {
    Client::builder(hosts).auth("digest", format!("{}:{}", OWNER.0, OWNER.1))
}

#[tokio::test]
async fn register_and_create_take_an_acl() {
    let hosts = chroot_hosts("acl");
    let owner = ZooKeeper::builder().client(owner_options(&hosts)).connect().await.unwrap();
    let stranger = ZooKeeper::connect(Some(&hosts)).await.unwrap();

    assert_eq!(owner.create("/svc", "{}", Some(owner_only())).await.unwrap(), "/svc");
    assert_eq!(owner.client().get_acls("/svc").await.unwrap().0, owner_only());
    owner.create("/svc/providers", "", Some(readable_by_all())).await.unwrap();
    let registered = owner
        .register("/svc/providers", "10.0.0.1:80", Some(owner_only()), Map::new())
        .await
        .unwrap();
    assert_eq!(registered, ["/svc/providers/10.0.0.1:80"]);
    assert_eq!(owner.client().get_acls(&registered[0]).await.unwrap().0, owner_only());
    assert!(owner.get_properties(&registered[0]).await.unwrap().contains_key("pid"));

    // A client without the credentials is refused.
    for refused in [
        stranger.get("/svc").await.map(drop),
        stranger.get_properties(&registered[0]).await.map(drop),
        stranger.create("/svc/x", "", None).await.map(drop),
        stranger.register("/svc/providers", "10.0.0.2:80", None, Map::new()).await.map(drop),
    ] {
        assert_eq!(refused.unwrap_err().code(), Some(ErrorCode::NoAuth));
    }

    // Without an ACL: zc.zk's defaults, the client's default ACL for
    // `create` (open) and READ_ACL_UNSAFE for registrations.
    stranger.create("/open", "", None).await.unwrap();
    assert_eq!(
        stranger.client().get_acls("/open").await.unwrap().0,
        zookit::acl::open_acl_unsafe()
    );
    let registered =
        owner.register("/svc/providers", "10.0.0.3:80", None, Map::new()).await.unwrap();
    assert_eq!(owner.client().get_acls(&registered[0]).await.unwrap().0, read_acl_unsafe());
    assert!(stranger.get_properties(&registered[0]).await.is_ok(), "readable by all");
    let refused = stranger.set(&registered[0], "{}").await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::NoAuth));
}

#[test]
fn blocking_register_and_create_take_an_acl() {
    let hosts = chroot_hosts("blocking-acl");
    let owner =
        blocking::ZooKeeper::builder().client(owner_options(&hosts).blocking()).connect().unwrap();
    let stranger = blocking::ZooKeeper::connect(Some(&hosts), None, None).unwrap();

    owner.create("/svc", "", Some(readable_by_all())).unwrap();
    assert_eq!(owner.client().get_acls("/svc").unwrap().0, readable_by_all());
    let registered = owner.register("/svc", "10.0.0.1:80", Some(owner_only()), Map::new()).unwrap();
    assert_eq!(owner.client().get_acls(&registered[0]).unwrap().0, owner_only());
    assert_eq!(stranger.get_children("/svc").unwrap(), ["10.0.0.1:80"]);
    assert_eq!(stranger.get(&registered[0]).unwrap_err().code(), Some(ErrorCode::NoAuth));
    assert_eq!(stranger.create("/svc/x", "", None).unwrap_err().code(), Some(ErrorCode::NoAuth));
}
