//! Per-client rate limits: a token bucket for each client address or wallet key.
//!
//! A bucket holds at most `burst` requests and earns one back every `per`; a request finding it
//! empty is refused with the time until the next one is earned, which the server sends as
//! `429 Too Many Requests` with `Retry-After`. Buckets live in memory only: a restart forgives
//! everyone, which is harmless since the limits protect the server, not the books.
//!
//! The table cannot be grown without bound by a client inventing keys: at [`MAX_CLIENTS`] it
//! first drops the buckets that have filled up again (those clients are indistinguishable from
//! new ones), and if every bucket is still in use the new client is refused like a busy one.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Clients tracked at once by one limiter.
pub const MAX_CLIENTS: usize = 100_000;

/// How many requests a client may make: `burst` at once, then one every `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub per: Duration,
}

impl Rate {
    pub const fn new(burst: u32, per: Duration) -> Self {
        Self { burst, per }
    }
}

/// One limiter: a rate and the buckets of the clients seen.
#[derive(Debug)]
pub struct RateLimiter<K> {
    rate: Rate,
    buckets: Mutex<HashMap<K, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// When the bucket will be full again; "empty" is `burst × per` before that.
    full_at: Instant,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    pub fn new(rate: Rate) -> Self {
        Self { rate, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request from `client`'s bucket, or says how long until it may try again.
    pub fn check(&self, client: &K) -> Result<(), Duration> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, client: &K, now: Instant) -> Result<(), Duration> {
        let Rate { burst, per } = self.rate;
        if burst == 0 {
            return Err(per.max(Duration::from_secs(1)));
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(client) {
            buckets.retain(|_, bucket| bucket.full_at > now);
            if buckets.len() >= MAX_CLIENTS {
                return Err(per);
            }
        }
        let bucket = buckets.entry(client.clone()).or_insert(Bucket { full_at: now });
        // Each request pushes "full again" one `per` later; the bucket is empty when that is
        // `burst` periods away.
        let full_at = bucket.full_at.max(now) + per;
        let window = per * burst;
        if full_at > now + window {
            return Err(full_at - (now + window));
        }
        bucket.full_at = full_at;
        Ok(())
    }
}

/// A `Retry-After` value: whole seconds, rounded up, at least one.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0).max(u64::from(wait.is_zero()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_allowed_then_one_request_per_period() {
        let limiter = RateLimiter::new(Rate::new(3, Duration::from_secs(2)));
        let t = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(&"a", t).is_ok());
        }
        let wait = limiter.check_at(&"a", t).unwrap_err();
        assert_eq!(wait, Duration::from_secs(2));
        assert!(limiter.check_at(&"a", t + Duration::from_secs(2)).is_ok());
        assert!(limiter.check_at(&"a", t + Duration::from_secs(2)).is_err());
    }

    #[test]
    fn one_client_spending_its_burst_leaves_others_theirs() {
        let limiter = RateLimiter::new(Rate::new(2, Duration::from_secs(10)));
        let t = Instant::now();
        assert!(limiter.check_at(&1, t).is_ok());
        assert!(limiter.check_at(&1, t).is_ok());
        assert!(limiter.check_at(&1, t).is_err());
        assert!(limiter.check_at(&2, t).is_ok());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(6)), 6);
        assert_eq!(retry_after_secs(Duration::from_millis(6001)), 7);
    }
}
