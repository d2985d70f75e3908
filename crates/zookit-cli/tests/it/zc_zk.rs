//! zc.zk's script names through symlinks, and the README's script section
//! (zookeeper_export, zookeeper_import, zookeeper_set_property) driven
//! entirely through the command line, with its outputs (Python 3 reprs).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{
    Background, Run, TREE_TEXT, ZOOKIT, chroot, command, run, zookit, zookit_stdin,
};

/// A directory of symlinks to the binary under zc.zk's script names.
struct Scripts {
    dir: tempfile::TempDir,
}

impl Scripts {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for name in
            ["zookeeper_export", "zookeeper_import", "zookeeper_set_property", "zookeeper_validate"]
        {
            std::os::unix::fs::symlink(ZOOKIT, dir.path().join(name)).unwrap();
        }
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `line` (split on spaces, as the README's doctests split it) in
    /// the scripts' directory.
    fn run(&self, line: &str, stdin: Option<&str>) -> Run {
        let mut words = line.split_whitespace();
        let program: PathBuf = self.path().join(words.next().unwrap());
        let mut command = Command::new(program);
        command.env_remove("ZC_ZK_CONNECTION_STRING").current_dir(self.path()).args(words);
        run(command, stdin)
    }
}

#[test]
fn script_names_take_zc_zks_arguments() {
    let zk = chroot("zc-zk-names");
    let scripts = Scripts::new();
    std::fs::write(scripts.path().join("tree.txt"), TREE_TEXT).unwrap();
    assert_eq!(scripts.run(&format!("zookeeper_import {zk} tree.txt"), None).ok(), "");
    assert_eq!(
        scripts.run(&format!("zookeeper_export {zk} /lb/pools/cms"), None).ok(),
        "/cms\n  address = '1.2.3.4:80'\n  providers -> /cms/providers\n"
    );
    assert_eq!(scripts.run("zookeeper_validate tree.txt", None).ok(), "");
    assert_eq!(
        scripts.run("zookeeper_validate -", Some("/a\n/a\n")).fails(2),
        "zookeeper_validate: standard input: line 2: duplicate node: \"/a\"\n"
    );
    // Usage errors name the script's usage.
    let stderr = scripts.run("zookeeper_export", None).fails(2).to_owned();
    assert!(stderr.contains("Usage: zookeeper_export [options] connection [path]"), "{stderr}");
    let help = scripts.run("zookeeper_import --help", None).ok().to_owned();
    assert!(
        help.contains("Usage: zookeeper_import [options] connection [import-file [path]]"),
        "{help}"
    );
    assert!(help.contains("-p, --permission"), "{help}");
    // ZooKeeper errors are exit 1, named by the script.
    let stderr =
        scripts.run(&format!("zookeeper_set_property {zk} /nope a=1"), None).fails(1).to_owned();
    assert!(stderr.starts_with("zookeeper_set_property: "), "{stderr}");
}

/// Brings the tree to the state the README's script section starts from,
/// through the CLI, following the README's earlier steps; returns the
/// registrations, which must stay alive.
fn readme_state(zk: &str) -> Vec<Background> {
    zookit_stdin(zk, &["import"], "/fooservice\n  secret = '1234'\n  threads = 3\n  /providers\n")
        .ok();
    let mut registrations = Vec::new();
    for port in [8080, 8081, 8082] {
        let address = format!("192.168.0.42:{port}");
        registrations.push(Background::start(command(
            zk,
            &["register", "/fooservice/providers", &address, "pid=9999"],
        )));
    }
    zookit_stdin(zk, &["import"], TREE_TEXT).ok();
    // The second tree text, with threads = 4 and without /lb/pools/retail.
    let second = TREE_TEXT
        .replace(
            "    /retail\n      address = '1.2.3.5:80'\n      providers -> /cms/providers\n",
            "",
        )
        .replace("threads = 3", "threads = 4");
    let second = &second[..second.find("\n/retail").unwrap()];
    assert_eq!(
        zookit_stdin(zk, &["import"], second).ok(),
        "extra path not trimmed: /lb/pools/retail\n"
    );
    assert_eq!(
        zookit_stdin(zk, &["import", "-d", "-t"], second).ok(),
        "would delete /lb/pools/retail.\n"
    );
    zookit_stdin(zk, &["import", "-t"], second).ok();
    zookit(zk, &["delete", "-r", "/retail"]).ok();
    registrations.push(Background::start(command(
        zk,
        &["register", "/cms/providers", "1.2.3.4:5", "pid=9999"],
    )));
    assert_eq!(
        zookit(zk, &["resolve", "/lb/pools/cms/providers/1.2.3.4:5"]).ok(),
        "/cms/providers/1.2.3.4:5\n"
    );
    // Moving /cms/databases/main to /databases/cms, leaving a link.
    let export = zookit(zk, &["export", "--name", "cms", "/cms/databases/main"]).ok().to_owned();
    assert_eq!(export, "/cms\n  /providers\n");
    zookit(zk, &["create", "/databases"]).ok();
    zookit_stdin(zk, &["import", "-", "/databases"], &export).ok();
    zookit(zk, &["ln", "/databases/cms", "/cms/databases/main"]).ok();
    zookit(zk, &["delete", "-r", "/cms/databases/main"]).ok();
    zookit(zk, &["delete", "/databases/cms/providers"]).ok();
    zookit(zk, &["set-property", "/cms/databases/main", "a=1"]).ok();
    for registration in &registrations {
        assert!(registration.line().starts_with("registered "));
    }
    registrations
}

#[test]
fn the_readme_script_section() {
    let zk = chroot("readme-scripts");
    let _registrations = readme_state(&zk);
    let scripts = Scripts::new();
    let sh = |line: &str| scripts.run(&line.replace("zookeeper.example.com:2181", &zk), None);
    let sh_stdin = |line: &str, stdin: &str| {
        scripts.run(&line.replace("zookeeper.example.com:2181", &zk), Some(stdin))
    };

    // zookeeper_export script
    assert_eq!(
        sh("zookeeper_export -e zookeeper.example.com:2181 /fooservice").ok(),
        "\
/fooservice
  secret = '1234'
  threads = 3
  /providers
    /192.168.0.42:8080
      pid = 9999
    /192.168.0.42:8081
      pid = 9999
    /192.168.0.42:8082
      pid = 9999
"
    );
    assert_eq!(
        sh("zookeeper_export zookeeper.example.com:2181 /fooservice").ok(),
        "/fooservice\n  secret = '1234'\n  threads = 3\n  /providers\n"
    );
    assert_eq!(
        sh("zookeeper_export zookeeper.example.com:2181").ok(),
        "\
/cms : z4m cms
  threads = 4
  /databases
    main -> /databases/cms
  /providers
/databases
  /cms
    a = 1
/fooservice
  secret = '1234'
  threads = 3
  /providers
/lb : ipvs
  /pools
    /cms
      address = '1.2.3.4:80'
      providers -> /cms/providers
"
    );
    assert_eq!(sh("zookeeper_export zookeeper.example.com:2181 /fooservice -oo").ok(), "");
    assert_eq!(
        std::fs::read_to_string(scripts.path().join("o")).unwrap(),
        "/fooservice\n  secret = '1234'\n  threads = 3\n  /providers\n"
    );

    // zookeeper_import script
    std::fs::write(scripts.path().join("mytree.txt"), "/provision\n  /node1\n  /node2\n").unwrap();
    assert_eq!(sh("zookeeper_import zookeeper.example.com:2181 mytree.txt /fooservice").ok(), "");
    assert_eq!(
        zookit(&zk, &["tree"]).ok(),
        "\
/cms : z4m cms
  threads = 4
  /databases
    main -> /databases/cms
  /providers
    /1.2.3.4:5
      pid = 9999
/databases
  /cms
    a = 1
/fooservice
  secret = '1234'
  threads = 3
  /providers
    /192.168.0.42:8080
      pid = 9999
    /192.168.0.42:8081
      pid = 9999
    /192.168.0.42:8082
      pid = 9999
  /provision
    /node1
    /node2
/lb : ipvs
  /pools
    /cms
      address = '1.2.3.4:80'
      providers -> /cms/providers
"
    );
    // Read from stdin:
    assert_eq!(
        sh_stdin("zookeeper_import -d zookeeper.example.com:2181 - /fooservice", "/x\n/y").ok(),
        "add /fooservice/x\nadd /fooservice/y\n"
    );
    assert_eq!(
        sh_stdin("zookeeper_import -d zookeeper.example.com:2181", "/x\n/y").ok(),
        "add /x\nadd /y\n"
    );
    // Trim:
    assert_eq!(
        sh_stdin("zookeeper_import -dt zookeeper.example.com:2181 - /fooservice", "/provision\n/y")
            .ok(),
        "\
would delete /fooservice/provision/node1.
would delete /fooservice/provision/node2.
add /fooservice/y
"
    );

    // Property-update script
    assert_eq!(
        sh("zookeeper_set_property zookeeper.example.com:2181 /fooservice threads=4 debug=True comment='ok'").ok(),
        "data updated\ncomment: 'ok'\ndebug: True\nsecret: '1234'\nthreads: 4\n"
    );
    assert_eq!(
        zookit(&zk, &["tree", "/fooservice"]).ok(),
        "\
/fooservice
  comment = 'ok'
  debug = True
  secret = '1234'
  threads = 4
  /providers
    /192.168.0.42:8080
      pid = 9999
    /192.168.0.42:8081
      pid = 9999
    /192.168.0.42:8082
      pid = 9999
  /provision
    /node1
    /node2
"
    );
}
