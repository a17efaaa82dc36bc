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
