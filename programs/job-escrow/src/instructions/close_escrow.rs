use anchor_lang::prelude::*;
use anchor_spl::token::{self, CloseAccount, Mint, Token, TokenAccount};

use crate::errors::EscrowError;
use crate::events::{emit_event, EscrowClosedEvent};
use crate::payout::Vault;
use crate::state::{Config, JobEscrow, CONFIG_SEED, ESCROW_SEED, VAULT_SEED};

#[derive(Accounts)]
pub struct CloseEscrow<'info> {
    /// The payer or the coordinator; the rent goes to the payer either way.
    pub authority: Signer<'info>,
    #[account(seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<'info, Config>,
    /// Receives the rent of the escrow and of its vault.
    #[account(mut, constraint = payer.key() == escrow.payer @ EscrowError::WrongPayer)]
    pub payer: SystemAccount<'info>,
    #[account(
        mut,
        close = payer,
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
    /// Receives tokens someone sent to the vault after settlement, if any.
    #[account(
        mut,
        constraint = payer_token.owner == escrow.payer @ EscrowError::WrongPayer,
        constraint = payer_token.mint == escrow.token_mint @ EscrowError::WrongMint
    )]
    pub payer_token: Account<'info, TokenAccount>,
    pub token_program: Program<'info, Token>,
}

impl CloseEscrow<'_> {
    fn validate(&self) -> Result<()> {
        let authority = self.authority.key();
        require!(
            authority == self.escrow.payer || authority == self.config.coordinator,
            EscrowError::Unauthorized
        );
        require!(self.escrow.status.is_final(), EscrowError::InvalidStatus);
        Ok(())
    }
}

/// Return the rent of a settled escrow and its vault to the payer.
pub fn handle_close_escrow(ctx: Context<CloseEscrow>) -> Result<()> {
    ctx.accounts.validate()?;
    let swept_amount = ctx.accounts.vault.amount;
    let vault = Vault {
        escrow: &ctx.accounts.escrow,
        vault: &ctx.accounts.vault,
        mint: &ctx.accounts.mint,
        token_program: &ctx.accounts.token_program,
    };
    vault.pay(&ctx.accounts.payer_token, swept_amount)?;
    ctx.accounts.vault.reload()?;
    require!(
        ctx.accounts.vault.amount == 0,
        EscrowError::InvariantViolated
    );

    let escrow = &ctx.accounts.escrow;
    let bump = [escrow.bump];
    let seeds: [&[u8]; 4] = [
        ESCROW_SEED,
        escrow.payer.as_ref(),
        escrow.job_id.as_ref(),
        &bump,
    ];
    let signer: &[&[&[u8]]] = &[&seeds];
    let accounts = CloseAccount {
        account: ctx.accounts.vault.to_account_info(),
        destination: ctx.accounts.payer.to_account_info(),
        authority: escrow.to_account_info(),
    };
    token::close_account(CpiContext::new_with_signer(
        ctx.accounts.token_program.to_account_info(),
        accounts,
        signer,
    ))?;

    emit_event(&EscrowClosedEvent {
        escrow: escrow.key(),
        job_id: escrow.job_id,
        payer: escrow.payer,
        swept_amount,
        status: escrow.status,
    });
    Ok(())
}
