//! Run settings that tune checks: thresholds with defaults. The catalogue describes the rule;
//! the config tunes the run.

use serde::{Deserialize, Serialize};

/// Thresholds every check may read through its `Context`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Warn when a certificate expires in fewer days than this.
    pub certificate_expiry_warn_days: u32,
    /// Minimum HSTS max-age in days for a pass.
    pub hsts_min_age_days: u32,
    /// A finances document must cover one of this many last calendar years.
    pub finances_max_age_years: u32,
    /// A ChatonsInfos file older than this many days is stale.
    pub properties_max_age_days: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            certificate_expiry_warn_days: 21,
            hsts_min_age_days: 180,
            finances_max_age_years: 2,
            properties_max_age_days: 365,
        }
    }
}
