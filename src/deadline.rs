//! A run's deadline, checked by every stage that can take long: reading layers,
//! deriving attributes, bounding, the master solves and the cut loop.

use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// When a run must stop; `Deadline::never()` when there is no time limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deadline(Option<Instant>);

impl Deadline {
    /// No time limit.
    pub fn never() -> Self {
        Deadline(None)
    }

    /// `seconds` from now. Limits too large to represent (e.g. 1e30) mean no limit;
    /// negative or NaN limits are the caller's to reject and count as already passed.
    pub fn after_secs(seconds: f64) -> Self {
        if seconds.is_nan() || seconds <= 0.0 {
            return Deadline(Some(Instant::now()));
        }
        match Duration::try_from_secs_f64(seconds)
            .ok()
            .and_then(|d| Instant::now().checked_add(d))
        {
            Some(at) => Deadline(Some(at)),
            None => Deadline(None),
        }
    }

    /// From an optional limit in seconds.
    pub fn from_limit(seconds: Option<f64>) -> Self {
        seconds.map_or(Deadline::never(), Deadline::after_secs)
    }

    pub fn instant(&self) -> Option<Instant> {
        self.0
    }

    /// The same deadline `seconds` earlier (for a stage that must leave time to the
    /// stages after it); no limit stays no limit.
    pub fn earlier_by(&self, seconds: f64) -> Self {
        let back = Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or(Duration::MAX);
        Deadline(
            self.0
                .map(|d| d.checked_sub(back).unwrap_or_else(Instant::now)),
        )
    }

    /// Whether the deadline has passed.
    pub fn passed(&self) -> bool {
        self.0.is_some_and(|d| Instant::now() >= d)
    }

    /// Seconds left (0 once passed); None without a limit.
    pub fn remaining_s(&self) -> Option<f64> {
        self.0
            .map(|d| d.saturating_duration_since(Instant::now()).as_secs_f64())
    }

    /// `Err(Error::TimeLimit)` naming `stage` once the deadline has passed.
    pub fn check(&self, stage: &'static str) -> Result<()> {
        if self.passed() {
            Err(Error::TimeLimit { stage })
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_limits_mean_no_limit_and_non_positive_ones_have_passed() {
        assert_eq!(Deadline::after_secs(1e30), Deadline::never());
        assert_eq!(Deadline::after_secs(f64::INFINITY), Deadline::never());
        assert!(Deadline::after_secs(0.0).passed());
        assert!(Deadline::after_secs(-1.0).passed());
        assert!(!Deadline::after_secs(3600.0).passed());
        assert!(Deadline::after_secs(0.0).check("reading").is_err());
        assert!(Deadline::never().check("reading").is_ok());
    }
}
