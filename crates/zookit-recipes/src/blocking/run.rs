//! Running the async recipes on the blocking client's runtime, each call
//! bounded in time.

use std::time::Duration;

use zookit::blocking::Client;

use crate::error::{At, Error, Result};
use crate::state::LockState;

/// An async recipe: what its blocking form runs.
pub(crate) trait Recipe: Clone + Send + Sync + 'static {
    /// The recipe's path, for errors.
    fn path(&self) -> &str;
}

macro_rules! recipes {
    ($($recipe:ty),* $(,)?) => {
        $(impl Recipe for $recipe {
            fn path(&self) -> &str {
                <$recipe>::path(self)
            }
        })*
    };
}

recipes!(
    crate::Barrier,
    crate::DoubleBarrier,
    crate::Election,
    crate::LeaderLatch,
    crate::Lock,
    crate::LockingQueue,
    crate::NonBlockingLease,
    crate::Party,
    crate::Queue,
    crate::ReadLock,
    crate::Semaphore,
    crate::SetPartitioner,
    crate::ShallowParty,
    crate::WriteLock,
);

impl<T: crate::CounterValue> Recipe for crate::Counter<T> {
    fn path(&self) -> &str {
        crate::Counter::path(self)
    }
}

/// What a blocking call runs: a recipe's future, sent to the client's
/// runtime.
pub(crate) trait Task<T>: Future<Output = Result<T>> + Send + 'static {}

impl<T, F: Future<Output = Result<T>> + Send + 'static> Task<T> for F {}

/// An async recipe and the blocking client whose runtime runs it.
#[derive(Clone)]
pub(crate) struct OnClient<R> {
    client: Client,
    recipe: R,
}

impl<R: std::fmt::Debug> std::fmt::Debug for OnClient<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.recipe.fmt(f)
    }
}

impl<R: Recipe> OnClient<R> {
    pub(crate) fn new(client: &Client, recipe: R) -> Self {
        Self { client: client.clone(), recipe }
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }

    pub(crate) fn recipe(&self) -> &R {
        &self.recipe
    }

    /// Runs `call` on the recipe, bounded by the client's command timeout.
    pub(crate) fn run<T, F>(&self, call: impl FnOnce(R) -> F) -> Result<T>
    where
        T: Send + 'static,
        F: Task<T>,
    {
        self.run_for(Some(self.client.command_timeout()), call)
    }

    /// Runs `call`, which waits up to `timeout` (for ever without one),
    /// bounded by [`waiting`].
    pub(crate) fn wait<T, F>(
        &self,
        timeout: Option<Duration>,
        call: impl FnOnce(R) -> F,
    ) -> Result<T>
    where
        T: Send + 'static,
        F: Task<T>,
    {
        self.run_for(waiting(&self.client, timeout), call)
    }

    /// Runs `call`, bounded by `bound`.
    pub(crate) fn run_for<T, F>(
        &self,
        bound: Option<Duration>,
        call: impl FnOnce(R) -> F,
    ) -> Result<T>
    where
        T: Send + 'static,
        F: Task<T>,
    {
        run_for(&self.client, self.recipe.path(), bound, call(self.recipe.clone()))
    }

    /// Blocks until `lost` resolves, at most `timeout` (for ever without
    /// one): `None` if it has not.
    pub(crate) fn wait_lost<F>(
        &self,
        timeout: Option<Duration>,
        lost: F,
    ) -> Result<Option<LockState>>
    where
        F: Future<Output = LockState> + Send + 'static,
    {
        wait_lost(&self.client, self.recipe.path(), timeout, lost)
    }
}

/// Runs `future` on `client`'s runtime and waits for it at most `bound`
/// (for ever without one); past it the future is dropped and the call
/// fails with [`is_timeout`](Error::is_timeout) naming `path` (what it did
/// may or may not have been applied, as after a connection loss).
pub(crate) fn run_for<T, F>(
    client: &Client,
    path: &str,
    bound: Option<Duration>,
    future: F,
) -> Result<T>
where
    T: Send + 'static,
    F: Future<Output = Result<T>> + Send + 'static,
{
    let Some(bound) = bound else { return client.block_on(future).at(path) };
    client
        .block_on(async move {
            match tokio::time::timeout(bound, future).await {
                Ok(result) => result,
                Err(_) => Err(Error::timeout("the blocking call was not done", bound)),
            }
        })
        .at(path)
}

/// The bound of a call that waits up to `timeout` (none without one): the
/// timeout plus the command timeout, for the requests around the wait.
pub(crate) fn waiting(client: &Client, timeout: Option<Duration>) -> Option<Duration> {
    timeout.map(|timeout| timeout.saturating_add(client.command_timeout()))
}

/// Blocks until `lost` resolves, at most `timeout` (for ever without
/// one): `None` if it has not.
pub(crate) fn wait_lost<F>(
    client: &Client,
    path: &str,
    timeout: Option<Duration>,
    lost: F,
) -> Result<Option<LockState>>
where
    F: Future<Output = LockState> + Send + 'static,
{
    run_for(client, path, waiting(client, timeout), async move {
        Ok(match timeout {
            Some(timeout) => tokio::time::timeout(timeout, lost).await.ok(),
            None => Some(lost.await),
        })
    })
}
