//! Leases that do not block (kazoo's `NonBlockingLease` and
//! `MultiNonBlockingLease`): a holder and an end time in a node, decided
//! under a [`Lock`], in kazoo's data format so that kazoo clients share
//! them.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use zookit::join_path;

use zookit::{Client, Result};

use crate::lock::{Lock, LockError};

/// kazoo's version of the stored format; a lease stored with another one
/// is left alone (kazoo: "we need an upgrade, let someone else take it").
const FORMAT_VERSION: i64 = 1;

/// The node under the lease's path that holds the holder and the end.
const HOLDER: &str = "lease_holder";

/// How long obtaining a lease waits at most for the lock under which it
/// is decided, unless [`LeaseOptions::lock_timeout`] says otherwise.
pub const DEFAULT_LEASE_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// Options of [`NonBlockingLease::obtain_with`] and
/// [`MultiNonBlockingLease::obtain_with`].
#[derive(Clone, Debug)]
pub struct LeaseOptions {
    /// The time to decide by, instead of the system clock (kazoo's
    /// `utcnow`, for tests). The lease stores times of the clients'
    /// clocks, so they must be roughly synchronized.
    pub now: Option<SystemTime>,
    /// How long to wait at most for the lock under which the lease is
    /// decided; past it the lease is not obtained.
    pub lock_timeout: Duration,
}

impl Default for LeaseOptions {
    fn default() -> Self {
        Self { now: None, lock_timeout: DEFAULT_LEASE_LOCK_TIMEOUT }
    }
}

/// What the holder node stores.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stored {
    version: i64,
    holder: String,
    /// Seconds since the epoch (UTC), whole.
    end: i64,
}

/// An exclusive lease that does not block (kazoo's `NonBlockingLease`):
/// obtaining it either gets it at once or not. Only one identifier holds
/// it at a time, until its end; the holder renews it by obtaining it again
/// with the same identifier.
///
/// The lease is decided under a [`Lock`] on its path and stored in
/// `{path}/lease_holder` as kazoo stores it (JSON with the holder and the
/// end, in UTC, to the second).
///
/// ```no_run
/// # async fn example(zk: zookit::Client) -> zookit::Result<()> {
/// use std::time::Duration;
/// use zookit_recipes::NonBlockingLease;
///
/// // Hold the lease over an hour, to keep the job on the same machine
/// // with failover if it dies.
/// let lease = NonBlockingLease::obtain(
///     &zk,
///     "/db_leases/hourly_cleanup",
///     Duration::from_secs(70 * 60),
///     "DB hourly cleanup on host-1",
/// )
/// .await?;
/// if lease.obtained() {
///     // do_hourly_database_cleanup()
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct NonBlockingLease {
    client: Client,
    path: String,
    identifier: String,
    end: Option<SystemTime>,
}

impl NonBlockingLease {
    /// Tries to obtain the lease at `path` for `duration` as `identifier`
    /// (reuse the identifier to renew it).
    pub async fn obtain(
        client: &Client,
        path: &str,
        duration: Duration,
        identifier: &str,
    ) -> Result<Self> {
        Self::obtain_with(client, path, duration, identifier, &LeaseOptions::default()).await
    }

    /// Like [`obtain`](Self::obtain), with options (a clock, the lock
    /// timeout).
    pub async fn obtain_with(
        client: &Client,
        path: &str,
        duration: Duration,
        identifier: &str,
        options: &LeaseOptions,
    ) -> Result<Self> {
        let end = attempt(client, path, duration, identifier, options).await?;
        Ok(Self {
            client: client.clone(),
            path: path.to_owned(),
            identifier: identifier.to_owned(),
            end,
        })
    }

    /// Whether the lease was obtained (kazoo's `bool(lease)`).
    pub fn obtained(&self) -> bool {
        self.end.is_some()
    }

    /// When the obtained lease ends (to the second); `None` if it was not
    /// obtained.
    pub fn end(&self) -> Option<SystemTime> {
        self.end
    }

    /// The lease's path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The identifier it was asked for.
    pub fn identifier(&self) -> &str {
        &self.identifier
    }

    /// Gives the lease up before its end (not in kazoo): deletes the holder
    /// node if this identifier still holds the lease. `true` if it did.
    pub async fn release(&self) -> Result<bool> {
        if !self.obtained() {
            return Ok(false);
        }
        let client = &self.client;
        let holder = join_path(&self.path, HOLDER);
        let (raw, stat) = match client.retry(|| client.get(&holder)).await {
            Ok(read) => read,
            Err(e) if e.is_no_node() => return Ok(false),
            Err(e) => return Err(e),
        };
        match decode(&raw) {
            Some(stored) if stored.holder == self.identifier => {}
            _ => return Ok(false),
        }
        let delete =
            || std::future::IntoFuture::into_future(client.delete(&holder).version(stat.version));
        match client.retry(delete).await {
            Ok(()) => Ok(true),
            Err(e) if e.is_no_node() || e.is_bad_version() => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// A lease that up to `count` holders share (kazoo's
/// `MultiNonBlockingLease`): obtaining it tries the leases `{path}/0`,
/// `{path}/1`, ... up to `count - 1` and takes the first that can be had.
///
/// ```no_run
/// # async fn example(zk: zookit::Client) -> zookit::Result<()> {
/// use std::time::Duration;
/// use zookit_recipes::MultiNonBlockingLease;
///
/// // At most 3 hosts run the job.
/// let lease = MultiNonBlockingLease::obtain(&zk, 3, "/leases/job", Duration::from_secs(600), "host-1").await?;
/// if lease.obtained() {
///     // run the job
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct MultiNonBlockingLease {
    lease: Option<NonBlockingLease>,
    index: Option<usize>,
}

impl MultiNonBlockingLease {
    /// Tries to obtain one of `count` leases under `path` for `duration`
    /// as `identifier`.
    pub async fn obtain(
        client: &Client,
        count: usize,
        path: &str,
        duration: Duration,
        identifier: &str,
    ) -> Result<Self> {
        Self::obtain_with(client, count, path, duration, identifier, &LeaseOptions::default()).await
    }

    /// Like [`obtain`](Self::obtain), with options.
    pub async fn obtain_with(
        client: &Client,
        count: usize,
        path: &str,
        duration: Duration,
        identifier: &str,
        options: &LeaseOptions,
    ) -> Result<Self> {
        for index in 0..count {
            let lease_path = join_path(path, &index.to_string());
            let lease =
                NonBlockingLease::obtain_with(client, &lease_path, duration, identifier, options)
                    .await?;
            if lease.obtained() {
                return Ok(Self { lease: Some(lease), index: Some(index) });
            }
        }
        Ok(Self { lease: None, index: None })
    }

    /// Whether one of the leases was obtained.
    pub fn obtained(&self) -> bool {
        self.lease.is_some()
    }

    /// Which of the leases was obtained (0 to `count - 1`).
    pub fn index(&self) -> Option<usize> {
        self.index
    }

    /// The lease obtained.
    pub fn lease(&self) -> Option<&NonBlockingLease> {
        self.lease.as_ref()
    }
}

/// kazoo's `_attempt_obtaining`: under the lock, takes the lease if it is
/// free, expired or this identifier's. Returns the new end if obtained.
async fn attempt(
    client: &Client,
    path: &str,
    duration: Duration,
    identifier: &str,
    options: &LeaseOptions,
) -> Result<Option<SystemTime>> {
    client.retry(|| client.ensure_path(path)).await?;
    let lock = Lock::new(client, path, identifier);
    let guard = match lock.lock_timeout(options.lock_timeout).await {
        Ok(guard) => guard,
        // Someone else is deciding it now and does not let go: not ours.
        Err(LockError::Timeout { .. } | LockError::Cancelled { .. }) => return Ok(None),
        Err(LockError::Client(e)) => return Err(e),
        Err(other) => return Err(zookit::__transitional::invalid_argument(other.to_string())),
    };
    let decided = decide(client, path, duration, identifier, options).await;
    // The lock goes either way; its node goes with the session at worst.
    let released = guard.release().await;
    let end = decided?;
    if let Err(LockError::Client(e)) = released {
        tracing::debug!(path, error = %e, "lease: the lock could not be released at once");
    }
    Ok(end)
}

async fn decide(
    client: &Client,
    path: &str,
    duration: Duration,
    identifier: &str,
    options: &LeaseOptions,
) -> Result<Option<SystemTime>> {
    let now = options.now.unwrap_or_else(SystemTime::now);
    let holder = join_path(path, HOLDER);
    let current = match client.retry(|| client.get(&holder)).await {
        Ok((raw, stat)) => {
            let stored = decode(&raw).ok_or_else(|| {
                zookit::__transitional::invalid_argument(format!(
                    "lease {holder}: cannot read {:?}",
                    String::from_utf8_lossy(&raw)
                ))
            })?;
            if stored.version != FORMAT_VERSION {
                return Ok(None);
            }
            if stored.holder != identifier && now < at(stored.end) {
                return Ok(None);
            }
            Some(stat.version)
        }
        Err(e) if e.is_no_node() => None,
        Err(e) => return Err(e),
    };
    let end = seconds(now.checked_add(duration).unwrap_or(now));
    let data = encode(&Stored { version: FORMAT_VERSION, holder: identifier.to_owned(), end });
    let written = match current {
        Some(version) => {
            let set = || {
                std::future::IntoFuture::into_future(client.set(&holder, &data).version(version))
            };
            client.retry(set).await.map(drop)
        }
        None => client
            .retry(|| std::future::IntoFuture::into_future(client.create(&holder, &data)))
            .await
            .map(drop),
    };
    match written {
        Ok(()) => Ok(Some(at(end))),
        // Changed by a client that does not take the lock (or a write of
        // ours whose answer was lost): read it again to see who holds it.
        Err(e) if e.is_bad_version() || e.is_node_exists() => {
            match client.retry(|| client.get(&holder)).await {
                Ok((raw, _))
                    if decode(&raw).is_some_and(|s| s.holder == identifier && s.end == end) =>
                {
                    Ok(Some(at(end)))
                }
                Ok(_) => Ok(None),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

/// Whole seconds since the epoch (negative before it), rounded down.
fn seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => {
            let before = before.duration();
            let whole = i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            if before.subsec_nanos() > 0 { -whole - 1 } else { -whole }
        }
    }
}

/// The time `secs` seconds after the epoch.
fn at(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

// ---- kazoo's format: JSON, with the end as "%Y-%m-%dT%H:%M:%S" (UTC) ----

/// The stored bytes, as Python's `json.dumps` writes them.
fn encode(stored: &Stored) -> Vec<u8> {
    format!(
        "{{\"version\": {}, \"holder\": {}, \"end\": {}}}",
        stored.version,
        json_string(&stored.holder),
        json_string(&format_time(stored.end))
    )
    .into_bytes()
}

fn decode(raw: &[u8]) -> Option<Stored> {
    let text = std::str::from_utf8(raw).ok()?;
    let fields = parse_flat_object(text)?;
    let mut version = None;
    let mut holder = None;
    let mut end = None;
    for (key, value) in fields {
        match (key.as_str(), value) {
            ("version", Value::Number(n)) => version = Some(n),
            ("holder", Value::String(s)) => holder = Some(s),
            ("end", Value::String(s)) => end = Some(parse_time(&s)?),
            _ => {}
        }
    }
    Some(Stored { version: version?, holder: holder?, end: end? })
}

/// A JSON string as Python's `json.dumps` writes it (`ensure_ascii`).
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
    out
}

/// A value of the flat JSON objects the lease stores.
#[derive(Debug, PartialEq)]
enum Value {
    String(String),
    Number(i64),
    Other,
}

/// Parses a JSON object whose values are strings, integers, or anything
/// else (kept as [`Value::Other`], nested objects and arrays included).
fn parse_flat_object(text: &str) -> Option<Vec<(String, Value)>> {
    let mut parser = Parser { chars: text.chars().collect(), at: 0 };
    parser.skip_ws();
    parser.expect('{')?;
    let mut fields = Vec::new();
    parser.skip_ws();
    if parser.peek() == Some('}') {
        parser.at += 1;
    } else {
        loop {
            parser.skip_ws();
            let key = parser.string()?;
            parser.skip_ws();
            parser.expect(':')?;
            parser.skip_ws();
            let value = parser.value()?;
            fields.push((key, value));
            parser.skip_ws();
            match parser.next()? {
                ',' => continue,
                '}' => break,
                _ => return None,
            }
        }
    }
    parser.skip_ws();
    (parser.at == parser.chars.len()).then_some(fields)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn expect(&mut self, want: char) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) {
            self.at += 1;
        }
    }

    fn string(&mut self) -> Option<String> {
        self.expect('"')?;
        let mut out = String::new();
        loop {
            match self.next()? {
                '"' => return Some(out),
                '\\' => match self.next()? {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    '/' => out.push('/'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'n' => out.push('\n'),
                    'r' => out.push('\r'),
                    't' => out.push('\t'),
                    'u' => {
                        let first = self.hex4()?;
                        let c = if (0xD800..0xDC00).contains(&first) {
                            self.expect('\\')?;
                            self.expect('u')?;
                            let second = self.hex4()?;
                            if !(0xDC00..0xE000).contains(&second) {
                                return None;
                            }
                            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                        } else {
                            first
                        };
                        out.push(char::from_u32(c)?);
                    }
                    _ => return None,
                },
                c => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut value = 0;
        for _ in 0..4 {
            value = value * 16 + self.next()?.to_digit(16)?;
        }
        Some(value)
    }

    fn value(&mut self) -> Option<Value> {
        match self.peek()? {
            '"' => self.string().map(Value::String),
            '{' | '[' => {
                // Skipped whole, strings and nesting respected.
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        '"' => {
                            self.string()?;
                        }
                        '{' | '[' => {
                            depth += 1;
                            self.at += 1;
                        }
                        '}' | ']' => {
                            depth -= 1;
                            self.at += 1;
                            if depth == 0 {
                                return Some(Value::Other);
                            }
                        }
                        _ => self.at += 1,
                    }
                }
            }
            _ => {
                let start = self.at;
                while self
                    .peek()
                    .is_some_and(|c| !matches!(c, ',' | '}' | ']' | ' ' | '\t' | '\n' | '\r'))
                {
                    self.at += 1;
                }
                let token: String = self.chars[start..self.at].iter().collect();
                match token.parse::<i64>() {
                    Ok(n) => Some(Value::Number(n)),
                    Err(_) if matches!(token.as_str(), "true" | "false" | "null") => {
                        Some(Value::Other)
                    }
                    Err(_) => token.parse::<f64>().ok().map(|_| Value::Other),
                }
            }
        }
    }
}

/// `"%Y-%m-%dT%H:%M:%S"` of `secs` seconds since the epoch, in UTC.
fn format_time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let in_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        in_day / 3600,
        in_day % 3600 / 60,
        in_day % 60
    )
}

/// The seconds since the epoch of a `"%Y-%m-%dT%H:%M:%S"` time in UTC.
fn parse_time(text: &str) -> Option<i64> {
    let (date, time) = text.split_once('T')?;
    let mut date = date.split('-');
    let year: i64 = date.next()?.parse().ok()?;
    let month: u32 = date.next()?.parse().ok()?;
    let day: u32 = date.next()?.parse().ok()?;
    let mut time = time.split(':');
    let hour: i64 = time.next()?.parse().ok()?;
    let minute: i64 = time.next()?.parse().ok()?;
    let second: i64 = time.next()?.parse().ok()?;
    if date.next().is_some()
        || time.next().is_some()
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || !(0..24).contains(&hour)
        || !(0..60).contains(&minute)
        || !(0..=61).contains(&second)
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date of a day since 1970-01-01 (the inverse of
/// [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = u32::try_from(day_of_year - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_formatted_as_kazoo_does() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00");
        assert_eq!(format_time(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(format_time(1_700_000_000), "2023-11-14T22:13:20");
        assert_eq!(format_time(-1), "1969-12-31T23:59:59");
        for secs in [0, 1, 59, 86_399, 86_400, 951_782_400, 1_700_000_000, 4_102_444_800, -86_401] {
            assert_eq!(parse_time(&format_time(secs)), Some(secs), "{secs}");
        }
        assert_eq!(parse_time("2023-13-01T00:00:00"), None);
        assert_eq!(parse_time("2023-01-01 00:00:00"), None);
    }

    #[test]
    fn the_stored_format_is_pythons_json() {
        let stored = Stored { version: 1, holder: "host \"1\" é".to_owned(), end: 1_700_000_000 };
        let raw = encode(&stored);
        assert_eq!(
            String::from_utf8(raw.clone()).unwrap(),
            r#"{"version": 1, "holder": "host \"1\" \u00e9", "end": "2023-11-14T22:13:20"}"#
        );
        assert_eq!(decode(&raw), Some(stored));
        // As kazoo writes it, with another key order and extra fields.
        let kazoo = br#"{"end": "2030-01-01T00:00:00", "extra": [1, {"a": "}"}], "holder": "h\ud83d\ude00", "version": 1}"#;
        let read = decode(kazoo).unwrap();
        assert_eq!(read.holder, "h\u{1F600}");
        assert_eq!(format_time(read.end), "2030-01-01T00:00:00");
        assert_eq!(decode(b"{\"version\": 1}"), None);
        assert_eq!(decode(b"not json"), None);
    }

    #[test]
    fn seconds_round_down() {
        assert_eq!(seconds(UNIX_EPOCH + Duration::from_millis(1500)), 1);
        assert_eq!(seconds(UNIX_EPOCH - Duration::from_millis(1500)), -2);
        assert_eq!(
            at(seconds(UNIX_EPOCH + Duration::from_secs(7))),
            UNIX_EPOCH + Duration::from_secs(7)
        );
    }
}
