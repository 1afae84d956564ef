use anchor_lang::prelude::*;

use crate::errors::EscrowError;
use crate::events::{emit_event, EscrowUnlockedEvent};
use crate::state::{Config, EscrowStatus, JobEscrow, CONFIG_SEED, ESCROW_SEED};

#[derive(Accounts)]
pub struct UnlockEscrow<'info> {
    pub coordinator: Signer<'info>,
    #[account(
        seeds = [CONFIG_SEED],
        bump = config.bump,
        constraint = config.coordinator == coordinator.key() @ EscrowError::Unauthorized
    )]
    pub config: Account<'info, Config>,
    #[account(
        mut,
        seeds = [ESCROW_SEED, escrow.payer.as_ref(), escrow.job_id.as_ref()],
        bump = escrow.bump
    )]
    pub escrow: Account<'info, JobEscrow>,
}

/// The node vanished: take the job back so it can be locked to another node.
pub fn handle_unlock_escrow(ctx: Context<UnlockEscrow>) -> Result<()> {
    require!(
        ctx.accounts.escrow.status == EscrowStatus::Locked,
        EscrowError::InvalidStatus
    );
    let escrow_key = ctx.accounts.escrow.key();
    let escrow = &mut ctx.accounts.escrow;
    let previous_node = escrow.payee;
    escrow.payee = Pubkey::default();
    escrow.locked_at = 0;
    escrow.attempt = escrow
        .attempt
        .checked_add(1)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    escrow.status = EscrowStatus::Created;
    escrow.invariant()?;

    emit_event(&EscrowUnlockedEvent {
        escrow: escrow_key,
        job_id: escrow.job_id,
        previous_node,
        amount: escrow.amount,
        attempt: escrow.attempt,
        status: escrow.status,
    });
    Ok(())
}
