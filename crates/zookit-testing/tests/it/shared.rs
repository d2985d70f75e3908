use std::time::Duration;

use zookit_testing::{Proxy, four_letter_word, shared, unique_chroot};

use crate::TestResult;

#[test]
fn shared_server_is_one_instance_and_serves() -> TestResult {
    let a = shared();
    let b = shared();
    assert!(std::ptr::eq(a, b));
    assert!(a.is_standalone());
    assert_eq!(a.four_letter(0, "ruok")?, "imok");
    assert_eq!(a.mode(0).as_deref(), Some("standalone"));
    let chroot = unique_chroot("shared");
    assert!(chroot.starts_with("/zookit-test-shared-"));
    assert_eq!(
        a.connect_string_with_chroot(&chroot),
        format!("127.0.0.1:{}{chroot}", a.client_port(0))
    );
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
