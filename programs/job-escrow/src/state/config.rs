use anchor_lang::prelude::*;

use crate::errors::EscrowError;
use crate::state::limits::*;

/// Marketplace-wide settings, changeable by the admin without a program upgrade.
#[account]
#[derive(InitSpace, Debug)]
pub struct Config {
    /// May change every other field.
    pub admin: Pubkey,
    /// The coordinator's key: locks, unlocks, releases, refunds and settles escrows.
    pub coordinator: Pubkey,
    /// The only key that can move funds of a disputed escrow.
    pub arbiter: Pubkey,
    /// Token account (of `mint`) that receives the platform fee.
    pub treasury: Pubkey,
    /// The accepted payment mint (CYXWIZ in production).
    pub mint: Pubkey,
    /// Platform fee in basis points, at most [`MAX_FEE_BPS`].
    pub fee_bps: u16,
    /// Smallest amount an escrow may hold (dust is refused).
    pub min_escrow_amount: u64,
    /// Bounds of `expires_at - created_at` for new escrows.
    pub min_lifetime_secs: i64,
    pub max_lifetime_secs: i64,
    /// Time the arbiter has after a dispute is opened before the payer may reclaim.
    pub dispute_window_secs: i64,
    /// While paused no escrow can be created or locked; money can still leave.
    pub paused: bool,
    pub bump: u8,
}

/// The tunable part of [`Config`], validated as a whole.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfigParams {
    pub fee_bps: u16,
    pub min_escrow_amount: u64,
    pub min_lifetime_secs: i64,
    pub max_lifetime_secs: i64,
    pub dispute_window_secs: i64,
}

impl ConfigParams {
    pub fn validate(&self) -> Result<()> {
        require!(self.fee_bps <= MAX_FEE_BPS, EscrowError::FeeTooHigh);
        require!(self.min_escrow_amount > 0, EscrowError::InvalidConfig);
        require!(
            self.min_lifetime_secs >= MIN_LIFETIME_FLOOR_SECS
                && self.min_lifetime_secs <= self.max_lifetime_secs
                && self.max_lifetime_secs <= MAX_LIFETIME_CEIL_SECS,
            EscrowError::InvalidLifetimeBounds
        );
        require!(
            (MIN_DISPUTE_WINDOW_SECS..=MAX_DISPUTE_WINDOW_SECS).contains(&self.dispute_window_secs),
            EscrowError::InvalidDisputeWindow
        );
        Ok(())
    }
}

impl Config {
    pub fn params(&self) -> ConfigParams {
        ConfigParams {
            fee_bps: self.fee_bps,
            min_escrow_amount: self.min_escrow_amount,
            min_lifetime_secs: self.min_lifetime_secs,
            max_lifetime_secs: self.max_lifetime_secs,
            dispute_window_secs: self.dispute_window_secs,
        }
    }

    pub fn set_params(&mut self, params: ConfigParams) {
        self.fee_bps = params.fee_bps;
        self.min_escrow_amount = params.min_escrow_amount;
        self.min_lifetime_secs = params.min_lifetime_secs;
        self.max_lifetime_secs = params.max_lifetime_secs;
        self.dispute_window_secs = params.dispute_window_secs;
    }

    /// Holds after every instruction that writes the config.
    pub fn invariant(&self) -> Result<()> {
        self.params().validate()?;
        for key in [
            self.admin,
            self.coordinator,
            self.arbiter,
            self.treasury,
            self.mint,
        ] {
            require_keys_neq!(key, Pubkey::default(), EscrowError::InvalidConfig);
        }
        // A dispute needs a judge who is not a party to the coordinator's decisions.
        require_keys_neq!(
            self.arbiter,
            self.coordinator,
            EscrowError::ArbiterIsCoordinator
        );
        Ok(())
    }
}
