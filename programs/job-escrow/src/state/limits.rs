//! Compile-time bounds that no config update can exceed.

/// Basis-point denominator: 10_000 bps = 100%.
pub const BPS_DENOMINATOR: u16 = 10_000;
/// Highest platform fee the config may ever hold (20%).
pub const MAX_FEE_BPS: u16 = 2_000;
/// Default platform fee: the 10% of the 90/10 split.
pub const DEFAULT_FEE_BPS: u16 = 1_000;
/// Shortest escrow lifetime a config may allow (one minute).
pub const MIN_LIFETIME_FLOOR_SECS: i64 = 60;
/// Longest escrow lifetime a config may allow (one year).
pub const MAX_LIFETIME_CEIL_SECS: i64 = 365 * 24 * 60 * 60;
/// Bounds of the time an arbiter gets once a dispute is opened.
pub const MIN_DISPUTE_WINDOW_SECS: i64 = 60;
pub const MAX_DISPUTE_WINDOW_SECS: i64 = 90 * 24 * 60 * 60;
