use std::path::Path;
use std::time::Duration;

use zookit_testing::{Ensemble, Error};

use crate::TestResult;

/// The `Zxid: 0x...` value of a `srvr` answer.
fn zxid(srvr: &str) -> Option<String> {
    srvr.lines().find_map(|l| l.strip_prefix("Zxid:")).map(|z| z.trim().to_string())
}

#[test]
fn standalone_serves_stops_restarts_and_dies() -> TestResult {
    let zk = Ensemble::standalone()?;
    assert_eq!(zk.len(), 1);
    assert!(zk.is_standalone());
    let port = zk.client_port(0);
    assert_eq!(zk.connect_string(), format!("127.0.0.1:{port}"));
    assert_eq!(zk.member_address(0).port(), port);
    assert_eq!(zk.four_letter(0, "ruok")?, "imok");
    let srvr = zk.four_letter(0, "srvr")?;
    assert!(srvr.contains("Mode: standalone"), "{srvr}");
    assert_eq!(zk.mode(0).as_deref(), Some("standalone"));
    assert_eq!(zk.leader(), Some(0));
    assert!(zk.is_running(0));
    let pid = zk.pid(0).expect("pid of a running member");
    let pid_file = zk.member_dir(0).join("java.pid");
    assert_eq!(std::fs::read_to_string(&pid_file)?.trim(), pid.to_string());
    assert!(zk.log_tail(0, 40).contains("binding to port"));
    let zxid_before = zxid(&srvr).expect("srvr has a Zxid line");

    zk.stop(0)?;
    assert!(!zk.is_running(0));
    assert!(zk.four_letter(0, "ruok").is_err());
    assert_eq!(zk.mode(0), None);
    assert_eq!(zk.leader(), None);
    assert_eq!(zk.pid(0), None);
    assert!(!pid_file.exists());
    zk.stop(0)?; // idempotent

    zk.restart(0)?;
    assert!(zk.is_running(0));
    assert_eq!(zk.client_port(0), port);
    assert_eq!(zk.four_letter(0, "ruok")?, "imok");
    let srvr = zk.four_letter(0, "srvr")?;
    assert_eq!(zxid(&srvr), Some(zxid_before), "{srvr}");
    assert!(
        matches!(zk.start_member_no_wait(0), Err(Error::AlreadyRunning { member: 0 })),
        "starting a running member must fail"
    );

    zk.kill(0)?;
    assert!(!zk.is_running(0));
    assert!(zk.four_letter(0, "ruok").is_err());
    assert!(!pid_file.exists());

    // A killed member comes back too, without waiting first.
    zk.start_member_no_wait(0)?;
    assert_eq!(zk.wait_until_serving(0, Duration::from_secs(60))?, "standalone");
    Ok(())
}

#[test]
fn drop_kills_the_jvm_and_removes_the_directory() -> TestResult {
    let zk = Ensemble::standalone()?;
    let root = zk.root_dir().to_path_buf();
    let addr = zk.member_address(0);
    assert!(root.exists());
    drop(zk);
    assert!(!root.exists(), "{} still exists", root.display());
    assert!(zookit_testing::four_letter_word(addr, "ruok", Duration::from_secs(1)).is_err());
    Ok(())
}

#[test]
fn the_root_directory_can_be_made_in_a_chosen_directory() -> TestResult {
    let parent = tempfile::tempdir()?;
    let dir = parent.path().join("on-disk");
    let zk = Ensemble::builder()
        .parent_dir(&dir)
        .system_property("zookeeper.forceSync", "yes")
        .start()?;
    let root = zk.root_dir().to_path_buf();
    assert!(root.starts_with(&dir), "{} is not in {}", root.display(), dir.display());
    assert!(zk.member_dir(0).starts_with(&dir));
    // The server keeps its snapshots and transaction log there.
    let conf = zk.four_letter(0, "conf")?;
    for key in ["dataDir=", "dataLogDir="] {
        let value = conf.lines().find_map(|l| l.strip_prefix(key)).unwrap_or_default();
        assert!(Path::new(value).starts_with(&root), "{key}{value} in:\n{conf}");
    }
    drop(zk);
    assert!(!root.exists(), "{} still exists", root.display());
    assert!(dir.exists(), "the chosen directory is kept");
    Ok(())
}

#[test]
fn missing_installation_is_reported_with_the_package_name() {
    let err = Ensemble::builder()
        .classpath(["/nonexistent/zookeeper.jar"])
        .start()
        .expect_err("must fail without zookeeper.jar");
    let message = err.to_string();
    assert!(matches!(err, Error::NotInstalled { .. }), "{message}");
    assert!(message.contains("apt-get install zookeeper"), "{message}");
}

#[test]
fn early_jvm_exit_fails_at_once_with_the_log_tail() {
    let started = std::time::Instant::now();
    let err = Ensemble::builder()
        .jvm_options(["-XX:+ThisOptionDoesNotExist"])
        .start()
        .expect_err("the JVM cannot start");
    let message = err.to_string();
    assert!(matches!(err, Error::Exited { member: 0, .. }), "{message}");
    assert!(message.contains("ThisOptionDoesNotExist"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
}

#[test]
fn startup_timeout_is_reported_with_the_log_tail() {
    let err = Ensemble::builder()
        .startup_timeout(Duration::from_millis(50))
        .start()
        .expect_err("no JVM serves within 50 ms");
    let message = err.to_string();
    assert!(matches!(err, Error::Timeout { .. }), "{message}");
    assert!(message.contains("member 0"), "{message}");
    assert!(message.contains("zookeeper.log"), "{message}");
}

#[test]
fn port_in_use_is_reported_after_retries() -> TestResult {
    // Forcing the client port onto an occupied one defeats the retry on fresh
    // ports, so every attempt fails the same way.
    let occupied = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = occupied.local_addr()?.port().to_string();
    let started = std::time::Instant::now();
    let err = Ensemble::builder()
        .config_entry("clientPort", &port)
        .start()
        .expect_err("the client port is taken");
    let message = err.to_string();
    assert!(matches!(err, Error::Exited { member: 0, .. }), "{message}");
    assert!(message.contains("Address already in use"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
    Ok(())
}
