//! Transactions (`multi`) and several reads in one request (`multiRead`)
//! against the real server.

use zookit::{CreateMode, Error, ErrorCode, ErrorKind, OpOutcome, ReadOp, ReadOutcome};

use crate::common::client;

/// Asserts that `result` is the error of an op that was rolled back.
fn assert_rolled_back(result: &Result<OpOutcome, Error>, what: &str) {
    match result {
        Err(err) => assert!(err.is_rolled_back(), "{what}: {err:?}"),
        Ok(outcome) => panic!("{what}: applied ({outcome:?}) though the transaction failed"),
    }
}

#[tokio::test]
async fn a_transaction_commits_all_its_operations() {
    let zk = client("txn-commit").await;
    zk.create("/set", "v0").await.unwrap();
    zk.create("/checked", "").await.unwrap();
    zk.set("/checked", "v1").await.unwrap();
    zk.create("/gone", "").await.unwrap();

    let results = zk
        .transaction()
        .create("/new", "fresh", CreateMode::Persistent)
        .create("/new/seq-", "", CreateMode::PersistentSequential)
        .set_data("/set", "v1", 0)
        .check("/checked", 1)
        .delete("/gone", 0)
        .create("/box", "", CreateMode::Container)
        .commit()
        .await
        .unwrap();
    assert!(results.committed());
    assert!(results.failure().is_none());
    let results: Vec<OpOutcome> =
        results.into_iter().map(|r| r.expect("every op committed")).collect();
    assert_eq!(results.len(), 6, "{results:?}");
    assert_eq!(results[0], OpOutcome::Created("/new".into()));
    assert_eq!(results[1], OpOutcome::Created("/new/seq-0000000000".into()));
    let OpOutcome::SetData(stat) = &results[2] else { panic!("{:?}", results[2]) };
    assert_eq!((stat.version, stat.data_length), (1, 2));
    assert_eq!(results[3], OpOutcome::Checked);
    assert_eq!(results[4], OpOutcome::Deleted);
    assert_eq!(results[5], OpOutcome::Created("/box".into()));

    assert_eq!(&zk.get("/new").await.unwrap().0[..], b"fresh");
    assert_eq!(zk.get_children("/new").await.unwrap(), ["seq-0000000000"]);
    let (data, stat) = zk.get("/set").await.unwrap();
    assert_eq!((&data[..], stat.version), (&b"v1"[..], 1));
    assert_eq!(zk.exists("/gone").await.unwrap(), None);
    // Every op was one transaction: one zxid.
    let new = zk.exists("/new").await.unwrap().unwrap();
    assert_eq!(new.czxid, stat.mzxid);
    assert_eq!(new.czxid, zk.exists("/box").await.unwrap().unwrap().czxid);
}

#[tokio::test]
async fn a_failing_check_rolls_back_every_operation() {
    let zk = client("txn-bad-version").await;
    zk.create("/set", "before").await.unwrap();
    zk.create("/checked", "").await.unwrap();
    zk.create("/kept", "").await.unwrap();

    let results = zk
        .transaction()
        .create("/new", "", CreateMode::Persistent)
        .set_data("/set", "after", -1)
        .check("/checked", 5)
        .delete("/kept", -1)
        .commit()
        .await
        .expect("a failed transaction still has one result per op");
    assert!(!results.committed());
    let failure = results.failure().expect("why it failed");
    assert!(failure.is_bad_version() && failure.path() == Some("/checked"), "{failure:?}");
    assert_eq!(results.len(), 4);
    assert_rolled_back(&results[0], "create before the failure");
    assert_rolled_back(&results[1], "set before the failure");
    let err = results[2].as_ref().expect_err("the check fails");
    assert_eq!(err.code(), Some(ErrorCode::BadVersion), "{err:?}");
    assert!(err.is_bad_version());
    assert_eq!(err.path(), Some("/checked"));
    assert_eq!(err.op(), Some("multi"));
    assert_rolled_back(&results[3], "delete after the failure");
    for result in [&results[0], &results[1], &results[3]] {
        assert_eq!(result.as_ref().unwrap_err().code(), None, "a roll-back has no code");
    }

    // Nothing was applied.
    assert_eq!(zk.exists("/new").await.unwrap(), None);
    let (data, stat) = zk.get("/set").await.unwrap();
    assert_eq!((&data[..], stat.version), (&b"before"[..], 0));
    assert!(zk.exists("/kept").await.unwrap().is_some());
}

#[tokio::test]
async fn a_failing_create_names_its_own_error_and_path() {
    let zk = client("txn-node-exists").await;
    zk.create("/exists", "").await.unwrap();
    let results = zk
        .transaction()
        .create("/a", "", CreateMode::Persistent)
        .create("/exists", "", CreateMode::Persistent)
        .delete("/missing", -1)
        .commit()
        .await
        .unwrap();
    assert_rolled_back(&results[0], "create /a");
    let err = results[1].as_ref().unwrap_err();
    assert!(err.is_node_exists(), "{err:?}");
    assert_eq!(err.path(), Some("/exists"));
    // Only the first failure is reported; later ops are not even tried.
    assert_rolled_back(&results[2], "delete /missing");
    assert_eq!(zk.exists("/a").await.unwrap(), None);
}

#[tokio::test]
async fn an_invalid_transaction_is_refused_before_sending() {
    let zk = client("txn-invalid").await;
    for (what, bad) in [
        ("relative", "relative"),
        ("trailing slash", "/x/"),
        ("empty name", "/x//y"),
        ("dot", "/x/."),
    ] {
        let err = zk
            .transaction()
            .create("/first", "", CreateMode::Persistent)
            .set_data(bad, "", -1)
            .create("/last", "", CreateMode::Persistent)
            .commit()
            .await
            .expect_err(what);
        let Some(path_err) = crate::common::path_error(&err) else { panic!("{what}: {err:?}") };
        assert_eq!(path_err.path, bad, "{what}");
        assert!(err.to_string().contains(bad), "{what}: {err}");
    }
    let err = zk
        .transaction()
        .create("/first", "", CreateMode::Persistent)
        .create("/ttl", "", CreateMode::PersistentWithTtl)
        .commit()
        .await
        .expect_err("no TTL in a transaction");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err:?}");
    // Nothing reached the server.
    assert_eq!(zk.exists("/first").await.unwrap(), None);
    assert_eq!(zk.exists("/last").await.unwrap(), None);
}

#[tokio::test]
async fn multi_read_answers_each_read() {
    let zk = client("multi-read").await;
    zk.create("/m", "parent").await.unwrap();
    zk.create("/m/a", "alpha").await.unwrap();
    zk.create("/m/b", "").await.unwrap();

    let results = zk
        .multi_read(&[
            ReadOp::GetData("/m/a".into()),
            ReadOp::GetChildren("/m".into()),
            ReadOp::GetData("/m/missing".into()),
            ReadOp::GetChildren("/m/missing".into()),
            ReadOp::GetData("/m".into()),
        ])
        .await
        .unwrap();
    assert_eq!(results.len(), 5);
    let Ok(ReadOutcome::Data(data, stat)) = &results[0] else { panic!("{:?}", results[0]) };
    assert_eq!((&data[..], stat.data_length), (&b"alpha"[..], 5));
    let Ok(ReadOutcome::Children(children)) = &results[1] else { panic!("{:?}", results[1]) };
    let mut children = children.clone();
    children.sort();
    assert_eq!(children, ["a", "b"]);
    for (i, path) in [(2, "/m/missing"), (3, "/m/missing")] {
        let err = results[i].as_ref().expect_err("missing");
        assert!(err.is_no_node(), "{i}: {err:?}");
        assert_eq!(err.path(), Some(path), "{i}");
    }
    let Ok(ReadOutcome::Data(data, stat)) = &results[4] else { panic!("{:?}", results[4]) };
    assert_eq!((&data[..], stat.num_children), (&b"parent"[..], 2));

    let err = zk
        .multi_read(&[ReadOp::GetData("/m/a".into()), ReadOp::GetChildren("m".into())])
        .await
        .expect_err("an invalid path is refused");
    assert_eq!(err.kind(), ErrorKind::InvalidPath, "{err:?}");
}

#[tokio::test]
async fn empty_requests_have_empty_answers() {
    let zk = client("txn-empty").await;
    assert!(zk.transaction().commit().await.unwrap().is_empty());
    assert!(zk.multi_read(&[]).await.unwrap().is_empty());
    assert!(zk.exists("/").await.unwrap().is_some(), "the session is still fine");
}
