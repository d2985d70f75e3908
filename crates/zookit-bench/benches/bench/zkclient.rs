//! The `zookeeper-client` peer: the shared async workloads with the crate's
//! client. It lives here, not in the library, because `zookeeper-client` is
//! a dev-dependency of the benchmark only; the smoke test includes this
//! file too.

use zookeeper_client as zk;
use zookit_bench::measure::Outcome;
use zookit_bench::peers::async_client::{self, AsyncClient, WatchFuture};
use zookit_bench::{Context as _, Error, Job, Result};

/// A `zookeeper-client` session.
#[derive(Clone)]
pub(crate) struct ZkClient(zk::Client);

/// Runs `job` with `zookeeper-client`.
pub(crate) fn run(job: &Job) -> Result<Outcome> {
    async_client::run::<ZkClient>(job)
}

fn error(e: zk::Error) -> Error {
    Error::msg(e.to_string())
}

impl AsyncClient for ZkClient {
    async fn connect(hosts: &str) -> Result<Self> {
        zk::Client::connect(hosts).await.map(ZkClient).map_err(error)
    }

    async fn close(self) -> Result<()> {
        // The session closes when the last handle is dropped; wait until
        // it is closed.
        let mut states = self.0.state_watcher();
        drop(self);
        tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while !matches!(states.changed().await, zk::SessionState::Closed) {}
        })
        .await
        .context("closing the session")
    }

    async fn create(&self, path: &str, data: &[u8]) -> Result<()> {
        let options = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
        self.0.create(path, data, &options).await.map_err(error)?;
        Ok(())
    }

    async fn get(&self, path: &str) -> Result<()> {
        self.0.get_data(path).await.map_err(error)?;
        Ok(())
    }

    async fn set(&self, path: &str, data: &[u8]) -> Result<()> {
        self.0.set_data(path, data, None).await.map_err(error)?;
        Ok(())
    }

    async fn delete(&self, path: &str) -> Result<()> {
        self.0.delete(path, None).await.map_err(error)
    }

    async fn get_watch(&self, path: &str) -> Result<WatchFuture> {
        let (_, _, watcher) = self.0.get_and_watch_data(path).await.map_err(error)?;
        Ok(Box::pin(async move {
            watcher.changed().await;
        }))
    }

    async fn set_all(&self, paths: &[String], data: &[u8]) -> Result<()> {
        let mut writer = self.0.new_multi_writer();
        for path in paths {
            writer.add_set_data(path, data, None).map_err(error)?;
        }
        writer.commit().await.map_err(|e| Error::msg(format!("{e:?}")))?;
        Ok(())
    }
}
