//! The server of the latency workloads: Apache ZooKeeper with fsync on
//! (`zookeeper.forceSync=yes`), its data directory and transaction log on a
//! disk, so that every write waits for the log to reach the disk as it does
//! in production.
//!
//! The other workloads use a server without fsync (the tests' default): they
//! measure the clients, and fsync would only add the disk's noise.

use std::path::{Path, PathBuf};

use zookit_testing::Ensemble;

use crate::apache;
use crate::{Error, Result};

/// File systems in memory, where an fsync costs nothing.
const IN_MEMORY: [&str; 2] = ["tmpfs", "ramfs"];

/// A running server with fsync on.
#[derive(Debug)]
pub struct FsyncServer {
    /// The server.
    pub ensemble: Ensemble,
    /// What it is, in words: fsync, where its log is and on what.
    pub description: String,
}

impl FsyncServer {
    /// Starts it with its directory in `parent` (created if missing), which
    /// must not be in memory.
    pub fn start(parent: &Path) -> Result<Self> {
        std::fs::create_dir_all(parent)?;
        let mount = Mount::of(parent)?;
        if IN_MEMORY.contains(&mount.fs_type.as_str()) {
            return Err(Error::msg(format!(
                "{} is on {} ({}), where fsync costs nothing: set CARGO_TARGET_DIR to a \
                 directory on a disk",
                parent.display(),
                mount.fs_type,
                mount.point.display()
            )));
        }
        let ensemble = apache::builder()
            .system_property("zookeeper.forceSync", "yes")
            .parent_dir(parent)
            .start()?;
        let description = format!(
            "zookeeper.forceSync=yes; dataDir and dataLogDir in {} ({} on {})",
            ensemble.member_dir(0).display(),
            mount.fs_type,
            mount.source
        );
        Ok(FsyncServer { ensemble, description })
    }
}

/// The mount a path is on, from `/proc/self/mountinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mount {
    point: PathBuf,
    fs_type: String,
    source: String,
}

impl Mount {
    fn of(path: &Path) -> Result<Mount> {
        let path = path.canonicalize()?;
        let table = std::fs::read_to_string("/proc/self/mountinfo")?;
        Self::find(&table, &path)
            .ok_or_else(|| Error::msg(format!("no mount of {} in mountinfo", path.display())))
    }

    /// The mount of `path` in `table` (mountinfo lines): the last one whose
    /// mount point is the longest prefix of `path`.
    fn find(table: &str, path: &Path) -> Option<Mount> {
        table
            .lines()
            .filter_map(|line| {
                // id parent major:minor root point options [optional...] - type source super
                let (mine, theirs) = line.split_once(" - ")?;
                let point = PathBuf::from(mine.split(' ').nth(4)?.replace("\\040", " "));
                let mut rest = theirs.split(' ');
                let fs_type = rest.next()?.to_owned();
                let source = rest.next()?.to_owned();
                path.starts_with(&point).then_some(Mount { point, fs_type, source })
            })
            .fold(None, |best: Option<Mount>, m| match best {
                Some(b) if b.point.as_os_str().len() > m.point.as_os_str().len() => Some(b),
                _ => Some(m),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "\
22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
30 22 0:26 / /tmp rw,nosuid,nodev shared:5 - tmpfs tmpfs rw
31 22 0:27 / /work/my\\040dir rw - xfs /dev/vdb rw
";

    #[test]
    fn the_mount_of_a_path_is_its_longest_mount_point() {
        let find = |path: &str| Mount::find(TABLE, Path::new(path)).unwrap();
        assert_eq!(find("/tmp/zk").fs_type, "tmpfs");
        assert_eq!(find("/tmpfoo/zk").fs_type, "ext4");
        assert_eq!(find("/work/target").source, "/dev/vda");
        let spaced = find("/work/my dir/target");
        assert_eq!((spaced.fs_type.as_str(), spaced.point), ("xfs", PathBuf::from("/work/my dir")));
    }
}
