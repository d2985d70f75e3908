//! Failover and read-only mode in a real 3-member ensemble.

// A real quorum: a leader elected again, read-only mode, reconfiguration.
mod apache_only {
    use std::time::Duration;

    use zookit::{Client, ClientState, ErrorCode};
    use zookit_testing::Ensemble;

    use crate::common::bounded;
    use crate::states::wait_for_state;

    #[tokio::test]
    async fn the_session_survives_the_leader_being_killed() {
        let ensemble = Ensemble::start(3).unwrap();
        let zk = Client::connect(ensemble.connect_string()).await.unwrap();
        zk.create("/eph", "").ephemeral().await.unwrap();
        let session = zk.client_id().unwrap().0;
        let mut changes = zk.state_changes();

        let leader = ensemble.leader().unwrap();
        ensemble.kill(leader).unwrap();
        let new_leader = ensemble.wait_for_leader(Duration::from_secs(60)).unwrap();
        assert_ne!(new_leader, leader);
        // Every member drops its clients when the leader goes.
        bounded("suspended", async {
            while changes.next().await.unwrap().client_state != ClientState::Connecting {}
        })
        .await;
        wait_for_state(&zk, ClientState::Connected).await;

        assert_eq!(zk.client_id().unwrap().0, session, "the same session");
        let stat =
            bounded("exists", zk.exists("/eph")).await.unwrap().expect("the ephemeral survives");
        assert_eq!(stat.ephemeral_owner, session);
        zk.create("/after", "").await.unwrap();
    }

    #[tokio::test]
    async fn read_only_when_the_quorum_is_gone_and_back_to_read_write() {
        let ensemble = Ensemble::builder().members(3).read_only_mode(true).start().unwrap();
        let zk = Client::builder(ensemble.connect_string())
            .read_only(true)
            .session_timeout(Duration::from_secs(3))
            .connect()
            .await
            .unwrap();
        zk.create("/data", "kept").await.unwrap();

        // Only one member is left: it serves read-only. It is the member the
        // client is connected to, which has seen every write the client saw (a
        // server behind the client's last zxid refuses it, rightly).
        let server = zk.server().unwrap();
        let survivor = (0..3).find(|&i| ensemble.member_address(i).to_string() == server).unwrap();
        let others: Vec<usize> = (0..3).filter(|&i| i != survivor).collect();
        for &i in &others {
            ensemble.stop(i).unwrap();
        }
        ensemble.wait_for_mode(survivor, "read-only", Duration::from_secs(60)).unwrap();
        // A read-only server refuses the quorum's session; once it is lost, the
        // client takes a new, read-only session.
        wait_for_state(&zk, ClientState::ConnectedReadOnly).await;
        let (data, _) = zk.get("/data").await.unwrap();
        assert_eq!(&data[..], b"kept");
        let err = zk.create("/write", "").await.unwrap_err();
        assert_eq!(err.code(), Some(ErrorCode::NotReadOnly), "{err}");

        // The quorum returns: the client moves to a read-write server.
        for &i in &others {
            ensemble.start_member_no_wait(i).unwrap();
        }
        ensemble.wait_for_leader(Duration::from_secs(60)).unwrap();
        wait_for_state(&zk, ClientState::Connected).await;
        zk.create("/write", "").await.unwrap();
    }

    #[tokio::test]
    async fn reconfig_removes_a_member_and_adds_it_back_and_the_client_follows() {
        let ensemble = Ensemble::start(3).unwrap();
        // Connected to member 3 (the order is kept), knowing every member.
        let hosts: Vec<String> = [2, 0, 1].map(|i| ensemble.member_address(i).to_string()).into();
        let zk = Client::builder(hosts.join(","))
            .randomize_hosts(false)
            .auth("digest", zookit_testing::SUPER_AUTH)
            .connect()
            .await
            .unwrap();
        assert_eq!(zk.server().as_deref(), Some(hosts[0].as_str()));
        zk.create("/eph", "").ephemeral().await.unwrap();
        let session = zk.client_id().unwrap().0;
        let (config, _) = zk.get_config().await.unwrap();
        let config = String::from_utf8(config.to_vec()).unwrap();
        let third =
            config.lines().find(|l| l.starts_with("server.3=")).expect("member 3").to_owned();

        let mut changes = zk.state_changes();
        let (removed, _) = zk.reconfig(None, Some("3"), None, -1).await.unwrap();
        let removed = String::from_utf8(removed.to_vec()).unwrap();
        assert!(!removed.contains("server.3="), "{removed}");
        assert!(removed.contains("server.1=") && removed.contains("server.2="), "{removed}");
        // The removed member drops its clients: the client moves on, same session.
        bounded("moved off the removed member", async {
            while changes.next().await.unwrap().client_state != ClientState::Connecting {}
            while changes.next().await.unwrap().client_state != ClientState::Connected {}
        })
        .await;
        assert_ne!(zk.server().as_deref(), Some(hosts[0].as_str()));
        assert_eq!(zk.client_id().unwrap().0, session);
        assert!(bounded("the ephemeral", zk.exists("/eph")).await.unwrap().is_some());

        // Added back (incrementally, with its old spec): the config says so.
        let (added, stat) =
            bounded("reconfig", zk.reconfig(Some(&third), None, None, -1)).await.unwrap();
        let added = String::from_utf8(added.to_vec()).unwrap();
        assert!(added.contains(&third), "{added}");
        let (now, now_stat) = zk.get_config().await.unwrap();
        assert_eq!(
            (now, now_stat.mzxid),
            (added.into(), stat.mzxid),
            "what reconfig answered is the config"
        );
        assert_eq!(zk.client_id().unwrap().0, session);
    }
}
