//! Times to the second in UTC, as kazoo's leases store them:
//! `"%Y-%m-%dT%H:%M:%S"`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

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
pub(super) fn parse_time(text: &str) -> Option<i64> {
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
    fn seconds_round_down() {
        assert_eq!(seconds(UNIX_EPOCH + Duration::from_millis(1500)), 1);
        assert_eq!(seconds(UNIX_EPOCH - Duration::from_millis(1500)), -2);
        assert_eq!(
            at(seconds(UNIX_EPOCH + Duration::from_secs(7))),
            UNIX_EPOCH + Duration::from_secs(7)
        );
    }
}
