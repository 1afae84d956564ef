use anchor_lang::prelude::*;
use anchor_spl::token::TokenAccount;

use crate::errors::EscrowError;
use crate::events::{emit_event, ConfigUpdatedEvent};
use crate::state::{Config, ConfigParams, CONFIG_SEED};

/// Each `Some` replaces the current value; the result is validated as a whole.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default)]
pub struct UpdateConfigArgs {
    pub coordinator: Option<Pubkey>,
    pub arbiter: Option<Pubkey>,
    pub params: Option<ConfigParams>,
    pub paused: Option<bool>,
}

#[derive(Accounts)]
pub struct UpdateConfig<'info> {
    pub admin: Signer<'info>,
    #[account(
        mut,
        seeds = [CONFIG_SEED],
        bump = config.bump,
        constraint = config.admin == admin.key() @ EscrowError::Unauthorized
    )]
    pub config: Account<'info, Config>,
    /// New fee destination; must be a token account of the accepted mint.
    #[account(constraint = new_treasury.mint == config.mint @ EscrowError::WrongMint)]
    pub new_treasury: Option<Account<'info, TokenAccount>>,
    /// Admin hand-over: the new admin signs, so a mistyped key cannot lock the config.
    pub new_admin: Option<Signer<'info>>,
}

pub fn handle_update_config(ctx: Context<UpdateConfig>, args: UpdateConfigArgs) -> Result<()> {
    let config = &mut ctx.accounts.config;
    if let Some(coordinator) = args.coordinator {
        config.coordinator = coordinator;
    }
    if let Some(arbiter) = args.arbiter {
        config.arbiter = arbiter;
    }
    if let Some(params) = args.params {
        config.set_params(params);
    }
    if let Some(paused) = args.paused {
        config.paused = paused;
    }
    if let Some(treasury) = &ctx.accounts.new_treasury {
        config.treasury = treasury.key();
    }
    if let Some(admin) = &ctx.accounts.new_admin {
        config.admin = admin.key();
    }
    config.invariant()?;

    emit_event(&ConfigUpdatedEvent {
        admin: config.admin,
        coordinator: config.coordinator,
        arbiter: config.arbiter,
        treasury: config.treasury,
        fee_bps: config.fee_bps,
        min_escrow_amount: config.min_escrow_amount,
        min_lifetime_secs: config.min_lifetime_secs,
        max_lifetime_secs: config.max_lifetime_secs,
        dispute_window_secs: config.dispute_window_secs,
        paused: config.paused,
    });
    Ok(())
}
