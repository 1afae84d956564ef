use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, Token, TokenAccount, TransferChecked};

use crate::clock::now;
use crate::errors::EscrowError;
use crate::events::{emit_event, EscrowCreatedEvent};
use crate::state::{Config, EscrowStatus, JobEscrow, CONFIG_SEED, ESCROW_SEED, VAULT_SEED};

#[derive(Accounts)]
#[instruction(job_id: [u8; 32])]
pub struct CreateEscrow<'info> {
    /// Funds the job and signs, so nobody else can create (or squat) this escrow.
    #[account(mut)]
    pub payer: Signer<'info>,
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<'info, Config>,
    #[account(constraint = mint.key() == config.mint @ EscrowError::WrongMint)]
    pub mint: Account<'info, Mint>,
    #[account(
        mut,
        constraint = payer_token.mint == mint.key() @ EscrowError::WrongMint,
        constraint = payer_token.owner == payer.key() @ EscrowError::WrongPayer
    )]
    pub payer_token: Account<'info, TokenAccount>,
    #[account(
        init,
        payer = payer,
        space = 8 + JobEscrow::INIT_SPACE,
        seeds = [ESCROW_SEED, payer.key().as_ref(), job_id.as_ref()],
        bump
    )]
    pub escrow: Account<'info, JobEscrow>,
    #[account(
        init,
        payer = payer,
        seeds = [VAULT_SEED, escrow.key().as_ref()],
        bump,
        token::mint = mint,
        token::authority = escrow,
        token::token_program = token_program
    )]
    pub vault: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

impl CreateEscrow<'_> {
    fn validate(&self, amount: u64, expires_at: i64, now: i64) -> Result<()> {
        let config = &self.config;
        require!(!config.paused, EscrowError::Paused);
        require!(
            amount >= config.min_escrow_amount,
            EscrowError::AmountTooSmall
        );
        let lifetime = expires_at
            .checked_sub(now)
            .ok_or(EscrowError::ExpiryOutOfRange)?;
        require!(
            (config.min_lifetime_secs..=config.max_lifetime_secs).contains(&lifetime),
            EscrowError::ExpiryOutOfRange
        );
        Ok(())
    }
}

pub fn handle_create_escrow(
    ctx: Context<CreateEscrow>,
    job_id: [u8; 32],
    amount: u64,
    expires_at: i64,
) -> Result<()> {
    let now = now()?;
    ctx.accounts.validate(amount, expires_at, now)?;

    let accounts = TransferChecked {
        from: ctx.accounts.payer_token.to_account_info(),
        mint: ctx.accounts.mint.to_account_info(),
        to: ctx.accounts.vault.to_account_info(),
        authority: ctx.accounts.payer.to_account_info(),
    };
    let cpi = CpiContext::new(ctx.accounts.token_program.to_account_info(), accounts);
    token::transfer_checked(cpi, amount, ctx.accounts.mint.decimals)?;
    ctx.accounts.vault.reload()?;
    require!(
        ctx.accounts.vault.amount == amount,
        EscrowError::InvariantViolated
    );

    let escrow_key = ctx.accounts.escrow.key();
    let escrow = &mut ctx.accounts.escrow;
    escrow.job_id = job_id;
    escrow.payer = ctx.accounts.payer.key();
    escrow.payee = Pubkey::default();
    escrow.platform = ctx.accounts.config.treasury;
    escrow.token_mint = ctx.accounts.mint.key();
    escrow.amount = amount;
    escrow.fee_bps = ctx.accounts.config.fee_bps;
    escrow.status = EscrowStatus::Created;
    escrow.created_at = now;
    escrow.locked_at = 0;
    escrow.expires_at = expires_at;
    escrow.settled_at = 0;
    escrow.attempt = 0;
    escrow.proof_hash = [0; 32];
    escrow.node_paid = 0;
    escrow.platform_paid = 0;
    escrow.refunded = 0;
    escrow.bump = ctx.bumps.escrow;
    escrow.vault_bump = ctx.bumps.vault;
    escrow.invariant()?;

    emit_event(&EscrowCreatedEvent {
        escrow: escrow_key,
        job_id,
        payer: escrow.payer,
        amount,
        fee_bps: escrow.fee_bps,
        expires_at,
        status: escrow.status,
    });
    Ok(())
}
