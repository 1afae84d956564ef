//! The cluster's clock, as the instructions read it.

use anchor_lang::prelude::*;

/// The current unix time of the cluster.
pub fn now() -> Result<i64> {
    Ok(Clock::get()?.unix_timestamp)
}
