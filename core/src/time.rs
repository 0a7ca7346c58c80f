//! Timestamps as seconds since the Unix epoch, printed as RFC 3339 UTC. The core never reads the clock itself:
//! callers pass "now" in, so results are deterministic and work in the browser.

use std::fmt;

use crate::error::{Error, ErrorKind, Result};

/// Seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// From an X.509 time.
    pub fn from_x509(t: &x509_cert::time::Time) -> Timestamp {
        Timestamp(t.to_unix_duration().as_secs() as i64)
    }

    /// Parse `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SSZ` (or with a space, or without `Z`), or a number of Unix seconds.
    pub fn parse(text: &str) -> Result<Timestamp> {
        let t = text.trim();
        let bad = || {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("\"{t}\" is not a time certpack understands"),
                "write it as 2024-05-01, 2024-05-01T12:00:00Z or as Unix seconds",
            )
        };
        if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
            return t.parse::<i64>().map(Timestamp).map_err(|_| bad());
        }
        let t2 = t.trim_end_matches('Z').replace(' ', "T");
        let (date, clock) = t2.split_once('T').unwrap_or((&t2, "00:00:00"));
        let d: Vec<&str> = date.split('-').collect();
        let c: Vec<&str> = clock.split(':').collect();
        if d.len() != 3 || c.len() < 2 || c.len() > 3 {
            return Err(bad());
        }
        let num = |s: &str| s.parse::<u16>().map_err(|_| bad());
        let sec = if c.len() == 3 {
            num(c[2].split('.').next().unwrap_or("0"))? as u8
        } else {
            0
        };
        let dt = der::DateTime::new(
            num(d[0])?,
            num(d[1])? as u8,
            num(d[2])? as u8,
            num(c[0])? as u8,
            num(c[1])? as u8,
            sec,
        )
        .map_err(|_| bad())?;
        Ok(Timestamp(dt.unix_duration().as_secs() as i64))
    }

    /// RFC 3339 UTC text, e.g. `2039-01-17T00:00:00Z`.
    pub fn rfc3339(self) -> String {
        match self.text() {
            Some(text) => ascii(&text),
            None => format!("@{}", self.0),
        }
    }

    /// The date part of [`Timestamp::rfc3339`], e.g. `2039-01-17`.
    pub fn date(self) -> String {
        match self.text() {
            Some(text) => ascii(&text[..10]),
            None => format!("@{}", self.0).chars().take(10).collect(),
        }
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` written digit by digit (C headers, manifests and check messages print several per
    /// device; the formatting machinery and `der`'s validating constructor cost more than the arithmetic). A time
    /// before 1970 prints as 1970-01-01T00:00:00Z; `None` after 9999-12-31T23:59:59Z.
    fn text(self) -> Option<[u8; 20]> {
        const LAST: i64 = 253_402_300_799;
        let secs = self.0.max(0);
        if secs > LAST {
            return None;
        }
        let (year, month, day) = civil_from_days(secs / 86_400);
        let of_day = secs % 86_400;
        let mut text = *b"0000-00-00T00:00:00Z";
        let fields = [
            (0, 4, year),
            (5, 2, month),
            (8, 2, day),
            (11, 2, of_day / 3600),
            (14, 2, of_day / 60 % 60),
            (17, 2, of_day % 60),
        ];
        for (at, width, mut value) in fields {
            for digit in text[at..at + width].iter_mut().rev() {
                *digit = b'0' + (value % 10) as u8;
                value /= 10;
            }
        }
        Some(text)
    }
}

/// The digits and separators [`Timestamp::text`] writes, as a `String`.
fn ascii(text: &[u8]) -> String {
    std::str::from_utf8(text).unwrap_or_default().to_owned()
}

/// Year, month and day of the proleptic Gregorian calendar for a count of days since 1970-01-01 (H. Hinnant's
/// `civil_from_days`, for days >= 0).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.text() {
            Some(text) => f.write_str(std::str::from_utf8(&text).unwrap_or_default()),
            None => write!(f, "@{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn parses_and_prints() {
        assert_eq!(
            Timestamp::parse("1980-01-06").unwrap().rfc3339(),
            "1980-01-06T00:00:00Z"
        );
        assert_eq!(
            Timestamp::parse("2024-05-01T12:30:05Z").unwrap().rfc3339(),
            "2024-05-01T12:30:05Z"
        );
        assert_eq!(
            Timestamp::parse("0").unwrap().rfc3339(),
            "1970-01-01T00:00:00Z"
        );
        assert!(Timestamp::parse("yesterday").is_err());
    }

    #[test]
    fn prints_like_the_formatting_machinery() {
        let mut secs: u64 = 0;
        // Every few days from 1970 to 9999, plus odd hours, minutes and seconds.
        while secs < 253_402_300_800 {
            let dt = der::DateTime::from_unix_duration(Duration::from_secs(secs)).unwrap();
            let want = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                dt.year(),
                dt.month(),
                dt.day(),
                dt.hour(),
                dt.minutes(),
                dt.seconds()
            );
            assert_eq!(Timestamp(secs as i64).to_string(), want);
            assert_eq!(Timestamp(secs as i64).rfc3339(), want);
            assert_eq!(Timestamp(secs as i64).date(), want[..10]);
            secs += 86_400 * 3 + 3_661;
        }
        // Both ends, the days around leap days and century years, and what lies outside.
        for text in [
            "1970-01-01T00:00:00Z",
            "1972-02-29T23:59:59Z",
            "2000-02-29T12:00:00Z",
            "2000-03-01T00:00:00Z",
            "2100-02-28T23:59:59Z",
            "2100-03-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
        ] {
            assert_eq!(Timestamp::parse(text).unwrap().rfc3339(), text);
        }
        assert_eq!(Timestamp(-5).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(Timestamp(253_402_300_800).to_string(), "@253402300800");
        assert_eq!(Timestamp(253_402_300_800).rfc3339(), "@253402300800");
        assert_eq!(Timestamp(253_402_300_800).date(), "@253402300");
    }
}
