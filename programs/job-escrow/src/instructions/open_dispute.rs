use anchor_lang::prelude::*;

use crate::clock::now;
use crate::errors::EscrowError;
use crate::events::{emit_event, DisputeOpenedEvent};
use crate::state::{Config, EscrowStatus, JobEscrow, CONFIG_SEED, ESCROW_SEED};

#[derive(Accounts)]
pub struct OpenDispute<'info> {
    /// The payer or the node the escrow is locked to.
    pub party: Signer<'info>,
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<'info, Config>,
    #[account(
        mut,
        seeds = [ESCROW_SEED, escrow.payer.as_ref(), escrow.job_id.as_ref()],
        bump = escrow.bump
    )]
    pub escrow: Account<'info, JobEscrow>,
}

impl OpenDispute<'_> {
    fn validate(&self) -> Result<()> {
        let party = self.party.key();
        require!(
            party == self.escrow.payer || party == self.escrow.payee,
            EscrowError::NotAParty
        );
        // Only an assigned job has two parties to disagree; before that the
        // payer can simply cancel.
        require!(
            self.escrow.status == EscrowStatus::Locked,
            EscrowError::InvalidStatus
        );
        Ok(())
    }
}

/// Freeze the escrow for the arbiter. The expiry moves out to give the arbiter
/// the configured window; after it the payer can still reclaim.
pub fn handle_open_dispute(ctx: Context<OpenDispute>) -> Result<()> {
    ctx.accounts.validate()?;
    let now = now()?;
    let deadline = now
        .checked_add(ctx.accounts.config.dispute_window_secs)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    let escrow_key = ctx.accounts.escrow.key();
    let escrow = &mut ctx.accounts.escrow;
    escrow.expires_at = escrow.expires_at.max(deadline);
    escrow.status = EscrowStatus::Disputed;
    escrow.invariant()?;

    emit_event(&DisputeOpenedEvent {
        escrow: escrow_key,
        job_id: escrow.job_id,
        opened_by: ctx.accounts.party.key(),
        amount: escrow.amount,
        expires_at: escrow.expires_at,
        status: escrow.status,
    });
    Ok(())
}
