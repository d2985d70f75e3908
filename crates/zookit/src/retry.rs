//! Retrying operations that failed because the connection was lost, with
//! the semantics of kazoo's `KazooRetry`.

use std::fmt;
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use zookit_proto::ErrorCode;

use crate::error::{Error, ErrorKind, Result};

/// How often an interrupt check runs while sleeping between tries.
const INTERRUPT_CHECK_INTERVAL: Duration = Duration::from_millis(100);

type InterruptFn = Arc<dyn Fn() -> bool + Send + Sync>;

/// How to retry an operation that failed because the connection was lost
/// (kazoo's `KazooRetry`).
///
/// [`run`](Self::run) retries on `ConnectionLoss` and `OperationTimeout`,
/// and on `SessionExpired` unless [`ignore_expire(false)`](Self::ignore_expire);
/// any other error, [`Closed`](ErrorKind::Closed) included, is returned at
/// once. Between tries it sleeps `delay`, then each time `backoff` times the
/// previous sleep, capped at `max_delay`; each sleep is multiplied by a
/// random jitter factor from `1 - max_jitter` to `1 + max_jitter`.
///
/// ```
/// use std::time::Duration;
/// use zookit::RetryPolicy;
///
/// let retry = RetryPolicy::new()
///     .max_tries(Some(5))
///     .delay(Duration::from_millis(50))
///     .deadline(Some(Duration::from_secs(10)));
/// # let _ = retry;
/// ```
#[derive(Clone)]
#[doc(alias("KazooRetry", "RetryNTimes", "ExponentialBackoffRetry"))]
pub struct RetryPolicy {
    max_tries: Option<u32>,
    delay: Duration,
    backoff: f64,
    max_jitter: f64,
    max_delay: Duration,
    deadline: Option<Duration>,
    ignore_expire: bool,
    interrupt: Option<InterruptFn>,
}

impl RetryPolicy {
    /// kazoo's `KazooRetry()` defaults: one retry, a delay of 100 ms that
    /// doubles up to 60 s with 40 % jitter, no deadline, `SessionExpired`
    /// retried, no interrupt check.
    pub fn new() -> Self {
        Self {
            max_tries: Some(1),
            delay: Duration::from_millis(100),
            backoff: 2.0,
            max_jitter: 0.4,
            max_delay: Duration::from_secs(60),
            deadline: None,
            ignore_expire: true,
            interrupt: None,
        }
    }

    /// How many times to retry, not counting the first try: `Some(0)` runs
    /// the operation once, `Some(3)` up to four times, `None` without limit
    /// (kazoo's `max_tries=-1`).
    pub fn max_tries(mut self, tries: Option<u32>) -> Self {
        self.max_tries = tries;
        self
    }

    /// The sleep before the first retry (before jitter).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The factor by which each sleep grows (negative or NaN: 0).
    pub fn backoff(mut self, factor: f64) -> Self {
        self.backoff = factor.max(0.0);
        self
    }

    /// The jitter: each sleep is multiplied by a random factor from
    /// `1 - max_jitter` to `1 + max_jitter`; clamped to 0.0..=1.0.
    pub fn max_jitter(mut self, max_jitter: f64) -> Self {
        self.max_jitter = if max_jitter.is_nan() { 0.0 } else { max_jitter.clamp(0.0, 1.0) };
        self
    }

    /// The cap on the sleep before jitter, however often it grew.
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// The total time budget, counted from the first try: the policy gives
    /// up rather than sleep past it. `None` (the default): no limit.
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// Whether to retry on `SessionExpired` too (the default, as in kazoo).
    pub fn ignore_expire(mut self, yes: bool) -> Self {
        self.ignore_expire = yes;
        self
    }

    /// A check that stops the retrying with [`ErrorKind::Interrupted`] when
    /// it returns true. It runs before each sleep and every 100 ms during it.
    pub fn interrupt(mut self, interrupt: impl Fn() -> bool + Send + Sync + 'static) -> Self {
        self.interrupt = Some(Arc::new(interrupt));
        self
    }

    /// Runs `operation` until it succeeds, fails with an error that is not
    /// retried, or the policy gives up.
    ///
    /// Giving up (no tries left, or the next sleep would end at or past the
    /// deadline) returns [`ErrorKind::RetryFailed`] with the number of tries
    /// and the last error; an interrupt returns [`ErrorKind::Interrupted`].
    pub async fn run<T, F, Fut>(&self, mut operation: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: IntoFuture<Output = Result<T>>,
    {
        let start = Instant::now();
        let mut delays = self.delays();
        let mut tries: u32 = 0;
        loop {
            let err = match operation().await {
                Ok(value) => return Ok(value),
                Err(err) => err,
            };
            tries = tries.saturating_add(1);
            if !self.retries(&err) {
                return Err(err);
            }
            let sleep = delays.next(&mut rand::rng());
            if !self.allows(tries, start.elapsed().saturating_add(sleep)) {
                return Err(Error::retry_failed(tries, err));
            }
            self.sleep(sleep).await?;
        }
    }

    /// The sleep before retry number `attempt` (1-based), jitter drawn from
    /// `rng`: `delay`, then `min(delay * backoff^(attempt - 1), max_delay)`,
    /// times the jitter. Unlike [`run`](Self::run), which follows kazoo in
    /// growing each sleep from the previous jittered one, earlier jitter
    /// does not carry over.
    pub(crate) fn delay_for(&self, attempt: u32, rng: &mut impl rand::Rng) -> Duration {
        let base = match attempt {
            0 | 1 => self.delay,
            n => {
                let exponent = i32::try_from(n - 1).unwrap_or(i32::MAX);
                scale(self.delay, self.backoff.powi(exponent)).min(self.max_delay)
            }
        };
        scale(base, self.jitter(rng))
    }

    /// Whether the policy allows another try after `tries` tries, when the
    /// sleep before it would end `elapsed` after the first try started.
    pub(crate) fn allows(&self, tries: u32, elapsed: Duration) -> bool {
        let tries_left = self.max_tries.is_none_or(|max| tries <= max);
        let time_left = self.deadline.is_none_or(|deadline| elapsed < deadline);
        tries_left && time_left
    }

    /// Whether `err` is worth another try. Only the error itself counts: a
    /// nested [`ErrorKind::RetryFailed`] is not retried again.
    fn retries(&self, err: &Error) -> bool {
        match err.kind() {
            ErrorKind::Code(ErrorCode::ConnectionLoss | ErrorCode::OperationTimeout) => true,
            ErrorKind::Code(ErrorCode::SessionExpired) => self.ignore_expire,
            _ => false,
        }
    }

    /// The sleeps of one run, as kazoo computes them.
    fn delays(&self) -> Delays<'_> {
        Delays { policy: self, next_base: self.delay }
    }

    fn jitter(&self, rng: &mut impl rand::Rng) -> f64 {
        rng.random_range(1.0 - self.max_jitter..=1.0 + self.max_jitter)
    }

    /// Sleeps `duration`, checking the interrupt before and every 100 ms.
    async fn sleep(&self, duration: Duration) -> Result<()> {
        let Some(interrupt) = &self.interrupt else {
            tokio::time::sleep(duration).await;
            return Ok(());
        };
        let mut left = duration;
        loop {
            if interrupt() {
                return Err(Error::new(ErrorKind::Interrupted));
            }
            if left.is_zero() {
                return Ok(());
            }
            let slice = left.min(INTERRUPT_CHECK_INTERVAL);
            tokio::time::sleep(slice).await;
            left -= slice;
        }
    }
}

/// kazoo's sleep sequence: each sleep is the base times a jitter, and the
/// next base is that sleep (jitter included) times `backoff`, capped at
/// `max_delay`.
struct Delays<'a> {
    policy: &'a RetryPolicy,
    next_base: Duration,
}

impl Delays<'_> {
    fn next(&mut self, rng: &mut impl rand::Rng) -> Duration {
        let sleep = scale(self.next_base, self.policy.jitter(rng));
        self.next_base = scale(sleep, self.policy.backoff).min(self.policy.max_delay);
        sleep
    }
}

/// `duration * factor` for a factor of at least 0, saturating (0 × ∞ is 0).
fn scale(duration: Duration, factor: f64) -> Duration {
    let secs = duration.as_secs_f64() * factor;
    if secs.is_nan() {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX)
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let interrupt = if self.interrupt.is_some() { "present" } else { "absent" };
        f.debug_struct("RetryPolicy")
            .field("max_tries", &self.max_tries)
            .field("delay", &self.delay)
            .field("backoff", &self.backoff)
            .field("max_jitter", &self.max_jitter)
            .field("max_delay", &self.max_delay)
            .field("deadline", &self.deadline)
            .field("ignore_expire", &self.ignore_expire)
            .field("interrupt", &format_args!("{interrupt}"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    const SEC: Duration = Duration::from_secs(1);
    const MS: Duration = Duration::from_millis(1);

    /// A policy without jitter, so that sleeps are exact.
    fn exact() -> RetryPolicy {
        RetryPolicy::new().max_jitter(0.0)
    }

    /// Runs `policy` on an operation that fails with the errors `fail`
    /// returns for tries 1, 2, ... (`None`: succeed). Returns the result,
    /// the number of tries and the (virtual) time taken.
    async fn run_with(
        policy: &RetryPolicy,
        fail: impl Fn(u32) -> Option<Error>,
    ) -> (Result<u32>, u32, Duration) {
        let tries = AtomicU32::new(0);
        let start = Instant::now();
        let result = policy
            .run(|| {
                let n = tries.fetch_add(1, Ordering::SeqCst) + 1;
                let outcome = fail(n).map_or(Ok(n), Err);
                async move { outcome }
            })
            .await;
        (result, tries.load(Ordering::SeqCst), start.elapsed())
    }

    fn always(code: ErrorCode) -> impl Fn(u32) -> Option<Error> {
        move |_| Some(Error::from_code(code))
    }

    fn kind<T>(result: &Result<T>) -> Option<ErrorKind> {
        result.as_ref().err().map(Error::kind)
    }

    fn gave_up_after<T>(result: &Result<T>) -> Option<(u32, Option<ErrorCode>)> {
        let err = result.as_ref().err()?;
        match err.kind() {
            ErrorKind::RetryFailed { attempts } => Some((attempts, err.code())),
            _ => None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn defaults_retry_once_after_about_100_ms() {
        let (result, tries, took) =
            run_with(&RetryPolicy::new(), always(ErrorCode::ConnectionLoss)).await;
        assert_eq!(gave_up_after(&result), Some((2, Some(ErrorCode::ConnectionLoss))));
        assert_eq!(tries, 2);
        assert!(
            took >= Duration::from_millis(60) && took <= Duration::from_millis(140),
            "{took:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn sleeps_grow_by_backoff() {
        let policy = exact().max_tries(Some(3)).delay(SEC).backoff(2.0);
        let (result, tries, took) = run_with(&policy, always(ErrorCode::ConnectionLoss)).await;
        assert_eq!(gave_up_after(&result), Some((4, Some(ErrorCode::ConnectionLoss))));
        assert_eq!(tries, 4);
        assert_eq!(took, 7 * SEC); // 1 + 2 + 4
    }

    #[tokio::test(start_paused = true)]
    async fn sleeps_are_capped_at_max_delay() {
        let policy = exact().max_tries(Some(4)).delay(SEC).backoff(10.0).max_delay(5 * SEC);
        let (_, tries, took) = run_with(&policy, always(ErrorCode::OperationTimeout)).await;
        assert_eq!(tries, 5);
        assert_eq!(took, 16 * SEC); // 1 + 5 + 5 + 5
    }

    #[tokio::test(start_paused = true)]
    async fn zero_tries_runs_once() {
        let (result, tries, took) =
            run_with(&exact().max_tries(Some(0)), always(ErrorCode::ConnectionLoss)).await;
        assert_eq!(gave_up_after(&result), Some((1, Some(ErrorCode::ConnectionLoss))));
        assert_eq!((tries, took), (1, Duration::ZERO));
    }

    #[tokio::test(start_paused = true)]
    async fn returns_the_first_success() {
        let policy = exact().max_tries(Some(5)).delay(SEC);
        let fail = |n| (n < 3).then(|| Error::from_code(ErrorCode::ConnectionLoss));
        let (result, tries, took) = run_with(&policy, fail).await;
        assert_eq!(result.ok(), Some(3));
        assert_eq!((tries, took), (3, 3 * SEC)); // 1 + 2
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_tries_until_success() {
        let policy = exact().max_tries(None).delay(SEC).max_delay(10 * SEC);
        let fail = |n| (n <= 1000).then(|| Error::from_code(ErrorCode::ConnectionLoss));
        let (result, tries, took) = run_with(&policy, fail).await;
        assert_eq!(result.ok(), Some(1001));
        assert_eq!(tries, 1001);
        // 1 + 2 + 4 + 8, then 996 sleeps of 10.
        assert_eq!(took, (15 + 996 * 10) * SEC);
    }

    #[tokio::test(start_paused = true)]
    async fn never_retries_other_errors() {
        let errors = [
            Error::closed(),
            Error::from_code(ErrorCode::NoNode),
            Error::from_code(ErrorCode::NodeExists),
            Error::invalid_argument("bad"),
            // Already retried: not again, although its last error was.
            Error::retry_failed(2, Error::from_code(ErrorCode::ConnectionLoss)),
        ];
        for error in errors {
            let expected = error.to_string();
            let once = std::sync::Mutex::new(Some(error));
            let fail = |_| once.lock().ok()?.take();
            let (result, tries, took) = run_with(&RetryPolicy::new().max_tries(None), fail).await;
            assert_eq!(result.err().map(|e| e.to_string()), Some(expected));
            assert_eq!((tries, took), (1, Duration::ZERO));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn session_expired_is_retried_unless_told_otherwise() {
        let policy = exact().max_tries(Some(2));
        let (result, tries, _) = run_with(&policy, always(ErrorCode::SessionExpired)).await;
        assert_eq!(gave_up_after(&result), Some((3, Some(ErrorCode::SessionExpired))));
        assert_eq!(tries, 3);

        let policy = policy.ignore_expire(false);
        let (result, tries, _) = run_with(&policy, always(ErrorCode::SessionExpired)).await;
        assert!(matches!(kind(&result), Some(ErrorKind::Code(ErrorCode::SessionExpired))));
        assert_eq!(tries, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_rather_than_sleep_past_the_deadline() {
        let policy = exact().max_tries(None).delay(SEC).backoff(1.0).deadline(Some(3500 * MS));
        let (result, tries, took) = run_with(&policy, always(ErrorCode::ConnectionLoss)).await;
        // Sleeps ending at 1, 2 and 3 s fit; one ending at 4 s would not.
        assert_eq!(gave_up_after(&result), Some((4, Some(ErrorCode::ConnectionLoss))));
        assert_eq!((tries, took), (4, 3 * SEC));
    }

    #[tokio::test(start_paused = true)]
    async fn a_sleep_ending_exactly_at_the_deadline_is_too_late() {
        let policy = exact().max_tries(None).delay(SEC).backoff(1.0).deadline(Some(2 * SEC));
        let (_, tries, took) = run_with(&policy, always(ErrorCode::ConnectionLoss)).await;
        assert_eq!((tries, took), (2, SEC));
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_counts_the_time_tries_take() {
        let policy = exact().max_tries(None).delay(500 * MS).backoff(1.0).deadline(Some(2500 * MS));
        let start = Instant::now();
        let result: Result<()> = policy
            .run(|| async {
                tokio::time::sleep(SEC).await;
                Err(Error::from_code(ErrorCode::ConnectionLoss))
            })
            .await;
        // Try 1 ends at 1 s, sleep to 1.5 s; try 2 ends at 2.5 s: no time left.
        assert_eq!(gave_up_after(&result), Some((2, Some(ErrorCode::ConnectionLoss))));
        assert_eq!(start.elapsed(), 2500 * MS);
    }

    #[tokio::test(start_paused = true)]
    async fn an_interrupt_before_the_sleep_stops_at_once() {
        let stop = Arc::new(AtomicBool::new(false));
        let policy = exact().max_tries(None).delay(10 * SEC).interrupt({
            let stop = Arc::clone(&stop);
            move || stop.load(Ordering::SeqCst)
        });
        let fail = |n| {
            stop.store(n == 2, Ordering::SeqCst);
            Some(Error::from_code(ErrorCode::ConnectionLoss))
        };
        let (result, tries, took) = run_with(&policy, fail).await;
        assert!(matches!(kind(&result), Some(ErrorKind::Interrupted)));
        assert_eq!((tries, took), (2, 10 * SEC));
    }

    #[tokio::test(start_paused = true)]
    async fn an_interrupt_during_the_sleep_stops_within_100_ms() {
        let start = Instant::now();
        let policy =
            exact().max_tries(None).delay(60 * SEC).interrupt(move || start.elapsed() >= 1250 * MS);
        let (result, tries, took) = run_with(&policy, always(ErrorCode::ConnectionLoss)).await;
        assert!(matches!(kind(&result), Some(ErrorKind::Interrupted)));
        assert_eq!((tries, took), (1, 1300 * MS));
    }

    #[test]
    fn run_is_send() {
        fn assert_send(_: impl Send) {}
        assert_send(RetryPolicy::new().interrupt(|| false).run(|| async { Ok(()) }));
    }

    #[test]
    fn kazoo_sleeps_grow_from_the_jittered_sleep() {
        let policy = RetryPolicy::new().delay(SEC).backoff(3.0).max_delay(1000 * SEC);
        let mut rng = StdRng::seed_from_u64(7);
        let mut delays = policy.delays();
        let mut previous = delays.next(&mut rng);
        assert!(previous >= 600 * MS && previous <= 1400 * MS, "{previous:?}");
        for _ in 0..4 {
            let sleep = delays.next(&mut rng);
            let ratio = sleep.as_secs_f64() / previous.as_secs_f64();
            assert!((3.0 * 0.6..=3.0 * 1.4).contains(&ratio), "{previous:?} -> {sleep:?}");
            previous = sleep;
        }
    }

    #[test]
    fn kazoo_caps_the_base_not_the_jittered_sleep() {
        let policy = RetryPolicy::new().delay(SEC).backoff(100.0).max_delay(2 * SEC);
        let mut rng = StdRng::seed_from_u64(1);
        let mut delays = policy.delays();
        delays.next(&mut rng);
        for _ in 0..100 {
            let sleep = delays.next(&mut rng);
            assert!(sleep >= 1200 * MS && sleep <= 2800 * MS, "{sleep:?}");
        }
    }

    #[test]
    fn delay_for_grows_and_caps() {
        let policy = exact().delay(100 * MS).backoff(2.0).max_delay(SEC);
        let mut rng = StdRng::seed_from_u64(0);
        let delays: Vec<_> = (1..=6).map(|n| policy.delay_for(n, &mut rng)).collect();
        assert_eq!(delays, [100, 200, 400, 800, 1000, 1000].map(|ms| ms * MS));
        assert_eq!(policy.delay_for(u32::MAX, &mut rng), SEC);
        let huge = exact().backoff(f64::MAX).max_delay(Duration::MAX);
        assert_eq!(huge.delay_for(3, &mut rng), Duration::MAX);
        assert_eq!(huge.delay(Duration::ZERO).delay_for(3, &mut rng), Duration::ZERO);
    }

    #[test]
    fn delay_for_applies_jitter() {
        let policy = RetryPolicy::new().delay(SEC).max_jitter(0.5);
        let mut rng = StdRng::seed_from_u64(42);
        let delays: Vec<_> = (0..200).map(|_| policy.delay_for(1, &mut rng)).collect();
        assert!(delays.iter().all(|d| *d >= 500 * MS && *d <= 1500 * MS));
        assert!(delays.iter().any(|d| *d < 800 * MS) && delays.iter().any(|d| *d > 1200 * MS));
    }

    #[test]
    fn allows_counts_retries_and_the_deadline() {
        let policy = RetryPolicy::new().max_tries(Some(2)).deadline(Some(SEC));
        assert!(policy.allows(1, Duration::ZERO));
        assert!(policy.allows(2, 999 * MS));
        assert!(!policy.allows(3, Duration::ZERO));
        assert!(!policy.allows(1, SEC));
        let unlimited = RetryPolicy::new().max_tries(None);
        assert!(unlimited.allows(u32::MAX, Duration::MAX));
    }

    #[test]
    fn builders_clamp_odd_values() {
        let policy = RetryPolicy::new().max_jitter(3.0).backoff(-1.0);
        assert_eq!((policy.max_jitter, policy.backoff), (1.0, 0.0));
        let policy = RetryPolicy::new().max_jitter(f64::NAN).backoff(f64::NAN);
        assert_eq!((policy.max_jitter, policy.backoff), (0.0, 0.0));
        assert_eq!(RetryPolicy::new().max_jitter(-0.5).max_jitter, 0.0);
    }

    #[test]
    fn debug_shows_whether_there_is_an_interrupt() {
        let debug = format!("{:?}", RetryPolicy::default());
        assert!(
            debug.contains("max_tries: Some(1)") && debug.contains("interrupt: absent"),
            "{debug}"
        );
        let debug = format!("{:?}", RetryPolicy::new().interrupt(|| true));
        assert!(debug.contains("interrupt: present"), "{debug}");
    }
}
