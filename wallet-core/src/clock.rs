//! Time, as the wallet reads it. Device clocks are untrusted (DESIGN section 6): the wallet uses
//! its clock only for its own decisions (PIN delays, expiries it checks), never as proof.

use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time in Unix seconds. Apps use [`SystemClock`]; tests pass a clock
/// they can move, so PIN delays are tested without sleeping.
pub trait Clock: Send + Sync {
    fn now_unix(&self) -> u64;
}

/// The operating system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_unix(&self) -> u64 {
        // A clock before 1970 is a broken clock; treating it as the epoch keeps delays working.
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
    }
}

/// A clock a test sets and moves by hand, so PIN delays, expiries and settlement windows are
/// tested without sleeping. Shared by the wallet's and the ledger's tests and benchmarks; never
/// enabled by an app.
#[cfg(feature = "fixtures")]
#[derive(Debug)]
pub struct TestClock(std::sync::atomic::AtomicU64);

#[cfg(feature = "fixtures")]
impl TestClock {
    /// A clock stopped at `unix_secs`.
    pub fn at(unix_secs: u64) -> Self {
        TestClock(std::sync::atomic::AtomicU64::new(unix_secs))
    }

    /// Moves the clock `secs` forward.
    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, std::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(feature = "fixtures")]
impl Clock for TestClock {
    fn now_unix(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Unix times as people read them, always UTC and labelled so: a wallet's clock and the
/// ledger's are in different places, and device times are untrusted anyway.
///
/// `2025-11-02 09:14 UTC`.
pub fn utc(unix_secs: u64) -> String {
    let days = unix_secs / 86_400;
    let of_day = unix_secs % 86_400;
    let (year, month, day) = civil_date(days);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", of_day / 3600, of_day % 3600 / 60)
}

/// The proleptic Gregorian date `days` after 1970-01-01. Works in 400-year eras (146,097 days
/// each) counted from 0000-03-01, so that the leap day falls at the end of each counted year.
fn civil_date(days: u64) -> (u64, u64, u64) {
    let from_march_0000 = days + 719_468;
    let era = from_march_0000 / 146_097;
    let day_of_era = from_march_0000 % 146_097;
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod utc_tests {
    use super::*;

    #[test]
    fn dates_match_the_calendar() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc(951_868_800), "2000-03-01 00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(utc(4_107_542_399), "2100-02-28 23:59 UTC");
        assert_eq!(utc(4_107_542_400), "2100-03-01 00:00 UTC");
    }
}
