//! How long to wait before trying again, for everything the bridge retries (handoff deliveries,
//! the relay of visitor messages, Intercom calls): a wait that doubles from a first delay up to
//! a ceiling. One type, so every retry schedule is read and tested the same way.

use std::time::Duration;

/// A doubling wait: `first`, `2 × first`, `4 × first`, … never more than `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The wait after the first failure.
    pub first: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Backoff {
    /// A wait doubling from `first` up to `max`.
    pub const fn new(first: Duration, max: Duration) -> Self {
        Self { first, max }
    }

    /// The wait after `failures` failed tries (the first failure is 1).
    pub fn after(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(31);
        self.first.saturating_mul(2u32.saturating_pow(doublings)).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_its_ceiling_and_never_overflows() {
        let backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        let waits: Vec<u64> = (1..=8).map(|n| backoff.after(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff.after(0), Duration::from_secs(1), "no failure yet waits the first delay");
        assert_eq!(backoff.after(u32::MAX), Duration::from_secs(60));
        let quick = Backoff::new(Duration::from_millis(250), Duration::from_secs(8));
        let waits: Vec<u128> = (1..=7).map(|n| quick.after(n).as_millis()).collect();
        assert_eq!(waits, [250, 500, 1000, 2000, 4000, 8000, 8000]);
    }
}
