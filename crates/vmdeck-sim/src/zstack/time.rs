//! Timestamps as the MN's Gson writes them: Java 8 `MMM d, yyyy h:mm:ss a`, `Locale.US`, in
//! the MN's local time with no zone. The simulated MN runs in Asia/Shanghai, a fixed UTC+8
//! (China has had no daylight saving since 1991), so a client must be told that zone.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

use crate::seed_util::civil_from_days;

/// The MN's zone, as an IANA name (for documentation and the client's `timezone` setting).
pub const MN_TIME_ZONE: &str = "Asia/Shanghai";
const MN_OFFSET_HOURS: i8 = 8;

fn zone() -> TimeZone {
    TimeZone::fixed(Offset::constant(MN_OFFSET_HOURS))
}

/// `Oct 7, 2024 12:05:09 AM` for a unix second.
pub fn java_date(unix: i64) -> String {
    let local = unix.saturating_add(i64::from(MN_OFFSET_HOURS) * 3600);
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let secs = local.rem_euclid(86_400);
    let (h, min, sec) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let (h12, ampm) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    format!(
        "{} {d}, {y} {h12}:{min:02}:{sec:02} {ampm}",
        MONTHS[(m - 1) as usize]
    )
}

/// `yyyyMMddHHmmss` in MN time (used in generated names, as ZStack does).
pub fn compact_date(unix: i64) -> String {
    let Ok(ts) = Timestamp::from_second(unix) else {
        return String::new();
    };
    ts.to_zoned(zone()).strftime("%Y%m%d%H%M%S").to_string()
}

/// The time a query condition names, in unix seconds. Accepted: the Gson form above (also
/// the JDK 9+ variants with a comma after the year or U+202F before AM/PM), MySQL's
/// `yyyy-MM-dd HH:mm:ss[.fff]` or `yyyy-MM-dd` in MN time, or epoch milliseconds.
pub fn parse_condition_time(s: &str) -> Option<i64> {
    let t = s.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<i64>().ok().map(|ms| ms.div_euclid(1000));
    }
    parse_java_date(t).or_else(|| parse_sql_date(t))
}

/// Parses the Gson date form (and its JDK 9+/20+ variants).
pub fn parse_java_date(s: &str) -> Option<i64> {
    let norm = s.replace(['\u{202f}', '\u{a0}'], " ").replace(", ", " ");
    let parts: Vec<&str> = norm.split_whitespace().collect();
    let [mon, day, year, clock, ampm] = parts.as_slice() else {
        return None;
    };
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(mon))? as i8 + 1;
    let day: i8 = day.trim_end_matches(',').parse().ok()?;
    let year: i16 = year.trim_end_matches(',').parse().ok()?;
    let mut hms = clock.split(':');
    let (h, m, sec) = (hms.next()?, hms.next()?, hms.next()?);
    let mut hour: i8 = h.parse().ok()?;
    let minute: i8 = m.parse().ok()?;
    let second: i8 = sec.parse().ok()?;
    if !(1..=12).contains(&hour) {
        return None;
    }
    match ampm.to_ascii_uppercase().as_str() {
        "AM" if hour == 12 => hour = 0,
        "AM" => {}
        "PM" if hour != 12 => hour += 12,
        "PM" => {}
        _ => return None,
    }
    to_unix(DateTime::new(year, month, day, hour, minute, second, 0).ok()?)
}

fn parse_sql_date(s: &str) -> Option<i64> {
    let (date, clock) = match s.split_once([' ', 'T']) {
        Some((d, c)) => (d, c),
        None => (s, "00:00:00"),
    };
    let mut d = date.split('-');
    let year: i16 = d.next()?.parse().ok()?;
    let month: i8 = d.next()?.parse().ok()?;
    let day: i8 = d.next()?.parse().ok()?;
    let clock = clock.split('.').next()?;
    let mut c = clock.split(':');
    let hour: i8 = c.next()?.parse().ok()?;
    let minute: i8 = c.next().unwrap_or("0").parse().ok()?;
    let second: i8 = c.next().unwrap_or("0").parse().ok()?;
    to_unix(DateTime::new(year, month, day, hour, minute, second, 0).ok()?)
}

fn to_unix(dt: DateTime) -> Option<i64> {
    Some(dt.to_zoned(zone()).ok()?.timestamp().as_second())
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_java_8_gson_in_shanghai_time() {
        // 2024-10-06T16:05:09Z is 00:05:09 on Oct 7 in Shanghai.
        assert_eq!(java_date(1_728_230_709), "Oct 7, 2024 12:05:09 AM");
        // 2014-04-30T10:11:47Z is 18:11:47 in Shanghai.
        assert_eq!(java_date(1_398_852_707), "Apr 30, 2014 6:11:47 PM");
        assert_eq!(compact_date(1_398_852_707), "20140430181147");
        // noon, midnight, leap day, agreement with jiff over a long range
        assert_eq!(java_date(1_709_179_200), "Feb 29, 2024 12:00:00 PM");
        assert_eq!(java_date(1_709_136_000), "Feb 29, 2024 12:00:00 AM");
        for t in (0..4_000_000_000i64).step_by(7_777_777) {
            let want = Timestamp::from_second(t)
                .unwrap()
                .to_zoned(zone())
                .strftime("%b %-d, %Y %-I:%M:%S %p")
                .to_string();
            assert_eq!(java_date(t), want);
        }
    }

    #[test]
    fn parses_back_every_accepted_form() {
        let t = 1_728_230_709;
        assert_eq!(parse_java_date(&java_date(t)), Some(t));
        assert_eq!(parse_java_date("Oct 7, 2024, 12:05:09\u{202f}AM"), Some(t));
        assert_eq!(parse_condition_time("2024-10-07 00:05:09"), Some(t));
        assert_eq!(parse_condition_time("1728230709000"), Some(t));
        assert_eq!(parse_condition_time("2024-10-07"), Some(t - 309));
        assert_eq!(parse_condition_time("yesterday"), None);
        assert_eq!(parse_java_date("Foo 7, 2024 12:05:09 AM"), None);
        assert_eq!(parse_java_date("Oct 7, 2024 13:05:09 PM"), None);
    }
}
