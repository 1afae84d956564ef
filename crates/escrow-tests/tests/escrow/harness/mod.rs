//! The test bench: a fresh bank per test, users with tokens, one builder per
//! instruction, and a ledger that checks token conservation after every
//! transaction (security test 21) and that failed transactions move nothing.
//!
//! `Env` is defined here; its methods are grouped by what they do:
//! `setup` (banks, mints, funded users), `reads` (accounts, balances, clock),
//! `ledger` (sending, expected failures, conservation checks), `instructions`
//! (one builder per JobEscrow instruction) and `steps` (common sequences).

mod instructions;
mod ledger;
mod reads;
mod setup;
mod steps;

use anchor_lang::prelude::Pubkey;
use job_escrow::state::{ConfigParams, CONFIG_SEED, ESCROW_SEED, VAULT_SEED};
use solana_program_test::ProgramTestContext;
use solana_sdk::{
    instruction::InstructionError,
    signature::{Keypair, Signer},
};

pub use instructions::{unsigned, ReleaseAccounts};
pub use ledger::TxOutcome;

pub const DECIMALS: u8 = 6;
pub const DAY: i64 = 24 * 60 * 60;

pub fn default_params() -> ConfigParams {
    ConfigParams {
        fee_bps: 1_000,
        min_escrow_amount: 1,
        min_lifetime_secs: 60,
        max_lifetime_secs: 30 * DAY,
        dispute_window_secs: 7 * DAY,
    }
}

/// A wallet with a token account for the escrow mint.
pub struct User {
    pub key: Keypair,
    pub token: Pubkey,
}

impl User {
    pub fn pubkey(&self) -> Pubkey {
        self.key.pubkey()
    }
}

pub struct Env {
    pub ctx: ProgramTestContext,
    pub mint: Pubkey,
    mint_authority: Keypair,
    pub admin: Keypair,
    pub coordinator: Keypair,
    pub arbiter: Keypair,
    pub treasury: User,
    pub minted: u128,
    /// Every token account the test created or that the program created (vaults).
    pub token_accounts: Vec<Pubkey>,
    /// Escrows created through this bench.
    pub escrows: Vec<Pubkey>,
    nonce: u32,
    next_job: u64,
}

pub fn escrow_pda(payer: &Pubkey, job_id: &[u8; 32]) -> Pubkey {
    Pubkey::find_program_address(&[ESCROW_SEED, payer.as_ref(), job_id], &job_escrow::ID).0
}

pub fn vault_pda(escrow: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[VAULT_SEED, escrow.as_ref()], &job_escrow::ID).0
}

pub fn config_pda() -> Pubkey {
    Pubkey::find_program_address(&[CONFIG_SEED], &job_escrow::ID).0
}

pub fn code(error: impl Into<u32>) -> InstructionError {
    InstructionError::Custom(error.into())
}
