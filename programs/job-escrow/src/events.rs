//! One event per state change. Indexers and the coordinator read them from the
//! transaction logs (`Program data: <base64>`), exactly as Anchor's `emit!` writes them.

use anchor_lang::{prelude::*, Event};

use crate::state::EscrowStatus;

/// Log an event. Same bytes as Anchor's `emit!`; it goes through solana-program's
/// `sol_log_data`, which is the syscall on-chain and the runtime's stub when the
/// program runs natively in a bank (where Anchor's own `emit!` is a no-op).
pub fn emit_event<E: Event>(event: &E) {
    solana_program::log::sol_log_data(&[&event.data()]);
}

#[event]
pub struct ConfigInitializedEvent {
    pub admin: Pubkey,
    pub coordinator: Pubkey,
    pub arbiter: Pubkey,
    pub treasury: Pubkey,
    pub mint: Pubkey,
    pub fee_bps: u16,
}

#[event]
pub struct ConfigUpdatedEvent {
    pub admin: Pubkey,
    pub coordinator: Pubkey,
    pub arbiter: Pubkey,
    pub treasury: Pubkey,
    pub fee_bps: u16,
    pub min_escrow_amount: u64,
    pub min_lifetime_secs: i64,
    pub max_lifetime_secs: i64,
    pub dispute_window_secs: i64,
    pub paused: bool,
}

#[event]
pub struct EscrowCreatedEvent {
    pub escrow: Pubkey,
    pub job_id: [u8; 32],
    pub payer: Pubkey,
    pub amount: u64,
    pub fee_bps: u16,
    pub expires_at: i64,
    pub status: EscrowStatus,
}

#[event]
pub struct EscrowLockedEvent {
    pub escrow: Pubkey,
    pub job_id: [u8; 32],
    pub node: Pubkey,
    pub amount: u64,
    pub attempt: u16,
    pub status: EscrowStatus,
}

#[event]
pub struct EscrowUnlockedEvent {
    pub escrow: Pubkey,
    pub job_id: [u8; 32],
    pub previous_node: Pubkey,
    pub amount: u64,
    pub attempt: u16,
    pub status: EscrowStatus,
}

#[event]
pub struct EscrowReleasedEvent {
    pub escrow: Pubkey,
    pub job_id: [u8; 32],
    pub node: Pubkey,
    pub amount: u64,
    pub node_amount: u64,
    pub platform_amount: u64,
    pub proof_hash: [u8; 32],
    pub status: EscrowStatus,
}

#[event]
pub struct EscrowRefundedEvent {
    pub escrow: Pubkey,
    pub job_id: [u8; 32],
    pub payer: Pubkey,
    pub refunded_by: Pubkey,
    pub amount: u64,
    pub status: EscrowStatus,
}

#[event]
pub struct EscrowPartiallySettledEvent {
    pub escrow: Pubkey,
    pub job_id: [u8; 32],
    pub node: Pubkey,
    pub node_share_bps: u16,
    pub amount: u64,
    pub node_amount: u64,
    pub platform_amount: u64,
    pub payer_amount: u64,
    pub proof_hash: [u8; 32],
    pub status: EscrowStatus,
}

#[event]
pub struct DisputeOpenedEvent {
    pub escrow: Pubkey,
    pub job_id: [u8; 32],
    pub opened_by: Pubkey,
    pub amount: u64,
    pub expires_at: i64,
    pub status: EscrowStatus,
}

#[event]
pub struct DisputeResolvedEvent {
    pub escrow: Pubkey,
    pub job_id: [u8; 32],
    pub arbiter: Pubkey,
    pub node_share_bps: u16,
    pub amount: u64,
    pub node_amount: u64,
    pub platform_amount: u64,
    pub payer_amount: u64,
    pub status: EscrowStatus,
}

#[event]
pub struct EscrowExpiredEvent {
    pub escrow: Pubkey,
    pub job_id: [u8; 32],
    pub payer: Pubkey,
    pub amount: u64,
    pub status: EscrowStatus,
}

#[event]
pub struct EscrowClosedEvent {
    pub escrow: Pubkey,
    pub job_id: [u8; 32],
    pub payer: Pubkey,
    /// Tokens found in the vault beyond the settled amount (sent to it by
    /// someone else) and returned to the payer before closing.
    pub swept_amount: u64,
    pub status: EscrowStatus,
}
