//! Moving tokens out of an escrow's vault, and the bookkeeping of a settlement.

use anchor_lang::prelude::*;
use anchor_spl::token::{self, Mint, Token, TokenAccount, TransferChecked};

use crate::errors::EscrowError;
use crate::math::Split;
use crate::state::{EscrowStatus, JobEscrow, ESCROW_SEED};

/// The accounts every payout from a vault needs. Only the escrow PDA's own seeds
/// sign, so one escrow can never move another escrow's vault.
pub struct Vault<'a, 'info> {
    pub escrow: &'a Account<'info, JobEscrow>,
    pub vault: &'a Account<'info, TokenAccount>,
    pub mint: &'a Account<'info, Mint>,
    pub token_program: &'a Program<'info, Token>,
}

impl<'info> Vault<'_, 'info> {
    /// Refuse to act on a live escrow whose vault holds less than it records.
    pub fn check_funded(&self) -> Result<()> {
        require!(
            self.vault.amount >= self.escrow.amount,
            EscrowError::InvariantViolated
        );
        Ok(())
    }

    /// Transfer `amount` (0 is a no-op) from the vault to `to`.
    pub fn pay(&self, to: &Account<'info, TokenAccount>, amount: u64) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        let bump = [self.escrow.bump];
        let seeds: [&[u8]; 4] = [
            ESCROW_SEED,
            self.escrow.payer.as_ref(),
            self.escrow.job_id.as_ref(),
            &bump,
        ];
        let signer: &[&[&[u8]]] = &[&seeds];
        let accounts = TransferChecked {
            from: self.vault.to_account_info(),
            mint: self.mint.to_account_info(),
            to: to.to_account_info(),
            authority: self.escrow.to_account_info(),
        };
        let ctx =
            CpiContext::new_with_signer(self.token_program.to_account_info(), accounts, signer);
        token::transfer_checked(ctx, amount, self.mint.decimals)
    }

    /// Pay a split: node, treasury and payer, in that order.
    pub fn pay_split(
        &self,
        split: Split,
        node: Option<&Account<'info, TokenAccount>>,
        treasury: Option<&Account<'info, TokenAccount>>,
        payer: Option<&Account<'info, TokenAccount>>,
    ) -> Result<()> {
        for (account, amount) in [
            (node, split.node),
            (treasury, split.platform),
            (payer, split.payer),
        ] {
            match account {
                Some(to) => self.pay(to, amount)?,
                None => require!(amount == 0, EscrowError::InvariantViolated),
            }
        }
        Ok(())
    }
}

/// Where the parts of a split go; `None` where that part must be zero.
pub struct Payees<'a, 'info> {
    pub node: Option<&'a Account<'info, TokenAccount>>,
    pub treasury: Option<&'a Account<'info, TokenAccount>>,
    pub payer: Option<&'a Account<'info, TokenAccount>>,
}

/// Pay out the whole escrowed amount as `split` and check that the vault gave
/// exactly that: no more (it is never overdrawn), no less (nothing left behind).
pub fn settle_from_vault<'info>(
    escrow: &Account<'info, JobEscrow>,
    vault: &mut Account<'info, TokenAccount>,
    mint: &Account<'info, Mint>,
    token_program: &Program<'info, Token>,
    split: Split,
    payees: Payees<'_, 'info>,
) -> Result<()> {
    let balance_before = vault.amount;
    let source = Vault {
        escrow,
        vault,
        mint,
        token_program,
    };
    source.check_funded()?;
    source.pay_split(split, payees.node, payees.treasury, payees.payer)?;
    vault.reload()?;
    let expected = balance_before
        .checked_sub(escrow.amount)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    require!(vault.amount == expected, EscrowError::InvariantViolated);
    Ok(())
}

/// Record a final settlement on the escrow and check its invariant. The status is
/// `Released` when the node got anything, `status_without_payment` otherwise.
pub fn record_settlement(
    escrow: &mut JobEscrow,
    split: Split,
    proof_hash: [u8; 32],
    now: i64,
    status_without_payment: EscrowStatus,
) -> Result<()> {
    let gross = split
        .node
        .checked_add(split.platform)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    escrow.status = if gross > 0 {
        EscrowStatus::Released
    } else {
        status_without_payment
    };
    escrow.node_paid = split.node;
    escrow.platform_paid = split.platform;
    escrow.refunded = split.payer;
    escrow.proof_hash = proof_hash;
    escrow.settled_at = now.max(1);
    escrow.invariant()
}
