//! JobEscrow: the money core of CyxWiz.
//!
//! A client escrows SPL tokens for a training job; the coordinator locks the
//! escrow to a node, and settles it: 90/10 to the node and the treasury on a
//! verified proof, a refund on failure, a pro-rata split on timeout. Disputes
//! freeze the funds for an arbiter. After expiry anyone can return the unspent
//! funds to the client, so nothing is trapped if the coordinator disappears.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod clock;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod math;
pub mod payout;
pub mod state;

pub use instructions::*;
pub use state::*;

declare_id!("WH3dVkZvceQ9wgsxrHCGnsaXAEudZnf5BhCyvyzZm24");

#[program]
pub mod job_escrow {
    use super::*;

    /// Create the marketplace config (admin, keys, treasury, mint, fee, lifetimes).
    pub fn initialize_config(
        ctx: Context<InitializeConfig>,
        args: InitializeConfigArgs,
    ) -> Result<()> {
        instructions::handle_initialize_config(ctx, args)
    }

    /// Admin only: change keys, treasury, fee (capped), lifetimes or the pause flag.
    pub fn update_config(ctx: Context<UpdateConfig>, args: UpdateConfigArgs) -> Result<()> {
        instructions::handle_update_config(ctx, args)
    }

    /// Payer moves `amount` into a new escrow's vault: → Created.
    pub fn create_escrow(
        ctx: Context<CreateEscrow>,
        job_id: [u8; 32],
        amount: u64,
        expires_at: i64,
    ) -> Result<()> {
        instructions::handle_create_escrow(ctx, job_id, amount, expires_at)
    }

    /// Coordinator: assign the job to `node_wallet`: Created → Locked.
    pub fn lock_escrow(ctx: Context<LockEscrow>, node_wallet: Pubkey) -> Result<()> {
        instructions::handle_lock_escrow(ctx, node_wallet)
    }

    /// Coordinator: the node vanished, take the job back: Locked → Created, attempt + 1.
    pub fn unlock_escrow(ctx: Context<UnlockEscrow>) -> Result<()> {
        instructions::handle_unlock_escrow(ctx)
    }

    /// Coordinator: proof verified, pay node `amount - fee` and treasury the fee: → Released.
    pub fn release_escrow(ctx: Context<ReleaseEscrow>, proof_hash: [u8; 32]) -> Result<()> {
        instructions::handle_release_escrow(ctx, proof_hash)
    }

    /// Coordinator (Created/Locked) or payer (Created): everything back to the payer: → Refunded.
    pub fn refund_escrow(ctx: Context<RefundEscrow>) -> Result<()> {
        instructions::handle_refund_escrow(ctx)
    }

    /// Coordinator, on timeout: node paid for its verified share, rest to the payer.
    pub fn settle_partial(
        ctx: Context<SettlePartial>,
        node_share_bps: u16,
        proof_hash: [u8; 32],
    ) -> Result<()> {
        instructions::handle_settle_partial(ctx, node_share_bps, proof_hash)
    }

    /// Payer or locked node: freeze the escrow for the arbiter: Locked → Disputed.
    pub fn open_dispute(ctx: Context<OpenDispute>) -> Result<()> {
        instructions::handle_open_dispute(ctx)
    }

    /// Arbiter: split a disputed escrow between node and payer.
    pub fn resolve_dispute(ctx: Context<ResolveDispute>, node_share_bps: u16) -> Result<()> {
        instructions::handle_resolve_dispute(ctx, node_share_bps)
    }

    /// Anyone, after `expires_at`: everything back to the payer: → Expired.
    pub fn reclaim_expired(ctx: Context<ReclaimExpired>) -> Result<()> {
        instructions::handle_reclaim_expired(ctx)
    }

    /// Payer or coordinator, after a final status: rent back to the payer.
    pub fn close_escrow(ctx: Context<CloseEscrow>) -> Result<()> {
        instructions::handle_close_escrow(ctx)
    }
}
