//! How ZooKeeper members are configured: JVM command line and `zoo.cfg`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, Result};

/// Jar of Debian's `zookeeper` package (its manifest pulls in the dependencies).
pub(crate) const ZOOKEEPER_JAR: &str = "/usr/share/java/zookeeper.jar";
/// Logging backend: slf4j-simple writes to stderr, which goes to the member log.
pub(crate) const SLF4J_SIMPLE_JAR: &str = "/usr/share/java/slf4j-simple.jar";
/// Main class; runs standalone when the config lists no servers.
pub(crate) const MAIN_CLASS: &str = "org.apache.zookeeper.server.quorum.QuorumPeerMain";

/// Environment variable overriding the Java binary.
pub const ENV_JAVA: &str = "ZOOKIT_JAVA";
/// Environment variable overriding the class path (`:`-separated jars).
pub const ENV_CLASSPATH: &str = "ZOOKIT_ZOOKEEPER_CLASSPATH";

/// Server-side digest of [`crate::SUPER_USER`] / [`crate::SUPER_PASSWORD`].
pub const SUPER_DIGEST: &str = "super:y+OuwIkYNvhyrfSObq+zwH6eTZk=";

/// Default JVM options: fast start-up, small heap.
pub const DEFAULT_JVM_OPTIONS: &[&str] =
    &["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx512m"];

/// Everything needed to launch the members of one ensemble.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) members: usize,
    pub(crate) java: OsString,
    pub(crate) classpath: Vec<PathBuf>,
    pub(crate) jvm_options: Vec<String>,
    /// `-Dkey=value` pairs, in order, keys unique.
    pub(crate) system_properties: Vec<(String, String)>,
    /// Extra `zoo.cfg` entries, in order, keys unique.
    pub(crate) config_entries: Vec<(String, String)>,
    pub(crate) startup_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        let java = std::env::var_os(ENV_JAVA).unwrap_or_else(|| "java".into());
        let classpath = match std::env::var_os(ENV_CLASSPATH) {
            Some(cp) => std::env::split_paths(&cp).collect(),
            None => vec![ZOOKEEPER_JAR.into(), SLF4J_SIMPLE_JAR.into()],
        };
        let mut settings = Settings {
            members: 1,
            java,
            classpath,
            jvm_options: DEFAULT_JVM_OPTIONS.iter().map(|s| s.to_string()).collect(),
            system_properties: Vec::new(),
            config_entries: Vec::new(),
            startup_timeout: Duration::from_secs(60),
        };
        for (key, value) in [
            ("zookeeper.admin.enableServer", "false"),
            ("zookeeper.extendedTypesEnabled", "true"),
            ("znode.container.checkIntervalMs", "1000"),
            ("zookeeper.DigestAuthenticationProvider.superDigest", SUPER_DIGEST),
            // Tests do not survive power loss; skipping fsync makes writes fast.
            ("zookeeper.forceSync", "no"),
        ] {
            settings.set_system_property(key, value);
        }
        settings
    }
}

/// Sets `key` to `value` in an ordered list, replacing an earlier value.
fn set_entry(entries: &mut Vec<(String, String)>, key: &str, value: &str) {
    match entries.iter_mut().find(|(k, _)| k == key) {
        Some(entry) => entry.1 = value.to_string(),
        None => entries.push((key.to_string(), value.to_string())),
    }
}

impl Settings {
    pub(crate) fn set_system_property(&mut self, key: &str, value: &str) {
        set_entry(&mut self.system_properties, key, value);
    }

    pub(crate) fn set_config_entry(&mut self, key: &str, value: &str) {
        set_entry(&mut self.config_entries, key, value);
    }

    /// Fails with an installation hint if a class path entry is missing.
    pub(crate) fn check_installed(&self) -> Result<()> {
        for jar in &self.classpath {
            if !jar.exists() {
                let hint = if jar.ends_with("zookeeper.jar") {
                    "install Debian's `zookeeper` package: apt-get install zookeeper".to_string()
                } else if jar.ends_with("slf4j-simple.jar") {
                    "install Debian's `libslf4j-java` package: apt-get install libslf4j-java"
                        .to_string()
                } else {
                    format!("check ${ENV_CLASSPATH} or the configured class path")
                };
                return Err(Error::NotInstalled { path: jar.clone(), hint });
            }
        }
        Ok(())
    }

    /// JVM arguments (options, system properties, class path, main class),
    /// to be followed by the path of `zoo.cfg`.
    pub(crate) fn jvm_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = Vec::new();
        args.extend(self.jvm_options.iter().map(OsString::from));
        args.extend(
            self.system_properties.iter().map(|(k, v)| OsString::from(format!("-D{k}={v}"))),
        );
        args.push("-cp".into());
        // Paths containing ':' cannot be on a class path anyway.
        let joined = std::env::join_paths(&self.classpath).unwrap_or_default();
        args.push(joined);
        args.push(MAIN_CLASS.into());
        args
    }
}

/// Network addresses of one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MemberPorts {
    pub(crate) client: u16,
    pub(crate) quorum: u16,
    pub(crate) election: u16,
}

/// Renders the `zoo.cfg` of member `index` of an ensemble whose members have
/// `ports` (one entry per member; a single entry means standalone).
pub(crate) fn render_zoo_cfg(
    settings: &Settings,
    data_dir: &std::path::Path,
    ports: &[MemberPorts],
    index: usize,
) -> String {
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut set = |k: &str, v: &str| set_entry(&mut entries, k, v);
    set("tickTime", "500");
    set("initLimit", "20");
    set("syncLimit", "10");
    set("minSessionTimeout", "1000");
    set("maxSessionTimeout", "60000");
    set("dataDir", &data_dir.display().to_string());
    set("clientPortAddress", "127.0.0.1");
    set("clientPort", &ports[index].client.to_string());
    set("4lw.commands.whitelist", "*");
    set("reconfigEnabled", "true");
    set("admin.enableServer", "false");
    if ports.len() == 1 {
        set("standaloneEnabled", "true");
    } else {
        set("standaloneEnabled", "false");
        for (i, p) in ports.iter().enumerate() {
            set(
                &format!("server.{}", i + 1),
                &format!("127.0.0.1:{}:{};127.0.0.1:{}", p.quorum, p.election, p.client),
            );
        }
    }
    for (k, v) in &settings.config_entries {
        set(k, v);
    }
    let mut text = String::from("# Written by zookit-testing.\n");
    for (k, v) in entries {
        text.push_str(&format!("{k}={v}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ports(n: u16) -> Vec<MemberPorts> {
        (0..n)
            .map(|i| MemberPorts { client: 100 + i, quorum: 200 + i, election: 300 + i })
            .collect()
    }

    #[test]
    fn standalone_config() {
        let cfg = render_zoo_cfg(&Settings::default(), "/d".as_ref(), &ports(1), 0);
        assert!(cfg.contains("\nclientPort=100\n"));
        assert!(cfg.contains("\nstandaloneEnabled=true\n"));
        assert!(cfg.contains("\ndataDir=/d\n"));
        assert!(!cfg.contains("server."));
    }

    #[test]
    fn ensemble_config_and_overrides() {
        let mut settings = Settings::default();
        settings.set_config_entry("tickTime", "1000");
        settings.set_config_entry("maxClientCnxns", "5");
        let cfg = render_zoo_cfg(&settings, "/d".as_ref(), &ports(3), 1);
        assert!(cfg.contains("\nclientPort=101\n"));
        assert!(cfg.contains("\nstandaloneEnabled=false\n"));
        assert!(cfg.contains("\nserver.3=127.0.0.1:202:302;127.0.0.1:102\n"));
        assert!(cfg.contains("\ntickTime=1000\n"));
        assert!(!cfg.contains("tickTime=500"));
        assert!(cfg.ends_with("maxClientCnxns=5\n"));
    }

    #[test]
    fn system_properties_override() {
        let mut settings = Settings::default();
        settings.set_system_property("zookeeper.forceSync", "yes");
        let args = settings.jvm_args();
        let forced: Vec<_> = args
            .iter()
            .filter(|a| a.to_string_lossy().starts_with("-Dzookeeper.forceSync="))
            .collect();
        assert_eq!(forced, vec!["-Dzookeeper.forceSync=yes"]);
        assert_eq!(args.last().map(|a| a.as_os_str()), Some(MAIN_CLASS.as_ref()));
    }
}
