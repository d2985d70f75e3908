//! Times to the second in UTC, as kazoo's leases store them:
//! `"%Y-%m-%dT%H:%M:%S"`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use zookit::UtcTime;

/// Whole seconds since the epoch (negative before it), rounded down.
pub(super) fn seconds(time: SystemTime) -> i64 {
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
pub(super) fn at(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    }
}

/// `"%Y-%m-%dT%H:%M:%S"` of `secs` seconds since the epoch, in UTC.
pub(super) fn format_time(secs: i64) -> String {
    let t = UtcTime::from_millis(secs.saturating_mul(1000));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

/// The seconds since the epoch of a `"%Y-%m-%dT%H:%M:%S"` time in UTC.
pub(super) fn parse_time(text: &str) -> Option<i64> {
    let (date, time) = text.split_once('T')?;
    let mut date = date.split('-');
    let year: i64 = date.next()?.parse().ok()?;
    let month: u32 = date.next()?.parse().ok()?;
    let day: u32 = date.next()?.parse().ok()?;
    let mut time = time.split(':');
    let hour: u32 = time.next()?.parse().ok()?;
    let minute: u32 = time.next()?.parse().ok()?;
    let second: u32 = time.next()?.parse().ok()?;
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
    let time = UtcTime { year, month, day, hour, minute, second, millisecond: 0 };
    Some(time.to_millis().div_euclid(1000))
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
    fn seconds_round_down() {
        assert_eq!(seconds(UNIX_EPOCH + Duration::from_millis(1500)), 1);
        assert_eq!(seconds(UNIX_EPOCH - Duration::from_millis(1500)), -2);
        assert_eq!(
            at(seconds(UNIX_EPOCH + Duration::from_secs(7))),
            UNIX_EPOCH + Duration::from_secs(7)
        );
    }
}
