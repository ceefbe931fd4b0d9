//! CloudTower's timestamps: RFC 3339 in UTC, as the spec's `DateTime` fields have them
//! (`2025-12-25T06:26:25.000Z`).

use crate::lenient::Str;

/// The instant `s` names. The epoch itself, which servers send for dates never set, is
/// "unset"; so is anything unreadable. Epoch seconds or milliseconds as a number are
/// accepted too.
pub fn parse(s: &Str) -> Option<jiff::Timestamp> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    let ts = match t.parse::<jiff::Timestamp>() {
        Ok(ts) => ts,
        Err(_) => {
            let mut n = t.parse::<i64>().ok()?;
            while n > 100_000_000_000 {
                n /= 1000;
            }
            jiff::Timestamp::from_second(n).ok()?
        }
    };
    (ts.as_second() > 0).then_some(ts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_and_the_epoch_is_unset() {
        let t = parse(&Str::from("2025-12-25T06:26:25.000Z")).unwrap();
        assert_eq!(t.as_second(), 1_766_643_985);
        assert_eq!(parse(&Str::from("1970-01-01T00:00:00.000Z")), None);
        assert_eq!(parse(&Str::from("")), None);
        assert_eq!(parse(&Str::from("yesterday")), None);
        assert_eq!(
            parse(&Str::from("1766643985000")).map(|t| t.as_second()),
            Some(1_766_643_985)
        );
    }
}
