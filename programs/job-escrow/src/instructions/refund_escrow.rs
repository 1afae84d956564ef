use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

use crate::clock::now;
use crate::errors::EscrowError;
use crate::events::{emit_event, EscrowRefundedEvent};
use crate::math::split;
use crate::payout::{record_settlement, settle_from_vault, Payees};
use crate::state::{Config, EscrowStatus, JobEscrow, CONFIG_SEED, ESCROW_SEED, VAULT_SEED};

#[derive(Accounts)]
pub struct RefundEscrow<'info> {
    /// The coordinator (job failed or cancelled), or the payer while unassigned.
    pub authority: Signer<'info>,
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<'info, Config>,
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

impl RefundEscrow<'_> {
    fn validate(&self) -> Result<()> {
        let authority = self.authority.key();
        let status = self.escrow.status;
        if authority == self.config.coordinator {
            require!(
                matches!(status, EscrowStatus::Created | EscrowStatus::Locked),
                EscrowError::InvalidStatus
            );
        } else if authority == self.escrow.payer {
            // A payer may cancel only before a node has been assigned.
            require!(status == EscrowStatus::Created, EscrowError::InvalidStatus);
        } else {
            return err!(EscrowError::Unauthorized);
        }
        Ok(())
    }
}

/// Everything back to the payer.
pub fn handle_refund_escrow(ctx: Context<RefundEscrow>) -> Result<()> {
    ctx.accounts.validate()?;
    let now = now()?;
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
    record_settlement(escrow, split, [0; 32], now, EscrowStatus::Refunded)?;
    emit_event(&EscrowRefundedEvent {
        escrow: escrow_key,
        job_id: escrow.job_id,
        payer: escrow.payer,
        refunded_by: ctx.accounts.authority.key(),
        amount,
        status: escrow.status,
    });
    Ok(())
}
