use std::process::{Command, Stdio};
use std::time::Duration;

use zookit_testing::{
    ENV_TEST_SERVER, Proxy, ServerKind, four_letter_word, shared, shared_apache, unique_chroot,
};

use crate::TestResult;

#[test]
fn shared_server_is_one_instance_and_serves() -> TestResult {
    let a = shared();
    let b = shared();
    assert!(std::ptr::eq(a, b));
    assert_eq!(a.kind(), ServerKind::from_env());
    assert!(a.is_standalone());
    assert_eq!(a.four_letter(0, "ruok")?, "imok");
    assert!(a.four_letter(0, "srvr")?.contains("Mode: standalone"));
    let chroot = unique_chroot("shared");
    assert!(chroot.starts_with("/zookit-test-shared-"));
    assert_eq!(
        a.connect_string_with_chroot(&chroot),
        format!("127.0.0.1:{}{chroot}", a.client_port(0))
    );
    Ok(())
}

#[test]
fn shared_apache_is_apache_zookeeper() -> TestResult {
    let zk = shared_apache();
    assert!(std::ptr::eq(zk, shared_apache()));
    assert_eq!(zk.mode(0).as_deref(), Some("standalone"));
    assert!(zk.pid(0).is_some(), "a JVM");
    Ok(())
}

/// Set in the child process of the test below.
const FROM_ENV_CHILD: &str = "ZOOKIT_TESTING_FROM_ENV_CHILD";

/// Runs only as the child of the test below: prints the kind the
/// environment picks (or panics on a bad value).
#[test]
fn from_env_child() {
    if std::env::var_os(FROM_ENV_CHILD).is_some() {
        println!("\nKIND={}", ServerKind::from_env().name());
    }
}

/// Runs [`from_env_child`] with `ZOOKIT_TEST_SERVER` set to `value` (or
/// unset): its stdout and stderr, and whether it passed.
fn from_env_in_child(value: Option<&str>) -> Result<(bool, String, String), std::io::Error> {
    let mut command = Command::new(std::env::current_exe()?);
    command
        .args(["shared::from_env_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(FROM_ENV_CHILD, "1")
        .stdin(Stdio::null());
    match value {
        Some(value) => command.env(ENV_TEST_SERVER, value),
        None => command.env_remove(ENV_TEST_SERVER),
    };
    let output = command.output()?;
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    Ok((output.status.success(), out, err))
}

#[test]
fn zookit_test_server_picks_the_kind_and_refuses_other_values() -> TestResult {
    assert_eq!(ENV_TEST_SERVER, "ZOOKIT_TEST_SERVER");
    for (value, kind) in
        [(None, "apache"), (Some("apache"), "apache"), (Some("embedded"), "embedded")]
    {
        let (passed, out, err) = from_env_in_child(value)?;
        assert!(passed, "{value:?}: {out}{err}");
        assert!(out.contains(&format!("\nKIND={kind}\n")), "{value:?}: {out}");
    }
    for bad in ["Embedded", "", "zookeeper"] {
        let (passed, out, err) = from_env_in_child(Some(bad))?;
        assert!(!passed, "{bad:?} was taken: {out}");
        let all = format!("{out}{err}");
        assert!(
            all.contains(&format!("ZOOKIT_TEST_SERVER={bad:?} is not a test server"))
                && all.contains("\"apache\"")
                && all.contains("\"embedded\""),
            "{all}"
        );
    }
    Ok(())
}

#[test]
fn proxy_forwards_to_a_real_server() -> TestResult {
    let proxy = Proxy::start(shared().member_address(0))?;
    let timeout = Duration::from_secs(5);
    assert_eq!(four_letter_word(proxy.addr(), "ruok", timeout)?, "imok");
    let srvr = four_letter_word(proxy.addr(), "srvr", timeout)?;
    assert!(srvr.contains("Mode: standalone"), "{srvr}");
    proxy.refuse();
    assert!(four_letter_word(proxy.addr(), "ruok", timeout).map_or(true, |a| a.is_empty()));
    Ok(())
}
