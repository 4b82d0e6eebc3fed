//! Configuration errors of the loading machinery.

use std::error::Error;
use std::fmt;

/// A batching setting is out of range; the message names the setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchConfigError {
    setting: &'static str,
    problem: &'static str,
}

impl BatchConfigError {
    pub(crate) const fn new(setting: &'static str, problem: &'static str) -> Self {
        Self { setting, problem }
    }

    /// The name of the offending setting, e.g. `max_batch_size`.
    #[must_use]
    pub const fn setting(&self) -> &'static str {
        self.setting
    }
}

impl fmt::Display for BatchConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid `{}`: {}", self.setting, self.problem)
    }
}

impl Error for BatchConfigError {}
