//! ACLs: the world, auth, digest, ip and super schemes, and the permission
//! each operation needs.

use bytes::Bytes;
use zookit_proto::{Acl, AuthPacket, CreateMode, GetAllChildrenNumberRequest, Id, Perms, Request};

use super::*;
use crate::support::scenario::{Scenario, differential};

fn auth(scheme: &str, credentials: &str) -> Request {
    Request::Auth(AuthPacket {
        auth_type: 0,
        scheme: scheme.to_owned(),
        auth: Bytes::copy_from_slice(credentials.as_bytes()),
    })
}

/// Every operation `who` can try on `path` (a znode with a child `c`).
fn try_everything(s: &mut Scenario, who: &str, path: &str) {
    let child = format!("{path}/c");
    let new = format!("{path}/new");
    s.call(who, get(path, false));
    s.call(who, exists(path, false));
    s.call(who, children(path, false));
    s.call(who, children2(path, false));
    s.call(who, get_acl(path));
    s.call(
        who,
        Request::GetAllChildrenNumber(GetAllChildrenNumberRequest { path: path.to_owned() }),
    );
    s.call(who, set(path, b"changed", -1));
    s.call(who, create(&new, CreateMode::Persistent));
    s.call(who, delete(&new, -1));
    s.call(who, set(&child, b"child", -1));
    s.call(who, delete(&child, 5));
    let acl = s.call(who, set_acl(path, vec![Acl::new(Perms::ALL, Id::anyone())], 99));
    let _ = acl;
}

#[test]
fn each_operation_needs_its_permission() {
    differential("acl-perms", |s| {
        s.connect("owner");
        s.connect("other");
        let root = s.p("");
        s.call("owner", create(&root, CreateMode::Persistent));
        s.call("owner", auth("digest", "owner:pw"));
        for perms in [
            Perms::READ,
            Perms::WRITE,
            Perms::CREATE,
            Perms::DELETE,
            Perms::ADMIN,
            Perms::READ | Perms::ADMIN,
        ] {
            let path = s.p(&format!("/p{}", perms.bits()));
            let acl =
                vec![Acl::new(perms, Id::anyone()), Acl::new(Perms::ALL, Id::new("auth", ""))];
            s.call("owner", Request::Create(create_with(&path, b"", acl, CreateMode::Persistent)));
            let child = format!("{path}/c");
            s.call("owner", create(&child, CreateMode::Persistent));
            try_everything(s, "other", &path);
        }
    });
}

#[test]
fn digest_auth_and_the_super_user() {
    differential("acl-digest", |s| {
        s.connect("alice");
        s.connect("bob");
        s.connect("root");
        let base = s.p("");
        s.call("alice", create(&base, CreateMode::Persistent));
        s.call("alice", auth("digest", "alice:secret"));
        s.call("alice", auth("digest", "alice:secret"));
        s.call("alice", auth("digest", "nopassword"));
        s.call("alice", auth("ip", "ignored"));
        s.call("alice", Request::WhoAmI);
        let mine = s.p("/alice");
        let acl = vec![Acl::new(Perms::ALL, Id::new("auth", ""))];
        s.call(
            "alice",
            Request::Create(create_with(&mine, b"private", acl, CreateMode::Persistent)),
        );
        s.call("alice", get_acl(&mine));
        let child = s.p("/alice/c");
        s.call("alice", create(&child, CreateMode::Persistent));
        try_everything(s, "bob", &mine);
        s.call("bob", auth("digest", "alice:wrong"));
        try_everything(s, "bob", &mine);
        s.call("bob", auth("digest", "alice:secret"));
        s.call("bob", get(&mine, false));
        s.call("bob", Request::WhoAmI);
        s.call("root", auth("digest", zookit_testing::SUPER_AUTH));
        s.call("root", Request::WhoAmI);
        try_everything(s, "root", &mine);
        // The super user's `auth` ACL is its digest identity.
        let by_super = s.p("/super");
        s.call(
            "root",
            Request::Create(create_with(
                &by_super,
                b"",
                vec![Acl::new(Perms::READ, Id::new("auth", ""))],
                CreateMode::Persistent,
            )),
        );
        s.call("root", get_acl(&by_super));
        // Without ADMIN, digests are hidden from getACL.
        let shown = s.p("/shown");
        let acl = vec![
            Acl::new(Perms::READ, Id::anyone()),
            Acl::new(Perms::ALL, Id::new("digest", "carol:hash=")),
            Acl::new(Perms::ALL, Id::new("digest", "dave:a:b:")),
        ];
        s.call("root", Request::Create(create_with(&shown, b"", acl, CreateMode::Persistent)));
        s.call("bob", get_acl(&shown));
        s.call("root", get_acl(&shown));
        s.call("root", set_acl(&shown, vec![Acl::new(Perms::READ, Id::new("auth", ""))], 0));
        s.call("root", set_acl(&shown, vec![Acl::new(Perms::READ, Id::new("auth", ""))], 0));
        s.call("root", set_acl(&shown, vec![], -1));
        s.call("root", set_acl(&s.p("/none"), vec![Acl::new(Perms::READ, Id::anyone())], -1));
        s.call(
            "root",
            set_acl(&format!("{shown}/"), vec![Acl::new(Perms::READ, Id::anyone())], -1),
        );
        s.call("root", get_acl(&shown));
        // An unknown scheme fails and ends the connection.
        s.call("bob", auth("kerberos", "x"));
        s.expect_closed("bob");
    });
}

#[test]
fn ip_acls_match_the_clients_address() {
    differential("acl-ip", |s| {
        s.connect("a");
        let base = s.p("");
        s.call("a", create(&base, CreateMode::Persistent));
        for (i, expr) in [
            "127.0.0.1",
            "127.0.0.0/8",
            "127.0.0.2",
            "10.0.0.0/8",
            "0.0.0.0/0",
            "127.0.0.1/32",
            "127.1.0.0/+8",
            "127.0.0.1/0",
        ]
        .iter()
        .enumerate()
        {
            let path = s.p(&format!("/ip{i}"));
            let acl = vec![Acl::new(Perms::READ | Perms::ADMIN, Id::new("ip", *expr))];
            s.call(
                "a",
                Request::Create(create_with(&path, expr.as_bytes(), acl, CreateMode::Persistent)),
            );
            s.call("a", get(&path, false));
            s.call("a", set(&path, b"", -1));
        }
        s.call("a", Request::WhoAmI);
        let with_auth = s.p("/auth-ip");
        s.call(
            "a",
            Request::Create(create_with(
                &with_auth,
                b"",
                vec![Acl::new(Perms::ALL, Id::new("auth", ""))],
                CreateMode::Persistent,
            )),
        );
    });
}
