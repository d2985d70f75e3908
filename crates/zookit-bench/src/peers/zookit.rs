//! zookit's runners: the async client (with zookit-registry for the tree
//! workloads) and the blocking client.

use std::thread;
use std::time::Duration;

use zookit::blocking;
use zookit_registry::ZooKeeper;

use super::async_client::{self, AsyncClient, WatchFuture};
use crate::measure::{Meter, Outcome, rss_kb};
use crate::{Error, Job, Result, Workload};

/// How long an idle client rests before its memory is read.
const IDLE_REST: Duration = Duration::from_millis(500);

impl AsyncClient for zookit::Client {
    async fn connect(hosts: &str) -> Result<Self> {
        Ok(zookit::Client::connect(hosts).await?)
    }

    async fn close(self) -> Result<()> {
        Ok(zookit::Client::close(self).await?)
    }

    async fn create(&self, path: &str, data: &[u8]) -> Result<()> {
        zookit::Client::create(self, path, data).await?;
        Ok(())
    }

    async fn get(&self, path: &str) -> Result<()> {
        zookit::Client::get(self, path).await?;
        Ok(())
    }

    async fn set(&self, path: &str, data: &[u8]) -> Result<()> {
        zookit::Client::set(self, path, data).await?;
        Ok(())
    }

    async fn delete(&self, path: &str) -> Result<()> {
        zookit::Client::delete(self, path).await?;
        Ok(())
    }

    async fn get_watch(&self, path: &str) -> Result<WatchFuture> {
        let (_, _, watch) = zookit::Client::get_watch(self, path).await?;
        Ok(Box::pin(async move {
            watch.await;
        }))
    }

    async fn set_all(&self, paths: &[String], data: &[u8]) -> Result<()> {
        let transaction =
            paths.iter().fold(self.transaction(), |t, path| t.set_data(path, data, -1));
        for result in transaction.commit().await? {
            result?;
        }
        Ok(())
    }
}

/// Runs `job` with zookit's async client (zookit-registry for trees).
pub fn run_async(job: &Job) -> Result<Outcome> {
    match job.workload {
        Workload::TreeExport | Workload::TreeImport => {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(tree(job))
        }
        _ => async_client::run::<zookit::Client>(job),
    }
}

/// zc.zk's `export_tree` and `import_tree`, with zookit-registry.
async fn tree(job: &Job) -> Result<Outcome> {
    let zk = ZooKeeper::builder().hosts(job.hosts.as_str()).connect().await?;
    let outcome = if job.workload == Workload::TreeExport {
        let meter = Meter::start()?;
        let text = zk.export_tree(&job.path, false, None).await?;
        let nodes = text.lines().filter(|line| line.trim_start().starts_with('/')).count();
        meter.stop(nodes as u64)?
    } else {
        let text = std::fs::read_to_string(&job.file)?;
        let meter = Meter::start()?;
        let report = zk.import_tree(&text, &job.path, None, None, false).await?;
        meter.stop(report.created as u64)?
    };
    zk.close().await?;
    Ok(outcome)
}

/// Runs `job` with zookit's blocking client.
pub fn run_blocking(job: &Job) -> Result<Outcome> {
    match job.workload {
        Workload::Sequential => blocking_sequential(job),
        Workload::Parallel => blocking_parallel(job),
        Workload::WatchFanout => blocking_watch_fanout(job),
        Workload::Connect => blocking_connect(job),
        Workload::IdleWatches => blocking_idle_watches(job),
        other => Err(Error::msg(format!("zookit-blocking does not run {other}"))),
    }
}

fn connect(job: &Job) -> Result<blocking::Client> {
    Ok(blocking::Client::connect(job.hosts.as_str())?)
}

fn blocking_crud(client: &blocking::Client, job: &Job, prefix: &str, n: u64) -> Result<()> {
    let value = job.value();
    let paths: Vec<String> = (0..n).map(|i| format!("{}/{prefix}{i}", job.path)).collect();
    for path in &paths {
        client.create(path, &value)?;
    }
    for path in &paths {
        client.get(path)?;
    }
    for path in &paths {
        client.set(path, &value)?;
    }
    for path in &paths {
        client.delete(path)?;
    }
    Ok(())
}

fn blocking_sequential(job: &Job) -> Result<Outcome> {
    let client = connect(job)?;
    blocking_crud(&client, job, "w", job.warmup)?;
    let meter = Meter::start()?;
    blocking_crud(&client, job, "n", job.count)?;
    let outcome = meter.stop(4 * job.count)?;
    client.close()?;
    Ok(outcome)
}

fn blocking_mixed(client: &blocking::Client, job: &Job, s: u64, first: u64, n: u64) -> Result<()> {
    let value = job.value();
    for j in first..first + n {
        let (node, set) = job.parallel_op(s, j);
        let path = job.data_path(node);
        if set {
            client.set(&path, &value)?;
        } else {
            client.get(&path)?;
        }
    }
    Ok(())
}

fn blocking_sessions(clients: &[blocking::Client], job: &Job, first: u64, n: u64) -> Result<()> {
    thread::scope(|scope| {
        let threads: Vec<_> = clients
            .iter()
            .enumerate()
            .map(|(s, client)| scope.spawn(move || blocking_mixed(client, job, s as u64, first, n)))
            .collect();
        threads.into_iter().try_for_each(|t| {
            t.join().map_err(|_| Error::msg("a session thread panicked")).and_then(|r| r)
        })
    })
}

fn blocking_parallel(job: &Job) -> Result<Outcome> {
    let clients = (0..job.sessions).map(|_| connect(job)).collect::<Result<Vec<_>>>()?;
    blocking_sessions(&clients, job, 0, job.warmup)?;
    let meter = Meter::start()?;
    blocking_sessions(&clients, job, job.warmup, job.count)?;
    let outcome = meter.stop(job.sessions * job.count)?;
    for client in clients {
        client.close()?;
    }
    Ok(outcome)
}

fn arm(client: &blocking::Client, paths: &[String]) -> Result<Vec<blocking::Watch>> {
    paths.iter().map(|path| Ok(client.get_watch(path)?.2)).collect()
}

fn blocking_watch_fanout(job: &Job) -> Result<Outcome> {
    let watcher = connect(job)?;
    let writer = connect(job)?;
    let paths = job.data_paths(job.count);
    let value = job.value();
    let mut total = Outcome::default();
    for round in 0..job.warmup + job.rounds {
        let watches = arm(&watcher, &paths)?;
        let meter = Meter::start()?;
        let transaction =
            paths.iter().fold(writer.transaction(), |t, path| t.set_data(path, &value, -1));
        for result in transaction.commit()? {
            result?;
        }
        for mut watch in watches {
            watch
                .wait_timeout(Duration::from_secs(60))
                .ok_or_else(|| Error::msg("a watch event did not come within 60 s"))?;
        }
        let outcome = meter.stop(job.count)?;
        if round >= job.warmup {
            total.add(&outcome);
        }
    }
    watcher.close()?;
    writer.close()?;
    Ok(total)
}

fn blocking_connect(job: &Job) -> Result<Outcome> {
    for _ in 0..job.warmup {
        connect(job)?.close()?;
    }
    let meter = Meter::start()?;
    for _ in 0..job.count {
        connect(job)?.close()?;
    }
    meter.stop(job.count)
}

fn blocking_idle_watches(job: &Job) -> Result<Outcome> {
    let base = rss_kb()?;
    let client = connect(job)?;
    let meter = Meter::start()?;
    let watches = arm(&client, &job.data_paths(job.count))?;
    let mut outcome = meter.stop(job.count)?;
    thread::sleep(IDLE_REST);
    outcome.rss_kb = Some(rss_kb()?);
    outcome.base_rss_kb = Some(base);
    drop(watches);
    client.close()?;
    Ok(outcome)
}
