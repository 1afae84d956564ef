//! One builder per JobEscrow instruction, with the bench's accounts filled in.

use anchor_lang::{prelude::Pubkey, InstructionData, ToAccountMetas};
use job_escrow::{state::ConfigParams, InitializeConfigArgs, UpdateConfigArgs};
use solana_sdk::{instruction::Instruction, signature::Signer};

use super::{config_pda, escrow_pda, vault_pda, Env, User};

impl Env {
    pub fn initialize_config_ix(
        &self,
        admin: &Pubkey,
        params: ConfigParams,
        treasury: Pubkey,
    ) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::InitializeConfig {
                admin: *admin,
                config: config_pda(),
                mint: self.mint,
                treasury,
                system_program: solana_sdk::system_program::ID,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::InitializeConfig {
                args: InitializeConfigArgs {
                    coordinator: self.coordinator.pubkey(),
                    arbiter: self.arbiter.pubkey(),
                    params,
                },
            }
            .data(),
        }
    }

    pub fn update_config_ix(
        &self,
        admin: &Pubkey,
        args: UpdateConfigArgs,
        new_treasury: Option<Pubkey>,
        new_admin: Option<Pubkey>,
    ) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::UpdateConfig {
                admin: *admin,
                config: config_pda(),
                new_treasury,
                new_admin,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::UpdateConfig { args }.data(),
        }
    }

    pub fn create_ix(
        &self,
        payer: &User,
        job_id: [u8; 32],
        amount: u64,
        expires_at: i64,
    ) -> Instruction {
        self.create_ix_with(
            payer.pubkey(),
            payer.token,
            self.mint,
            job_id,
            amount,
            expires_at,
        )
    }

    pub fn create_ix_with(
        &self,
        payer: Pubkey,
        payer_token: Pubkey,
        mint: Pubkey,
        job_id: [u8; 32],
        amount: u64,
        expires_at: i64,
    ) -> Instruction {
        let escrow = escrow_pda(&payer, &job_id);
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::CreateEscrow {
                payer,
                config: config_pda(),
                mint,
                payer_token,
                escrow,
                vault: vault_pda(&escrow),
                token_program: spl_token::ID,
                system_program: solana_sdk::system_program::ID,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::CreateEscrow {
                job_id,
                amount,
                expires_at,
            }
            .data(),
        }
    }

    pub fn lock_ix(&self, escrow: Pubkey, node_wallet: Pubkey, coordinator: Pubkey) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::LockEscrow {
                coordinator,
                config: config_pda(),
                escrow,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::LockEscrow { node_wallet }.data(),
        }
    }

    pub fn unlock_ix(&self, escrow: Pubkey, coordinator: Pubkey) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::UnlockEscrow {
                coordinator,
                config: config_pda(),
                escrow,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::UnlockEscrow {}.data(),
        }
    }

    pub fn release_ix(
        &self,
        escrow: Pubkey,
        node_token: Pubkey,
        proof_hash: [u8; 32],
    ) -> Instruction {
        self.release_ix_with(
            ReleaseAccounts {
                coordinator: self.coordinator.pubkey(),
                escrow,
                vault: vault_pda(&escrow),
                mint: self.mint,
                node_token,
                treasury_token: self.treasury.token,
                token_program: spl_token::ID,
            },
            proof_hash,
        )
    }

    pub fn release_ix_with(&self, a: ReleaseAccounts, proof_hash: [u8; 32]) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::ReleaseEscrow {
                coordinator: a.coordinator,
                config: config_pda(),
                escrow: a.escrow,
                vault: a.vault,
                mint: a.mint,
                node_token: a.node_token,
                treasury_token: a.treasury_token,
                token_program: a.token_program,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::ReleaseEscrow { proof_hash }.data(),
        }
    }

    pub fn refund_ix(&self, escrow: Pubkey, authority: Pubkey, payer_token: Pubkey) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::RefundEscrow {
                authority,
                config: config_pda(),
                escrow,
                vault: vault_pda(&escrow),
                mint: self.mint,
                payer_token,
                token_program: spl_token::ID,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::RefundEscrow {}.data(),
        }
    }

    pub fn settle_ix(
        &self,
        escrow: Pubkey,
        node_token: Pubkey,
        payer_token: Pubkey,
        node_share_bps: u16,
        proof_hash: [u8; 32],
    ) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::SettlePartial {
                coordinator: self.coordinator.pubkey(),
                config: config_pda(),
                escrow,
                vault: vault_pda(&escrow),
                mint: self.mint,
                node_token,
                treasury_token: self.treasury.token,
                payer_token,
                token_program: spl_token::ID,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::SettlePartial {
                node_share_bps,
                proof_hash,
            }
            .data(),
        }
    }

    pub fn dispute_ix(&self, escrow: Pubkey, party: Pubkey) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::OpenDispute {
                party,
                config: config_pda(),
                escrow,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::OpenDispute {}.data(),
        }
    }

    pub fn resolve_ix(
        &self,
        escrow: Pubkey,
        arbiter: Pubkey,
        node_token: Pubkey,
        payer_token: Pubkey,
        node_share_bps: u16,
    ) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::ResolveDispute {
                arbiter,
                config: config_pda(),
                escrow,
                vault: vault_pda(&escrow),
                mint: self.mint,
                node_token,
                treasury_token: self.treasury.token,
                payer_token,
                token_program: spl_token::ID,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::ResolveDispute { node_share_bps }.data(),
        }
    }

    pub fn reclaim_ix(&self, escrow: Pubkey, caller: Pubkey, payer_token: Pubkey) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::ReclaimExpired {
                caller,
                escrow,
                vault: vault_pda(&escrow),
                mint: self.mint,
                payer_token,
                token_program: spl_token::ID,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::ReclaimExpired {}.data(),
        }
    }

    pub fn close_ix(
        &self,
        escrow: Pubkey,
        authority: Pubkey,
        payer: Pubkey,
        payer_token: Pubkey,
    ) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::CloseEscrow {
                authority,
                config: config_pda(),
                payer,
                escrow,
                vault: vault_pda(&escrow),
                mint: self.mint,
                payer_token,
                token_program: spl_token::ID,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::CloseEscrow {}.data(),
        }
    }
}

/// Every account of a release, for substitution tests.
#[derive(Clone, Copy)]
pub struct ReleaseAccounts {
    pub coordinator: Pubkey,
    pub escrow: Pubkey,
    pub vault: Pubkey,
    pub mint: Pubkey,
    pub node_token: Pubkey,
    pub treasury_token: Pubkey,
    pub token_program: Pubkey,
}

/// `ix` with `key` present but not signing (the right key, without its signature).
pub fn unsigned(mut ix: Instruction, key: &Pubkey) -> Instruction {
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == *key) {
        meta.is_signer = false;
    }
    ix
}
