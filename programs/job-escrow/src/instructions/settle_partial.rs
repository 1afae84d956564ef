use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

use crate::clock::now;
use crate::errors::EscrowError;
use crate::events::{emit_event, EscrowPartiallySettledEvent};
use crate::math::split;
use crate::payout::{record_settlement, settle_from_vault, Payees};
use crate::state::{
    Config, EscrowStatus, JobEscrow, BPS_DENOMINATOR, CONFIG_SEED, ESCROW_SEED, VAULT_SEED,
};

#[derive(Accounts)]
pub struct SettlePartial<'info> {
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
        constraint = node_token.owner == escrow.payee @ EscrowError::WrongPayee,
        constraint = node_token.mint == escrow.token_mint @ EscrowError::WrongMint,
        constraint = node_token.key() != treasury_token.key() @ EscrowError::DuplicateAccount
    )]
    pub node_token: Account<'info, TokenAccount>,
    #[account(
        mut,
        constraint = treasury_token.key() == escrow.platform @ EscrowError::WrongTreasury,
        constraint = treasury_token.mint == escrow.token_mint @ EscrowError::WrongMint
    )]
    pub treasury_token: Account<'info, TokenAccount>,
    #[account(
        mut,
        constraint = payer_token.owner == escrow.payer @ EscrowError::WrongPayer,
        constraint = payer_token.mint == escrow.token_mint @ EscrowError::WrongMint,
        constraint = payer_token.key() != treasury_token.key() @ EscrowError::DuplicateAccount,
        constraint = payer_token.key() != node_token.key() @ EscrowError::DuplicateAccount
    )]
    pub payer_token: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

impl SettlePartial<'_> {
    fn validate(&self, node_share_bps: u16, proof_hash: &[u8; 32], now: i64) -> Result<()> {
        require!(
            self.escrow.status == EscrowStatus::Locked,
            EscrowError::InvalidStatus
        );
        require!(now < self.escrow.expires_at, EscrowError::EscrowExpired);
        require!(node_share_bps <= BPS_DENOMINATOR, EscrowError::InvalidShare);
        require!(*proof_hash != [0; 32], EscrowError::InvalidProofHash);
        Ok(())
    }
}

/// The job ran out of time: pay the node for the verified share of the work
/// (less the fee on that part) and return the rest to the payer, in one go.
pub fn handle_settle_partial(
    ctx: Context<SettlePartial>,
    node_share_bps: u16,
    proof_hash: [u8; 32],
) -> Result<()> {
    let now = now()?;
    ctx.accounts.validate(node_share_bps, &proof_hash, now)?;
    let amount = ctx.accounts.escrow.amount;
    let split = split(amount, node_share_bps, ctx.accounts.escrow.fee_bps)?;
    let accounts = &mut *ctx.accounts;
    settle_from_vault(
        &accounts.escrow,
        &mut accounts.vault,
        &accounts.mint,
        &accounts.token_program,
        split,
        Payees {
            node: Some(&accounts.node_token),
            treasury: Some(&accounts.treasury_token),
            payer: Some(&accounts.payer_token),
        },
    )?;

    let escrow_key = ctx.accounts.escrow.key();
    let escrow = &mut ctx.accounts.escrow;
    record_settlement(escrow, split, proof_hash, now, EscrowStatus::Refunded)?;
    emit_event(&EscrowPartiallySettledEvent {
        escrow: escrow_key,
        job_id: escrow.job_id,
        node: escrow.payee,
        node_share_bps,
        amount,
        node_amount: split.node,
        platform_amount: split.platform,
        payer_amount: split.payer,
        proof_hash,
        status: escrow.status,
    });
    Ok(())
}
