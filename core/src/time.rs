//! Timestamps as seconds since the Unix epoch, printed as RFC 3339 UTC. The core never reads the clock itself:
//! callers pass "now" in, so results are deterministic and work in the browser.

use std::fmt;
use std::time::Duration;

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
        self.to_string()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match der::DateTime::from_unix_duration(Duration::from_secs(self.0.max(0) as u64)) {
            Ok(dt) => {
                // `YYYY-MM-DDTHH:MM:SSZ` written digit by digit (the C headers print several per device; the
                // formatting machinery cost more than the date arithmetic).
                let mut text = *b"0000-00-00T00:00:00Z";
                let fields = [
                    (0, 4, u32::from(dt.year())),
                    (5, 2, u32::from(dt.month())),
                    (8, 2, u32::from(dt.day())),
                    (11, 2, u32::from(dt.hour())),
                    (14, 2, u32::from(dt.minutes())),
                    (17, 2, u32::from(dt.seconds())),
                ];
                for (at, width, mut value) in fields {
                    for digit in text[at..at + width].iter_mut().rev() {
                        *digit = b'0' + (value % 10) as u8;
                        value /= 10;
                    }
                }
                f.write_str(std::str::from_utf8(&text).unwrap_or_default())
            }
            Err(_) => write!(f, "@{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
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
            secs += 86_400 * 3 + 3_661;
        }
        assert_eq!(Timestamp(253_402_300_800).to_string(), "@253402300800");
    }
}
