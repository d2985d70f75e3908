//! The nodes the workloads need, made (and cleaned up) by the harness with
//! zookit, outside every measurement.

use std::path::PathBuf;

use futures_util::stream::{self, StreamExt, TryStreamExt};
use zookit_registry::ZooKeeper;

use crate::plan::{Config, DATA, IDLE, ROOT, TREE, WATCHED, tree_text};
use crate::{Job, Result, Workload};

/// Requests in flight while making fixtures.
const WINDOW: usize = 500;

/// The harness's own session, for fixtures.
pub struct Fixtures {
    runtime: tokio::runtime::Runtime,
    zk: ZooKeeper,
    /// The file holding the tree text the imports import.
    pub tree_file: PathBuf,
}

impl Fixtures {
    /// Makes every fixture of `config` on the server at `hosts`: the data,
    /// watched and idle nodes, and the tree (imported once, for the
    /// exports; its text written to a file, for the imports).
    pub fn prepare(hosts: &str, config: &Config) -> Result<Self> {
        let s = &config.sizes;
        let nodes = [(DATA, s.data_nodes), (WATCHED, s.watches), (IDLE, s.idle_watches)];
        Self::make(hosts, config, &nodes, true)
    }

    /// Makes the data nodes of `config` only, on the server at `hosts` (the
    /// server with fsync on, where only the latency workloads run).
    pub fn prepare_data(hosts: &str, config: &Config) -> Result<Self> {
        Self::make(hosts, config, &[(DATA, config.sizes.data_nodes)], false)
    }

    /// Makes `n` nodes under each parent of `nodes`, and the tree if `tree`.
    fn make(hosts: &str, config: &Config, nodes: &[(&str, u64)], tree: bool) -> Result<Self> {
        // A worker of its own keeps the session alive (pings) between
        // the harness's calls, while the jobs run.
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
        let zk = runtime.block_on(ZooKeeper::builder().hosts(hosts).connect())?;
        std::fs::create_dir_all(&config.work_dir)?;
        let tree_file = config.work_dir.join("bench-tree.txt");
        let text = tree_text(&config.sizes);
        std::fs::write(&tree_file, &text)?;
        let fixtures = Fixtures { runtime, zk, tree_file };
        fixtures.runtime.block_on(async {
            let client = fixtures.zk.client();
            client.ensure_path(&format!("{ROOT}/scratch")).await?;
            let value = Job::new("", Workload::Sequential, "").value();
            for &(parent, n) in nodes {
                client.ensure_path(parent).await?;
                stream::iter(0..n)
                    .map(|i| client.create(&format!("{parent}/n{i:05}"), &value).into_future())
                    .buffer_unordered(WINDOW)
                    .try_collect::<Vec<_>>()
                    .await?;
            }
            if tree {
                client.ensure_path(TREE).await?;
                fixtures.zk.import_tree(&text, TREE, None, None, false).await?;
            }
            Ok::<_, crate::Error>(())
        })?;
        Ok(fixtures)
    }

    /// Makes `path` an empty node.
    pub fn fresh(&self, path: &str) -> Result<()> {
        self.runtime.block_on(async {
            if self.zk.exists(path).await?.is_some() {
                self.zk.delete_recursive(path, false, true, false).await?;
            }
            self.zk.client().ensure_path(path).await?;
            Ok(())
        })
    }

    /// Removes `path` and everything below it, if it exists.
    pub fn remove(&self, path: &str) -> Result<()> {
        self.runtime.block_on(async {
            if self.zk.exists(path).await?.is_some() {
                self.zk.delete_recursive(path, false, true, false).await?;
            }
            Ok(())
        })
    }

    /// Closes the harness's session.
    pub fn close(self) -> Result<()> {
        self.runtime.block_on(self.zk.close())?;
        Ok(())
    }
}
