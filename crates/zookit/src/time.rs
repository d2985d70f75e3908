//! ZooKeeper's timestamps on the calendar: a stat's `ctime` and `mtime` are
//! milliseconds since the Unix epoch.

use std::fmt;

/// A UTC date and time, to the millisecond (proleptic Gregorian calendar):
/// what a timestamp such as a stat's `mtime` (milliseconds since the Unix
/// epoch) says on the calendar, for showing it or writing it in a format of
/// one's own.
///
/// Displays as ISO 8601: `2024-05-01T12:00:00.123Z`.
///
/// ```
/// use zookit::UtcTime;
///
/// let time = UtcTime::from_millis(951_782_400_123);
/// assert_eq!((time.year, time.month, time.day), (2000, 2, 29));
/// assert_eq!(time.to_string(), "2000-02-29T00:00:00.123Z");
/// assert_eq!(time.to_millis(), 951_782_400_123);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime {
    /// The year (before 1 AD: 0, -1, ...).
    pub year: i64,
    /// The month, 1 to 12.
    pub month: u32,
    /// The day of the month, 1 to 31.
    pub day: u32,
    /// The hour, 0 to 23.
    pub hour: u32,
    /// The minute, 0 to 59.
    pub minute: u32,
    /// The second, 0 to 59.
    pub second: u32,
    /// The millisecond, 0 to 999.
    pub millisecond: u32,
}

const MILLIS_PER_DAY: i64 = 86_400_000;

impl UtcTime {
    /// The date and time `millis` milliseconds after (or, negative, before)
    /// 1970-01-01T00:00:00Z.
    pub fn from_millis(millis: i64) -> Self {
        let (year, month, day) = civil_from_days(millis.div_euclid(MILLIS_PER_DAY));
        // Less than a day of milliseconds: each part fits.
        let in_day = u32::try_from(millis.rem_euclid(MILLIS_PER_DAY)).unwrap_or(0);
        Self {
            year,
            month,
            day,
            hour: in_day / 3_600_000,
            minute: in_day / 60_000 % 60,
            second: in_day / 1000 % 60,
            millisecond: in_day % 1000,
        }
    }

    /// The milliseconds since 1970-01-01T00:00:00Z (parts out of their
    /// range carry over, as in `2000-01-32` being February 1st).
    pub fn to_millis(&self) -> i64 {
        let days = days_from_civil(self.year, i64::from(self.month), i64::from(self.day));
        let in_day = i64::from(self.hour) * 3_600_000
            + i64::from(self.minute) * 60_000
            + i64::from(self.second) * 1000
            + i64::from(self.millisecond);
        days * MILLIS_PER_DAY + in_day
    }
}

impl fmt::Display for UtcTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.millisecond
        )
    }
}

/// The date of a day number (days since 1970-01-01), from Howard Hinnant's
/// `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    // In range by construction: a day of 1 to 31, a month of 1 to 12.
    let day = u32::try_from(day_of_year - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

/// The day number (days since 1970-01-01) of a date, from Howard Hinnant's
/// `days_from_civil`.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        let at = |millis| UtcTime::from_millis(millis).to_string();
        assert_eq!(at(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(at(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(at(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(at(4_107_542_399_000), "2100-02-28T23:59:59.000Z");
        assert_eq!(at(4_107_542_400_000), "2100-03-01T00:00:00.000Z", "2100 is no leap year");
    }

    #[test]
    fn round_trips_across_eras() {
        // From 0001-01-01 to 9999-12-31, a little less than a day apart.
        let mut millis = -62_135_596_800_000;
        while millis < 253_402_214_400_000 {
            let time = UtcTime::from_millis(millis);
            assert_eq!(time.to_millis(), millis, "{time}");
            assert!((1..=12).contains(&time.month) && (1..=31).contains(&time.day), "{time}");
            millis += 86_399_999_123;
        }
    }

    #[test]
    fn days_carry_over() {
        let time = UtcTime { year: 2000, month: 1, day: 32, ..UtcTime::from_millis(0) };
        assert_eq!(UtcTime::from_millis(time.to_millis()).to_string(), "2000-02-01T00:00:00.000Z");
    }
}
