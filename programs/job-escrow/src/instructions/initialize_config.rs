use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, TokenAccount};

use crate::errors::EscrowError;
use crate::events::{emit_event, ConfigInitializedEvent};
use crate::state::{Config, ConfigParams, CONFIG_SEED};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct InitializeConfigArgs {
    pub coordinator: Pubkey,
    pub arbiter: Pubkey,
    pub params: ConfigParams,
}

#[derive(Accounts)]
pub struct InitializeConfig<'info> {
    /// Becomes the config admin; pays for the account.
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(
        init,
        payer = admin,
        space = 8 + Config::INIT_SPACE,
        seeds = [CONFIG_SEED],
        bump
    )]
    pub config: Account<'info, Config>,
    /// The accepted payment mint (classic SPL Token only).
    pub mint: Account<'info, Mint>,
    #[account(constraint = treasury.mint == mint.key() @ EscrowError::WrongMint)]
    pub treasury: Account<'info, TokenAccount>,
    pub system_program: Program<'info, System>,
}

pub fn handle_initialize_config(
    ctx: Context<InitializeConfig>,
    args: InitializeConfigArgs,
) -> Result<()> {
    args.params.validate()?;
    let config = &mut ctx.accounts.config;
    config.admin = ctx.accounts.admin.key();
    config.coordinator = args.coordinator;
    config.arbiter = args.arbiter;
    config.treasury = ctx.accounts.treasury.key();
    config.mint = ctx.accounts.mint.key();
    config.set_params(args.params);
    config.paused = false;
    config.bump = ctx.bumps.config;
    config.invariant()?;

    emit_event(&ConfigInitializedEvent {
        admin: config.admin,
        coordinator: config.coordinator,
        arbiter: config.arbiter,
        treasury: config.treasury,
        mint: config.mint,
        fee_bps: config.fee_bps,
    });
    Ok(())
}
