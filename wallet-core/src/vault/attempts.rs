//! The wrong-PIN policy: a few free tries, then growing delays, then lock-out.
//!
//! The counter lives in the wallet file and is written **before** the PIN is tried, so killing
//! the app mid-unlock counts the try, and closing and reopening the wallet does not reset it.
//! It is plain (not sealed): it must be readable before the key is known. Someone who edits the
//! file can reset it, but such a person can also copy the file and guess offline; against them
//! the Argon2id cost and the hardware key protector are the defence, not this counter.
//!
//! Device clocks are untrusted. A clock set forward shortens delays; a clock set back is caught
//! by refusing a stored deadline further away than the longest delay.

/// Wrong PINs in a row after which the wallet will not unlock on this device.
pub const MAX_FAILURES: u32 = 10;

/// Wrong PINs allowed before the first delay.
pub const FREE_TRIES: u32 = 3;

/// Delay imposed after the `failures`-th wrong PIN in a row, in seconds.
pub fn delay_after(failures: u32) -> u64 {
    match failures {
        0..=FREE_TRIES => 0,
        4 => 60,
        5 => 5 * 60,
        6 => 15 * 60,
        7 => 60 * 60,
        8 => 4 * 60 * 60,
        _ => 8 * 60 * 60,
    }
}

/// The durable state: wrong PINs in a row, and the earliest time (Unix seconds) of the next try.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attempts {
    pub failures: u32,
    pub not_before: u64,
}

/// What to do with an unlock try, decided before any work is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Go ahead; first store `record` durably, then check the PIN.
    Try { record: Attempts },
    /// Too early: wait this many seconds. Nothing is counted.
    Wait { retry_after_secs: u64, tries_left: u32 },
    /// Locked for good.
    LockedOut { failures: u32 },
}

impl Attempts {
    pub fn gate(&self, now: u64) -> Gate {
        if self.failures >= MAX_FAILURES {
            return Gate::LockedOut { failures: self.failures };
        }
        // A deadline beyond the longest delay means the clock went back: honour the full delay
        // from now rather than waiting for a date that may be years away.
        let not_before = self.not_before.min(now.saturating_add(delay_after(MAX_FAILURES)));
        if now < not_before {
            return Gate::Wait {
                retry_after_secs: not_before - now,
                tries_left: MAX_FAILURES - self.failures,
            };
        }
        let failures = self.failures + 1;
        Gate::Try { record: Attempts { failures, not_before: now.saturating_add(delay_after(failures)) } }
    }

    /// The error details after the PIN recorded in `self` turned out wrong, at time `now`.
    pub fn after_wrong_pin(&self, now: u64) -> super::VaultError {
        if self.failures >= MAX_FAILURES {
            return super::VaultError::LockedOut { failures: self.failures };
        }
        super::VaultError::PinIncorrect {
            tries_left: MAX_FAILURES - self.failures,
            retry_after_secs: self.not_before.saturating_sub(now),
            tries_before_delay: (FREE_TRIES + 1).saturating_sub(self.failures),
            next_delay_secs: delay_after((self.failures + 1).max(FREE_TRIES + 1)),
        }
    }
}

pub(crate) fn describe_incorrect(
    tries_left: u32,
    retry_after_secs: u64,
    tries_before_delay: u32,
    next_delay_secs: u64,
) -> String {
    if tries_before_delay > 0 {
        format!(
            "PIN incorrect, {} left before a {} delay",
            plural(tries_before_delay, "try", "tries"),
            delay_adjective(next_delay_secs)
        )
    } else if retry_after_secs > 0 {
        format!(
            "PIN incorrect; try again in {} ({} before the wallet locks)",
            human_duration(retry_after_secs),
            plural(tries_left, "try", "tries")
        )
    } else {
        format!("PIN incorrect ({} before the wallet locks)", plural(tries_left, "try", "tries"))
    }
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "5-minute", as in "a 5-minute delay". Delays are whole hours, minutes or seconds.
fn delay_adjective(secs: u64) -> String {
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{}-hour", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{}-minute", s / 60),
        s => format!("{s}-second"),
    }
}

/// A duration as the app can show it: "1 minute", "4 minutes 10 seconds", "4 hours 10 minutes".
pub fn human_duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let part = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match (h, m, s) {
        (0, 0, s) => part(s, "second"),
        (0, m, 0) => part(m, "minute"),
        (0, m, s) => format!("{} {}", part(m, "minute"), part(s, "second")),
        (h, 0, _) => part(h, "hour"),
        (h, m, _) => format!("{} {}", part(h, "hour"), part(m, "minute")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_never_shrink_as_failures_grow() {
        for n in 1..MAX_FAILURES {
            assert!(delay_after(n + 1) >= delay_after(n), "after {n}");
        }
        assert_eq!(delay_after(FREE_TRIES), 0);
        assert!(delay_after(FREE_TRIES + 1) > 0);
    }

    #[test]
    fn a_try_inside_the_delay_is_refused_without_counting() {
        let state = Attempts { failures: 4, not_before: 1_000 };
        assert_eq!(state.gate(990), Gate::Wait { retry_after_secs: 10, tries_left: 6 });
        assert!(matches!(state.gate(1_000), Gate::Try { record } if record.failures == 5));
    }

    #[test]
    fn a_clock_set_back_does_not_lock_the_user_out_for_years() {
        let state = Attempts { failures: 5, not_before: u64::MAX };
        let Gate::Wait { retry_after_secs, .. } = state.gate(1_000) else { panic!("must wait") };
        assert_eq!(retry_after_secs, delay_after(MAX_FAILURES));
    }

    #[test]
    fn wrong_pin_messages_read_as_the_user_should_see_them() {
        let state = Attempts { failures: 1, not_before: 100 };
        assert_eq!(
            state.after_wrong_pin(100).to_string(),
            "PIN incorrect, 3 tries left before a 1-minute delay"
        );
        let state = Attempts { failures: FREE_TRIES, not_before: 100 };
        assert_eq!(
            state.after_wrong_pin(100).to_string(),
            "PIN incorrect, 1 try left before a 1-minute delay"
        );
        let state = Attempts { failures: 5, not_before: 400 };
        assert_eq!(
            state.after_wrong_pin(100).to_string(),
            "PIN incorrect; try again in 5 minutes (5 tries before the wallet locks)"
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(1), "1 second");
        assert_eq!(human_duration(60), "1 minute");
        assert_eq!(human_duration(250), "4 minutes 10 seconds");
        assert_eq!(human_duration(4 * 3600 + 600), "4 hours 10 minutes");
    }
}
