pub mod close_escrow;
pub mod create_escrow;
pub mod initialize_config;
pub mod lock_escrow;
pub mod open_dispute;
pub mod reclaim_expired;
pub mod refund_escrow;
pub mod release_escrow;
pub mod resolve_dispute;
pub mod settle_partial;
pub mod unlock_escrow;
pub mod update_config;

// Anchor's `#[program]` needs each Accounts struct (and its generated client
// module) at the crate root, hence the glob re-exports.
pub use close_escrow::*;
pub use create_escrow::*;
pub use initialize_config::*;
pub use lock_escrow::*;
pub use open_dispute::*;
pub use reclaim_expired::*;
pub use refund_escrow::*;
pub use release_escrow::*;
pub use resolve_dispute::*;
pub use settle_partial::*;
pub use unlock_escrow::*;
pub use update_config::*;
