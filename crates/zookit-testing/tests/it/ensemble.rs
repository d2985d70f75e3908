use std::time::Duration;

use zookit_testing::Ensemble;

use crate::TestResult;

const WAIT: Duration = Duration::from_secs(60);

#[test]
fn three_members_elect_fail_over_rejoin_and_go_read_only() -> TestResult {
    let zk = Ensemble::builder().members(3).read_only_mode(true).start()?;
    assert_eq!(zk.len(), 3);
    assert!(!zk.is_standalone());
    let expected: Vec<String> =
        (0..3).map(|i| format!("127.0.0.1:{}", zk.client_port(i))).collect();
    assert_eq!(zk.connect_string(), expected.join(","));

    let modes: Vec<Option<String>> = (0..3).map(|i| zk.mode(i)).collect();
    let leaders = modes.iter().filter(|m| m.as_deref() == Some("leader")).count();
    let followers = modes.iter().filter(|m| m.as_deref() == Some("follower")).count();
    assert_eq!((leaders, followers), (1, 2), "modes: {modes:?}");
    let leader = zk.leader().expect("one leader");
    assert_eq!(modes[leader].as_deref(), Some("leader"));
    assert!(zk.four_letter(leader, "mntr")?.contains("zk_server_state\tleader"));

    // Fail-over: a surviving member takes over.
    zk.kill(leader)?;
    assert!(!zk.is_running(leader));
    let new_leader = zk.wait_for_leader(WAIT)?;
    assert_ne!(new_leader, leader);

    // The old leader rejoins as a follower.
    zk.restart(leader)?;
    assert_eq!(zk.mode(leader).as_deref(), Some("follower"));
    assert_eq!(zk.leader(), Some(new_leader));

    // Without a quorum, the last member serves read-only.
    let others: Vec<usize> = (0..3).filter(|&i| i != new_leader).collect();
    zk.stop(others[0])?;
    zk.stop(others[1])?;
    zk.wait_for_mode(new_leader, "read-only", WAIT)?;
    assert_eq!(zk.leader(), None);

    // Back to a quorum: start one member without waiting, then wait for both.
    zk.start_member_no_wait(others[0])?;
    zk.wait_until_serving(others[0], WAIT)?;
    zk.wait_until_serving(new_leader, WAIT)?;
    zk.wait_for_leader(WAIT)?;
    Ok(())
}
