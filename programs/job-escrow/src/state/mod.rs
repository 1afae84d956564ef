pub mod config;
pub mod escrow;
pub mod limits;
pub mod seeds;

pub use config::*;
pub use escrow::*;
pub use limits::*;
pub use seeds::*;
