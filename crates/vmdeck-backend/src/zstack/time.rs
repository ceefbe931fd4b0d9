//! ZStack's timestamps: Gson's default `java.util.Date` format, `MMM d, yyyy h:mm:ss a`
//! (`Locale.US`), in the management node's local time with no zone (ENDPOINTS §1). Which
//! zone that is comes from the profile (`timezone`, default: ours).
//!
//! Accepted besides the Java 8 form `Oct 7, 2024 12:05:09 AM`: the JDK 9+ forms with a
//! comma after the year and a narrow no-break space (U+202F) before AM/PM, full month
//! names, any case, and — because some gateways re-serialise — RFC 3339 and epoch numbers.

use std::fmt;

use jiff::civil::{Date as CivilDate, DateTime, Time};
use jiff::tz::TimeZone;
use serde::de::{self, Deserialize, Deserializer, Visitor};

use crate::lenient::absent_on_structures;
use vmdeck_model::Timestamp;

/// A timestamp as the wire has it: usually a wall-clock time that needs the MN's zone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Date {
    #[default]
    Absent,
    /// Wall-clock time on the management node.
    Local(DateTime),
    /// Already an instant (epoch numbers, RFC 3339 with an offset).
    Instant(Timestamp),
}

impl Date {
    /// The instant, reading wall-clock times in `tz`. Times a DST change makes ambiguous
    /// take the earlier reading, skipped ones the later (jiff's "compatible" rule).
    pub fn in_zone(&self, tz: &TimeZone) -> Option<Timestamp> {
        match self {
            Date::Absent => None,
            Date::Local(dt) => tz.to_ambiguous_timestamp(*dt).compatible().ok(),
            Date::Instant(t) => Some(*t),
        }
    }

    /// Seconds from `self` to `later`, when both are wall-clock times (or both instants):
    /// a difference that needs no zone.
    pub fn seconds_until(&self, later: &Date) -> Option<i64> {
        match (self, later) {
            (Date::Local(a), Date::Local(b)) => Some(a.duration_until(*b).as_secs()),
            (Date::Instant(a), Date::Instant(b)) => Some(b.as_second() - a.as_second()),
            _ => None,
        }
    }
}

/// A time as the query API compares it: MySQL's form in the MN's zone.
pub fn sql_time(t: &Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone())
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month(word: &str) -> Option<i8> {
    let w = word.to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let i = MONTHS.iter().position(|m| w.starts_with(m))?;
    // "Sept" (some locales) and full names are fine; "Janus" is not.
    let full = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let ok = w.len() == 3 || full.get(i).is_some_and(|f| f.starts_with(&w)) || w == "sept";
    ok.then_some(i as i8 + 1)
}

/// Parses `MMM d, yyyy h:mm:ss a` and its JDK variants into a wall-clock time.
pub fn parse_gson(text: &str) -> Option<DateTime> {
    // Every kind of space Java has used, and the comma after the year, become one space.
    let norm: String = text
        .chars()
        .map(|c| match c {
            '\u{202f}' | '\u{00a0}' | '\u{2009}' | '\t' | ',' => ' ',
            c => c,
        })
        .collect();
    let mut parts = norm.split_whitespace();
    let mon = month(parts.next()?)?;
    let day: i8 = parts.next()?.parse().ok()?;
    let year: i16 = parts.next()?.parse().ok()?;
    let clock = parts.next()?;
    let mut hms = clock.split(':');
    let mut hour: i8 = hms.next()?.parse().ok()?;
    let minute: i8 = hms.next()?.parse().ok()?;
    let second: i8 = hms.next().map_or(Some(0), |s| s.parse().ok())?;
    if hms.next().is_some() {
        return None;
    }
    match parts.next().map(str::to_ascii_uppercase).as_deref() {
        Some("AM") if (1..=12).contains(&hour) => {
            if hour == 12 {
                hour = 0;
            }
        }
        Some("PM") if (1..=12).contains(&hour) => {
            if hour != 12 {
                hour += 12;
            }
        }
        // A 24-hour clock (a server with another locale pattern).
        None if (0..=23).contains(&hour) => {}
        _ => return None,
    }
    if parts.next().is_some() {
        return None;
    }
    let date = CivilDate::new(year, mon, day).ok()?;
    let time = Time::new(hour, minute, second, 0).ok()?;
    Some(DateTime::from_parts(date, time))
}

/// Any timestamp text a server may send.
pub fn parse_text(text: &str) -> Date {
    let t = text.trim();
    if t.is_empty() {
        return Date::Absent;
    }
    if let Some(dt) = parse_gson(t) {
        return Date::Local(dt);
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Date::Instant(ts);
    }
    if let Ok(dt) = t.parse::<DateTime>() {
        return Date::Local(dt);
    }
    if let Ok(n) = t.parse::<f64>() {
        return from_epoch(n);
    }
    Date::Absent
}

/// Epoch seconds or milliseconds, told apart by size.
fn from_epoch(n: f64) -> Date {
    if !n.is_finite() || n <= 0.0 {
        return Date::Absent;
    }
    let secs = if n > 100_000_000_000.0 { n / 1000.0 } else { n };
    if secs > 1e12 {
        return Date::Absent;
    }
    Timestamp::from_second(secs as i64).map_or(Date::Absent, Date::Instant)
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
                Ok(parse_text(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Date, E> {
                Ok(from_epoch(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Date, E> {
                Ok(from_epoch(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Date, E> {
                Ok(from_epoch(v))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Date, E> {
                Ok(Date::Absent)
            }
            absent_on_structures!();
        }
        d.deserialize_any(V)
    }
}

/// `yyyyMMdd-HHmmss` of now in `tz`, for names vmdeck has to make up.
pub fn stamp_now(tz: &TimeZone) -> String {
    Timestamp::now()
        .to_zoned(tz.clone())
        .strftime("%Y%m%d-%H%M%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn at(y: i16, m: i8, d: i8, h: i8, mi: i8, s: i8) -> DateTime {
        date(y, m, d).at(h, mi, s, 0)
    }

    #[test]
    fn java8_and_later_jdk_forms() {
        let want = at(2024, 10, 7, 0, 5, 9);
        for s in [
            "Oct 7, 2024 12:05:09 AM",
            "Oct 7, 2024, 12:05:09 AM",
            "Oct 7, 2024, 12:05:09\u{202f}AM",
            "Oct 07, 2024 12:05:09 am",
            "October 7, 2024 12:05:09 AM",
            "  oct 7 2024 12:05:09 AM ",
        ] {
            assert_eq!(parse_gson(s), Some(want), "{s:?}");
        }
        assert_eq!(
            parse_gson("Apr 30, 2014 6:11:47 PM"),
            Some(at(2014, 4, 30, 18, 11, 47))
        );
        assert_eq!(
            parse_gson("Jan 1, 2017 12:31:06 PM"),
            Some(at(2017, 1, 1, 12, 31, 6))
        );
        assert_eq!(
            parse_gson("Jan 1, 2017 23:31:06"),
            Some(at(2017, 1, 1, 23, 31, 6))
        );
    }

    #[test]
    fn nonsense_is_absent_not_a_panic() {
        for s in [
            "",
            "Oct",
            "Foo 7, 2024 12:05:09 AM",
            "Oct 32, 2024 12:05:09 AM",
            "Feb 30, 2024 1:00:00 AM",
            "Oct 7, 2024 13:05:09 PM",
            "Oct 7, 2024 0:05:09 AM",
            "Oct 7, 2024 12:65:09 AM",
            "Oct 7, 2024 12:05:09 AM extra",
            "Oct 7, 99999 12:05:09 AM",
            "Ja 7, 2024 12:05:09 AM",
        ] {
            assert_eq!(parse_gson(s), None, "{s:?}");
        }
        assert_eq!(parse_text("not a date"), Date::Absent);
    }

    #[test]
    fn wall_clock_times_are_read_in_the_given_zone() {
        let d: Date = serde_json::from_str("\"Oct 7, 2024 12:05:09 AM\"").unwrap();
        let shanghai = TimeZone::get("Asia/Shanghai").unwrap();
        assert_eq!(
            d.in_zone(&shanghai).unwrap().to_string(),
            "2024-10-06T16:05:09Z"
        );
        assert_eq!(
            d.in_zone(&TimeZone::UTC).unwrap().to_string(),
            "2024-10-07T00:05:09Z"
        );
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        // Summer time: +02:00.
        assert_eq!(
            d.in_zone(&berlin).unwrap().to_string(),
            "2024-10-06T22:05:09Z"
        );
    }

    #[test]
    fn other_shapes_are_instants() {
        let d: Date = serde_json::from_str("1728259509000").unwrap();
        assert_eq!(
            d.in_zone(&TimeZone::UTC).unwrap().as_second(),
            1_728_259_509
        );
        let d: Date = serde_json::from_str("\"2024-10-07T00:05:09Z\"").unwrap();
        assert_eq!(
            d.in_zone(&TimeZone::get("Asia/Shanghai").unwrap())
                .unwrap()
                .as_second(),
            1_728_259_509
        );
        let d: Date = serde_json::from_str("null").unwrap();
        assert_eq!(d, Date::Absent);
        let d: Date = serde_json::from_str("{\"x\":1}").unwrap();
        assert_eq!(d, Date::Absent);
    }

    #[test]
    fn differences_need_no_zone() {
        let a = parse_text("Oct 7, 2024 12:05:09 AM");
        let b = parse_text("Oct 7, 2024 2:05:09 AM");
        assert_eq!(a.seconds_until(&b), Some(7200));
        assert_eq!(Date::Absent.seconds_until(&b), None);
    }
}
