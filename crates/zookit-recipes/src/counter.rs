//! A shared counter (kazoo's `Counter`), in kazoo's text format or in
//! Curator's binary ones (`SharedCount`, `DistributedAtomicLong`).

use std::fmt;
use std::future::IntoFuture;
use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use zookit::{Client, Error, Result};

/// A number a [`Counter`] can count in: `i64` (stored as Python's `repr`
/// of an int, as kazoo does) and `f64` (Python's `repr` of a float:
/// `"3.0"`, `"0.1"`, `"1e+16"`).
pub trait CounterValue: Copy + PartialEq + fmt::Debug + Send + Sync + 'static {
    /// The value as kazoo stores it: Python's `repr`.
    fn to_text(self) -> String;
    /// A value stored as text (surrounding whitespace allowed, as Python's
    /// `int()` and `float()` allow); `None` if it is not one.
    fn from_text(text: &str) -> Option<Self>;
    /// `self + delta`; `None` on overflow.
    fn add_checked(self, delta: Self) -> Option<Self>;
    /// `-self`; `None` on overflow.
    fn neg_checked(self) -> Option<Self>;
    /// The value as an `i64`, for the binary formats (`None` for floats).
    fn to_i64(self) -> Option<i64>;
    /// A value from an `i64` of a binary format (`None` if out of range).
    fn from_i64(value: i64) -> Option<Self>;
}

impl CounterValue for i64 {
    fn to_text(self) -> String {
        self.to_string()
    }

    fn from_text(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }

    fn add_checked(self, delta: Self) -> Option<Self> {
        self.checked_add(delta)
    }

    fn neg_checked(self) -> Option<Self> {
        self.checked_neg()
    }

    fn to_i64(self) -> Option<i64> {
        Some(self)
    }

    fn from_i64(value: i64) -> Option<Self> {
        Some(value)
    }
}

impl CounterValue for f64 {
    fn to_text(self) -> String {
        python_float_repr(self)
    }

    fn from_text(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }

    fn add_checked(self, delta: Self) -> Option<Self> {
        // As Python: floats overflow to infinity.
        Some(self + delta)
    }

    fn neg_checked(self) -> Option<Self> {
        Some(-self)
    }

    fn to_i64(self) -> Option<i64> {
        None
    }

    fn from_i64(_: i64) -> Option<Self> {
        None
    }
}

/// Python's `repr()` of a float: the shortest digits that read back as the
/// same value, in positional notation when the decimal exponent is from
/// -4 to 15 (with `.0` for whole numbers), else as `1.5e+16`, `1e-05`.
pub(crate) fn python_float_repr(value: f64) -> String {
    if value.is_nan() {
        return "nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // Rust's `{:e}` gives the shortest round-tripping digits too: "-1.25e-7".
    let formatted = format!("{value:e}");
    let (mantissa, exponent) = formatted.split_once('e').unwrap_or((&formatted, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let point = exponent + 1; // the value is 0.<digits> * 10^point
    let len = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let body = if point > -4 && point <= 16 {
        if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else if point >= len {
            format!("{digits}{}.0", "0".repeat((point - len) as usize))
        } else {
            let (whole, fraction) = digits.split_at(point as usize);
            format!("{whole}.{fraction}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { String::new() } else { format!(".{rest}") };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{first}{rest}e{exp_sign}{:02}", exponent.unsigned_abs())
    };
    format!("{sign}{body}")
}

/// How a counter's value is stored in its node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// kazoo's: Python's `repr` as ASCII text.
    Text,
    /// Curator's `SharedCount`: a 4-byte big-endian int.
    SharedCount,
    /// Curator's `DistributedAtomicLong`: an 8-byte big-endian long.
    AtomicLong,
}

/// How the last change went: the value before and after it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change<T> {
    /// The value the change started from (kazoo's `pre_value`).
    pub pre: T,
    /// The value it stored (kazoo's `post_value`).
    pub post: T,
}

/// A shared counter (kazoo's `Counter`): changes are optimistic, versioned
/// updates of its node, retried when another client changed it in between,
/// so that concurrent changes all count, exactly once.
///
/// The node is created (with its parents) on first use; an empty node
/// counts as the default. kazoo's format stores Python's `repr` of the
/// value; [`shared_count`](Counter::shared_count) and
/// [`atomic_long`](Counter::atomic_long) use Curator's formats.
///
/// A change whose answer is lost with the connection is checked: if the
/// node then holds the next version with exactly the data this change
/// wrote, it counts as applied (another client writing the very same value
/// from the very same version at that moment cannot be told apart);
/// otherwise it is made again.
///
/// ```no_run
/// # async fn example(zk: zookit::Client) -> zookit::Result<()> {
/// use zookit_recipes::Counter;
///
/// let mut counter = Counter::new(&zk, "/int", 0);
/// counter.add(2).await?;
/// counter.sub(1).await?;
/// assert_eq!(counter.value().await?, 1);
/// assert_eq!((counter.pre_value(), counter.post_value()), (Some(2), Some(1)));
///
/// let mut floats = Counter::new(&zk, "/float", 1.0);
/// floats.add(2.0).await?; // stored as "3.0"
///
/// let mut shared = Counter::shared_count(&zk, "/curator", 0); // Curator's SharedCount
/// shared.add(2).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[doc(alias("SharedCount", "DistributedAtomicLong"))]
pub struct Counter<T: CounterValue = i64> {
    client: Client,
    path: String,
    default: T,
    format: Format,
    last: Option<Change<T>>,
}

impl<T: CounterValue> Counter<T> {
    /// A counter at `path` in kazoo's format, `default` while its node is
    /// empty (or missing).
    pub fn new(client: &Client, path: &str, default: T) -> Self {
        Self {
            client: client.clone(),
            path: path.to_owned(),
            default,
            format: Format::Text,
            last: None,
        }
    }

    /// The counter's node.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The value of an empty node.
    pub fn default_value(&self) -> T {
        self.default
    }

    /// The current value.
    pub async fn value(&self) -> Result<T> {
        Ok(self.read().await?.0)
    }

    /// Adds `delta` (kazoo's `counter += delta`); returns the new value.
    pub async fn add(&mut self, delta: T) -> Result<T> {
        self.change(delta).await.map(|change| change.post)
    }

    /// Subtracts `delta` (kazoo's `counter -= delta`); returns the new
    /// value.
    pub async fn sub(&mut self, delta: T) -> Result<T> {
        let negated = delta.neg_checked().ok_or_else(|| overflow(&self.path, delta))?;
        self.change(negated).await.map(|change| change.post)
    }

    /// The value before the last change made through this handle.
    pub fn pre_value(&self) -> Option<T> {
        self.last.map(|change| change.pre)
    }

    /// The value the last change made through this handle stored.
    pub fn post_value(&self) -> Option<T> {
        self.last.map(|change| change.post)
    }

    /// The last change made through this handle.
    pub fn last_change(&self) -> Option<Change<T>> {
        self.last
    }

    /// Adds `delta` with a versioned update, again until no other change
    /// came in between.
    async fn change(&mut self, delta: T) -> Result<Change<T>> {
        self.last = None;
        let mut attempt: u32 = 0;
        loop {
            let (pre, version) = self.read().await?;
            let post = pre.add_checked(delta).ok_or_else(|| overflow(&self.path, delta))?;
            let data = self.encode(post)?;
            match self.client.set(&self.path, &data).version(version).await {
                Ok(_) => {
                    let change = Change { pre, post };
                    self.last = Some(change);
                    return Ok(change);
                }
                // Changed (or deleted) by another client meanwhile.
                Err(e) if e.is_bad_version() || e.is_no_node() => {}
                Err(e) if e.is_retryable() => {
                    if self.applied(version, &data).await? {
                        let change = Change { pre, post };
                        self.last = Some(change);
                        return Ok(change);
                    }
                }
                Err(e) => return Err(e),
            }
            attempt = attempt.saturating_add(1);
            tokio::time::sleep(backoff(attempt)).await;
        }
    }

    /// Whether a versioned write of `data` over `version`, whose answer
    /// was lost, was applied.
    async fn applied(&self, version: i32, data: &[u8]) -> Result<bool> {
        match self.client.retry(|| self.client.get(&self.path)).await {
            Ok((now, stat)) => Ok(stat.version == version.wrapping_add(1) && now.as_ref() == data),
            Err(e) if e.is_no_node() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The value and its version, creating the node if it is missing.
    async fn read(&self) -> Result<(T, i32)> {
        loop {
            match self.client.retry(|| self.client.get(&self.path)).await {
                Ok((data, stat)) => return Ok((self.decode(&data)?, stat.version)),
                Err(e) if e.is_no_node() => {}
                Err(e) => return Err(e),
            }
            // kazoo creates an empty node; Curator seeds its formats.
            let initial = match self.format {
                Format::Text => Vec::new(),
                _ => self.encode(self.default)?,
            };
            let create = || self.client.create(&self.path, &initial).makepath().into_future();
            match self.client.retry(create).await {
                Err(e) if !e.is_node_exists() => return Err(e),
                _ => {}
            }
        }
    }

    fn encode(&self, value: T) -> Result<Vec<u8>> {
        let out_of_range = || {
            zookit::__transitional::invalid_argument(format!(
                "counter {}: {value:?} does not fit the counter's format ({:?})",
                self.path, self.format
            ))
        };
        match self.format {
            Format::Text => Ok(value.to_text().into_bytes()),
            Format::SharedCount => {
                let value =
                    value.to_i64().and_then(|v| i32::try_from(v).ok()).ok_or_else(out_of_range)?;
                Ok(value.to_be_bytes().to_vec())
            }
            Format::AtomicLong => {
                Ok(value.to_i64().ok_or_else(out_of_range)?.to_be_bytes().to_vec())
            }
        }
    }

    fn decode(&self, data: &[u8]) -> Result<T> {
        if data.is_empty() {
            return Ok(self.default);
        }
        let value = match self.format {
            Format::Text => std::str::from_utf8(data).ok().and_then(T::from_text),
            Format::SharedCount => <[u8; 4]>::try_from(data)
                .ok()
                .and_then(|b| T::from_i64(i64::from(i32::from_be_bytes(b)))),
            Format::AtomicLong => {
                <[u8; 8]>::try_from(data).ok().and_then(|b| T::from_i64(i64::from_be_bytes(b)))
            }
        };
        value.ok_or_else(|| {
            zookit::__transitional::invalid_argument(format!(
                "counter {}: the node holds {:?}, not a value of the counter's format ({:?})",
                self.path,
                String::from_utf8_lossy(data),
                self.format
            ))
        })
    }
}

impl Counter<i64> {
    /// A counter at `path` in the format of Curator's `SharedCount` (a
    /// 4-byte big-endian int; kazoo's `support_curator=True`). A missing
    /// node is created holding `default`, as Curator seeds it. A change
    /// beyond the range of an `i32` fails.
    pub fn shared_count(client: &Client, path: &str, default: i32) -> Self {
        Self { format: Format::SharedCount, ..Self::new(client, path, i64::from(default)) }
    }

    /// A counter at `path` in the format of Curator's
    /// `DistributedAtomicLong` (an 8-byte big-endian long). A missing node
    /// is created holding `default`.
    pub fn atomic_long(client: &Client, path: &str, default: i64) -> Self {
        Self { format: Format::AtomicLong, ..Self::new(client, path, default) }
    }
}

fn overflow<T: fmt::Debug>(path: &str, delta: T) -> Error {
    zookit::__transitional::invalid_argument(format!(
        "counter {path}: changing it by {delta:?} overflows"
    ))
}

/// A short random pause before the next attempt after a lost race, growing
/// with the attempts (at most 32 ms), so that contenders spread out.
fn backoff(attempt: u32) -> Duration {
    let cap = 1u64 << attempt.min(5);
    let random = RandomState::new().hash_one(attempt);
    Duration::from_micros(random % (cap * 1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_written_as_python_repr() {
        let cases = [
            (3.0, "3.0"),
            (0.1, "0.1"),
            (-2.5, "-2.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e300, "1e+300"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (0.1 + 0.2, "0.30000000000000004"),
            (100.0, "100.0"),
            (12.34, "12.34"),
        ];
        for (value, repr) in cases {
            assert_eq!(python_float_repr(value), repr, "{value:e}");
        }
    }

    #[test]
    fn python_text_reads_back() {
        for text in ["3.0", "1e+16", "1e-05", "inf", "-inf", " 2.5\n", "1.2345678901234568e+17"] {
            assert!(f64::from_text(text).is_some(), "{text}");
        }
        assert!(f64::from_text("nan").is_some_and(f64::is_nan));
        assert_eq!(i64::from_text(" 42 "), Some(42));
        assert_eq!(i64::from_text("3.0"), None);
        assert_eq!(f64::from_i64(1), None);
    }

    #[test]
    fn backoff_stays_short() {
        for attempt in 0..100 {
            assert!(backoff(attempt) < Duration::from_millis(33));
        }
    }
}
