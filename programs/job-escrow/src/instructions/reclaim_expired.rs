use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

use crate::clock::now;
use crate::errors::EscrowError;
use crate::events::{emit_event, EscrowExpiredEvent};
use crate::math::split;
use crate::payout::{record_settlement, settle_from_vault, Payees};
use crate::state::{EscrowStatus, JobEscrow, ESCROW_SEED, VAULT_SEED};

/// Needs no config and no privileged key: it must work even if the coordinator,
/// the admin and the arbiter are all gone.
#[derive(Accounts)]
pub struct ReclaimExpired<'info> {
    /// Anyone; pays the transaction fee, receives nothing.
    pub caller: Signer<'info>,
    #[account(
        mut,
        seeds = [ESCROW_SEED, escrow.payer.as_ref(), escrow.job_id.as_ref()],
        bump = escrow.bump
    )]
    pub escrow: Account<'info, JobEscrow>,
    #[account(
        mut,
        seeds = [VAULT_SEED, escrow.key().as_ref()],
        bump = escrow.vault_bump,
        constraint = vault.owner == escrow.key() @ EscrowError::InvariantViolated
    )]
    pub vault: Account<'info, TokenAccount>,
    #[account(constraint = mint.key() == escrow.token_mint @ EscrowError::WrongMint)]
    pub mint: Account<'info, Mint>,
    #[account(
        mut,
        constraint = payer_token.owner == escrow.payer @ EscrowError::WrongPayer,
        constraint = payer_token.mint == escrow.token_mint @ EscrowError::WrongMint
    )]
    pub payer_token: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

impl ReclaimExpired<'_> {
    fn validate(&self, now: i64) -> Result<()> {
        require!(!self.escrow.status.is_final(), EscrowError::InvalidStatus);
        require!(now >= self.escrow.expires_at, EscrowError::NotExpired);
        Ok(())
    }
}

/// After `expires_at`, everything still escrowed goes back to the payer.
pub fn handle_reclaim_expired(ctx: Context<ReclaimExpired>) -> Result<()> {
    let now = now()?;
    ctx.accounts.validate(now)?;
    let amount = ctx.accounts.escrow.amount;
    let split = split(amount, 0, ctx.accounts.escrow.fee_bps)?;
    let accounts = &mut *ctx.accounts;
    settle_from_vault(
        &accounts.escrow,
        &mut accounts.vault,
        &accounts.mint,
        &accounts.token_program,
        split,
        Payees {
            node: None,
            treasury: None,
            payer: Some(&accounts.payer_token),
        },
    )?;

    let escrow_key = ctx.accounts.escrow.key();
    let escrow = &mut ctx.accounts.escrow;
    let proof_hash = escrow.proof_hash;
    record_settlement(escrow, split, proof_hash, now, EscrowStatus::Expired)?;
    emit_event(&EscrowExpiredEvent {
        escrow: escrow_key,
        job_id: escrow.job_id,
        payer: escrow.payer,
        amount,
        status: escrow.status,
    });
    Ok(())
}
