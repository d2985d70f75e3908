//! What the recipes that acquire a node and hold it (the locks, the
//! semaphore) share: acquiring within limits taken at the call, guarding
//! what was acquired, and their common methods.

use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Handle;
use tokio::sync::Mutex;
use zookit::Client;

use crate::contenders::{Pending, Won};
use crate::error::{At, Error, Result};
use crate::guard::LockGuard;
use crate::hold::{Acquisition, Held};
use crate::limits::{Cancel, Canceller, Limits};

/// What an acquirer keeps: what it holds, one acquisition at a time, and
/// its `cancel()`.
#[derive(Debug)]
pub(crate) struct Holder {
    pub(crate) held: Arc<Held>,
    /// Taken for the whole of an acquisition.
    pub(crate) serial: Mutex<()>,
    canceller: Canceller,
}

impl Holder {
    pub(crate) fn new(client: &Client) -> Self {
        Self { held: Held::new(client), serial: Mutex::new(()), canceller: Canceller::new() }
    }
}

/// A recipe whose acquisitions hold a node: a lock, a semaphore.
pub(crate) trait Acquirer: Clone + Send + Sync + 'static {
    /// The recipe's path, which its errors name.
    fn path(&self) -> &str;

    /// What it keeps.
    fn holder(&self) -> &Holder;

    /// What it holds.
    fn held(&self) -> &Arc<Held> {
        &self.holder().held
    }

    /// A token that resolves on the next [`cancel`](Self::cancel).
    fn cancel_token(&self) -> Cancel {
        self.holder().canceller.token()
    }

    /// Makes every acquisition in progress give up.
    fn cancel(&self) {
        self.holder().canceller.cancel();
    }

    /// Acquires within `limits`. `None`: not acquired, and `blocking` is
    /// false.
    fn acquire_within(
        &self,
        blocking: bool,
        limits: Limits,
    ) -> impl Future<Output = Result<Option<Arc<Acquisition>>>> + Send;
}

/// kazoo's `acquire(blocking, timeout)`, its limits taken now (a `cancel()`
/// from then on is never missed); errors name the recipe's path.
pub(crate) fn acquire<A: Acquirer>(
    recipe: &A,
    blocking: bool,
    timeout: Option<Duration>,
) -> impl Future<Output = Result<Option<Arc<Acquisition>>>> + Send + 'static + use<A> {
    let recipe = recipe.clone();
    let limits = Limits::new(timeout, recipe.cancel_token());
    async move { recipe.acquire_within(blocking, limits).await.at(recipe.path()) }
}

/// Acquires, waiting up to `timeout` (for ever without one), and guards
/// the acquisition.
pub(crate) fn guarded<A: Acquirer>(
    recipe: &A,
    timeout: Option<Duration>,
) -> impl Future<Output = Result<LockGuard>> + Send + 'static + use<A> {
    let acquiring = acquire(recipe, true, timeout);
    let recipe = recipe.clone();
    async move {
        match acquiring.await? {
            Some(acquisition) => {
                Ok(LockGuard::new(Arc::clone(recipe.held()), acquisition, recipe.path()))
            }
            None => Err(Error::cancelled().at(recipe.path())),
        }
    }
}

/// Ends an acquisition with its `outcome`: `held` holds the node won; a
/// node not won (not first, given up, failed) is deleted.
pub(crate) async fn conclude(
    held: &Arc<Held>,
    client: &Client,
    runtime: Handle,
    mut pending: Pending,
    outcome: Result<Option<Won>>,
) -> Result<Option<Arc<Acquisition>>> {
    match outcome {
        Ok(Some(won)) => {
            pending.keep();
            Ok(Some(held.begin(client, won, runtime)))
        }
        Ok(None) => {
            pending.clean_up().await?;
            Ok(None)
        }
        Err(err) => {
            if let Err(cleanup) = pending.clean_up().await {
                tracing::warn!(err = %cleanup, "cannot delete a contender node");
            }
            Err(err)
        }
    }
}

/// The methods of a recipe that acquires a node and holds it, through the
/// [`Acquirer`] its `acquirer()` returns; `$guard` and `$guard_timeout`
/// name its guarded acquisitions (`lock`, `lease`).
macro_rules! acquirer_methods {
    ($guard:ident, $guard_timeout:ident) => {
        /// Acquires (kazoo's `acquire(blocking, timeout)`): `true` once
        /// held. Without `blocking`, `false` if it cannot be had at once.
        /// Fails with [`is_timeout`](crate::Error::is_timeout) if `timeout`
        /// passes first, [`is_cancelled`](crate::Error::is_cancelled) on
        /// [`cancel`](Self::cancel) (from the moment this is called), and at
        /// once with the client's error if the client is stopped, not
        /// started, or its session expired. Connection losses meanwhile are
        /// ridden out; a node not won is deleted.
        pub fn acquire(
            &self,
            blocking: bool,
            timeout: Option<Duration>,
        ) -> impl Future<Output = Result<bool>> + Send + 'static + use<> {
            let acquiring = crate::acquirer::acquire(self.acquirer(), blocking, timeout);
            async move { Ok(acquiring.await?.is_some()) }
        }

        /// Acquires, waiting as long as it takes (or until
        /// [`cancel`](Self::cancel)), and returns a guard that releases it
        /// when dropped.
        pub fn $guard(&self) -> impl Future<Output = Result<LockGuard>> + Send + 'static + use<> {
            crate::acquirer::guarded(self.acquirer(), None)
        }

        #[doc = concat!("Like [`", stringify!($guard), "`](Self::", stringify!($guard), "), failing")]
        /// with [`is_timeout`](crate::Error::is_timeout) after `timeout`.
        pub fn $guard_timeout(
            &self,
            timeout: Duration,
        ) -> impl Future<Output = Result<LockGuard>> + Send + 'static + use<> {
            crate::acquirer::guarded(self.acquirer(), Some(timeout))
        }

        /// Releases what is held: `Released` at once, then its node is
        /// deleted (before this returns when the connection allows, else
        /// once it is back). `false` if nothing was held.
        pub async fn release(&self) -> Result<bool> {
            self.held().release(None).await.at(self.path())
        }

        /// Makes every acquisition in progress (in any task) fail with
        /// [`is_cancelled`](crate::Error::is_cancelled), deleting its node.
        /// Later acquisitions are not affected.
        pub fn cancel(&self) {
            crate::acquirer::Acquirer::cancel(self.acquirer())
        }

        /// The state of the holding: only [`LockState::Acquired`] means it
        /// is held.
        pub fn state(&self) -> LockState {
            self.held().state()
        }

        /// Whether it is held now: acquired, and the session connected.
        pub fn is_acquired(&self) -> bool {
            self.state().is_acquired()
        }

        /// Every change of the holding's state from now on.
        pub fn states(&self) -> LockStates {
            LockStates::new(self.held().subscribe())
        }

        /// Resolves as soon as nothing is held (at once if nothing is):
        /// with `Suspended` (possibly lost: stop relying on it), `Lost` or
        /// `Released`. A suspension is reported however briefly it lasted.
        pub fn lost(&self) -> impl Future<Output = LockState> + Send + 'static + use<> {
            self.held().lost()
        }

        /// The path of the node held, while one is.
        pub fn node(&self) -> Option<String> {
            self.held().node()
        }

        fn held(&self) -> &std::sync::Arc<crate::hold::Held> {
            crate::acquirer::Acquirer::held(self.acquirer())
        }
    };
}

pub(crate) use acquirer_methods;
