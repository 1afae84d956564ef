//! Common sequences: fresh job ids, funded escrows, lock, release, dispute.

use anchor_lang::prelude::Pubkey;
use solana_sdk::signature::{Keypair, Signer};

use super::{escrow_pda, vault_pda, Env, TxOutcome, User, DAY};

impl Env {
    pub fn next_job_id(&mut self) -> [u8; 32] {
        let mut id = [0u8; 32];
        id[..8].copy_from_slice(&self.next_job.to_le_bytes());
        self.next_job += 1;
        id
    }

    /// Create and fund an escrow that expires in a day; returns its address.
    pub async fn create(&mut self, payer: &User, amount: u64) -> Pubkey {
        let expires_at = self.now().await + DAY;
        self.create_expiring(payer, amount, expires_at).await
    }

    pub async fn create_expiring(&mut self, payer: &User, amount: u64, expires_at: i64) -> Pubkey {
        let job_id = self.next_job_id();
        let ix = self.create_ix(payer, job_id, amount, expires_at);
        let escrow = escrow_pda(&payer.pubkey(), &job_id);
        self.track_escrow(escrow);
        self.expect_ok(&[ix], &[&payer.key]).await;
        escrow
    }

    pub fn track_escrow(&mut self, escrow: Pubkey) {
        if !self.escrows.contains(&escrow) {
            self.escrows.push(escrow);
            self.token_accounts.push(vault_pda(&escrow));
        }
    }

    pub async fn lock(&mut self, escrow: Pubkey, node: &User) {
        let ix = self.lock_ix(escrow, node.pubkey(), self.coordinator.pubkey());
        let coordinator = self.coordinator.insecure_clone();
        self.expect_ok(&[ix], &[&coordinator]).await;
    }

    pub async fn release(&mut self, escrow: Pubkey, node: &User) -> TxOutcome {
        let ix = self.release_ix(escrow, node.token, [7; 32]);
        let coordinator = self.coordinator.insecure_clone();
        self.expect_ok(&[ix], &[&coordinator]).await
    }

    pub async fn dispute(&mut self, escrow: Pubkey, party: &Keypair) {
        let ix = self.dispute_ix(escrow, party.pubkey());
        self.expect_ok(&[ix], &[party]).await;
    }
}
