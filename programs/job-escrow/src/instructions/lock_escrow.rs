use anchor_lang::prelude::*;

use crate::clock::now;
use crate::errors::EscrowError;
use crate::events::{emit_event, EscrowLockedEvent};
use crate::state::{Config, EscrowStatus, JobEscrow, CONFIG_SEED, ESCROW_SEED};

#[derive(Accounts)]
pub struct LockEscrow<'info> {
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

impl LockEscrow<'_> {
    fn validate(&self, node_wallet: Pubkey, now: i64) -> Result<()> {
        require!(!self.config.paused, EscrowError::Paused);
        require!(
            self.escrow.status == EscrowStatus::Created,
            EscrowError::InvalidStatus
        );
        require!(now < self.escrow.expires_at, EscrowError::EscrowExpired);
        require!(
            node_wallet != Pubkey::default() && node_wallet != self.escrow.payer,
            EscrowError::InvalidNodeWallet
        );
        Ok(())
    }
}

pub fn handle_lock_escrow(ctx: Context<LockEscrow>, node_wallet: Pubkey) -> Result<()> {
    let now = now()?;
    ctx.accounts.validate(node_wallet, now)?;
    let escrow_key = ctx.accounts.escrow.key();
    let escrow = &mut ctx.accounts.escrow;
    escrow.payee = node_wallet;
    escrow.locked_at = now.max(1);
    escrow.status = EscrowStatus::Locked;
    escrow.invariant()?;

    emit_event(&EscrowLockedEvent {
        escrow: escrow_key,
        job_id: escrow.job_id,
        node: node_wallet,
        amount: escrow.amount,
        attempt: escrow.attempt,
        status: escrow.status,
    });
    Ok(())
}
