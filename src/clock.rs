//! The one source of "now" inside the app, injectable so tests can move time.

use std::sync::{Arc, Mutex};

use chrono::{NaiveDateTime, TimeDelta, Utc};

/// Naive UTC time, the type stored in every timestamp column.
pub type Timestamp = NaiveDateTime;

/// A shared clock: the system clock in production, a manual one in tests.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl Clock {
    pub fn system() -> Self {
        Self(Arc::new(|| Utc::now().naive_utc()))
    }

    /// A clock that starts at the real time and only moves when the returned handle says so.
    pub fn manual() -> (Self, ManualClock) {
        let offset = ManualClock(Arc::new(Mutex::new(TimeDelta::zero())));
        let handle = offset.clone();
        let clock = Self(Arc::new(move || Utc::now().naive_utc() + handle.offset()));
        (clock, offset)
    }

    pub fn now(&self) -> Timestamp {
        (self.0)()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

/// Moves a manual clock forward.
#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<TimeDelta>>);

impl ManualClock {
    pub fn advance(&self, by: std::time::Duration) {
        let by = TimeDelta::from_std(by).unwrap_or(TimeDelta::MAX);
        let mut offset = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *offset += by;
    }

    /// The time the clocks it moves tell now.
    pub fn now(&self) -> Timestamp {
        Utc::now().naive_utc() + self.offset()
    }

    fn offset(&self) -> TimeDelta {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
