use anchor_lang::prelude::*;

use crate::errors::EscrowError;
use crate::math::fee_of;
use crate::state::limits::MAX_FEE_BPS;

/// Lifecycle of an escrow. `Released`, `Refunded` and `Expired` are final.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, PartialEq, Eq, Debug, InitSpace)]
pub enum EscrowStatus {
    /// Funded, waiting for a node.
    Created,
    /// Assigned to `payee`; the node is training.
    Locked,
    /// Settled with a payment to the node (full, partial or by the arbiter).
    Released,
    /// Settled with everything back to the payer.
    Refunded,
    /// Frozen: only the arbiter can move the funds until `expires_at`.
    Disputed,
    /// Reclaimed by the payer after `expires_at`.
    Expired,
}

impl EscrowStatus {
    pub fn is_final(self) -> bool {
        matches!(self, Self::Released | Self::Refunded | Self::Expired)
    }
}

/// One training job's money: `amount` tokens in the vault PDA until settlement.
#[account]
#[derive(InitSpace, Debug)]
pub struct JobEscrow {
    /// The coordinator's 32-byte job id (also a PDA seed).
    pub job_id: [u8; 32],
    /// Who funded the escrow; receives every refund and the rent on close.
    pub payer: Pubkey,
    /// The node wallet the escrow is locked to; default while unassigned.
    pub payee: Pubkey,
    /// Treasury token account recorded at creation; receives the fee.
    pub platform: Pubkey,
    pub token_mint: Pubkey,
    /// Tokens deposited; the vault holds at least this until settlement.
    pub amount: u64,
    /// Fee recorded at creation: later config changes never touch a funded job.
    pub fee_bps: u16,
    pub status: EscrowStatus,
    pub created_at: i64,
    /// When the current lock was taken; 0 while unassigned.
    pub locked_at: i64,
    /// After this instant anyone may return the funds to the payer.
    pub expires_at: i64,
    /// When the escrow reached a final status; 0 before.
    pub settled_at: i64,
    /// How many times the job was taken away from a node (unlocks).
    pub attempt: u16,
    /// sha256 of the verified proof (weights), recorded on release or settlement.
    pub proof_hash: [u8; 32],
    /// Settlement amounts; all zero until a final status, then they add up to `amount`.
    pub node_paid: u64,
    pub platform_paid: u64,
    pub refunded: u64,
    pub bump: u8,
    pub vault_bump: u8,
}

impl JobEscrow {
    /// Holds after every instruction that writes an escrow.
    pub fn invariant(&self) -> Result<()> {
        let ok = self.check();
        require!(ok, EscrowError::InvariantViolated);
        Ok(())
    }

    fn check(&self) -> bool {
        let paid = self
            .node_paid
            .checked_add(self.platform_paid)
            .and_then(|sum| sum.checked_add(self.refunded));
        let base = self.amount > 0
            && self.fee_bps <= MAX_FEE_BPS
            && self.expires_at > self.created_at
            && self.payee != self.payer;
        let by_status = match self.status {
            EscrowStatus::Created => {
                paid == Some(0) && self.payee == Pubkey::default() && self.locked_at == 0
            }
            EscrowStatus::Locked | EscrowStatus::Disputed => {
                paid == Some(0) && self.payee != Pubkey::default() && self.locked_at > 0
            }
            EscrowStatus::Released => {
                let gross = self.node_paid.checked_add(self.platform_paid);
                paid == Some(self.amount)
                    && self.node_paid > 0
                    && gross.and_then(|g| fee_of(g, self.fee_bps).ok()) == Some(self.platform_paid)
            }
            EscrowStatus::Refunded | EscrowStatus::Expired => {
                self.refunded == self.amount && self.node_paid == 0 && self.platform_paid == 0
            }
        };
        let settled = self.status.is_final() == (self.settled_at > 0);
        base && by_status && settled
    }
}
