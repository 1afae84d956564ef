//! Split arithmetic. All of it is integer, checked and rounds down, so:
//! - the platform fee is `floor(gross * fee_bps / 10_000)`: fee dust stays with the node;
//! - the node's gross share is `floor(amount * share_bps / 10_000)`: share dust goes back
//!   to the payer, who funded it;
//! - `node + platform + payer == amount` exactly, for every amount and allowed bps.

use anchor_lang::prelude::*;

use crate::errors::EscrowError;
use crate::state::BPS_DENOMINATOR;

/// How an escrowed amount is divided at settlement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Split {
    pub node: u64,
    pub platform: u64,
    pub payer: u64,
}

/// `floor(amount * bps / 10_000)`, for `bps <= 10_000`.
pub fn bps_of(amount: u64, bps: u16) -> Result<u64> {
    require!(bps <= BPS_DENOMINATOR, EscrowError::InvalidShare);
    let scaled = u128::from(amount)
        .checked_mul(u128::from(bps))
        .ok_or(EscrowError::ArithmeticOverflow)?;
    let part = scaled
        .checked_div(u128::from(BPS_DENOMINATOR))
        .ok_or(EscrowError::ArithmeticOverflow)?;
    u64::try_from(part).map_err(|_| error!(EscrowError::ArithmeticOverflow))
}

/// The platform fee on a node's gross payment.
pub fn fee_of(gross: u64, fee_bps: u16) -> Result<u64> {
    bps_of(gross, fee_bps)
}

/// Divide `amount` when the node earned `node_share_bps` of it.
pub fn split(amount: u64, node_share_bps: u16, fee_bps: u16) -> Result<Split> {
    let gross = bps_of(amount, node_share_bps)?;
    let platform = fee_of(gross, fee_bps)?;
    let node = gross
        .checked_sub(platform)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    let payer = amount
        .checked_sub(gross)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    Ok(Split {
        node,
        platform,
        payer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_release_on_default_fee_is_90_10() {
        let s = split(1_000_000, BPS_DENOMINATOR, 1_000).unwrap();
        assert_eq!((s.node, s.platform, s.payer), (900_000, 100_000, 0));
    }

    #[test]
    fn fee_dust_stays_with_the_node() {
        let s = split(19, BPS_DENOMINATOR, 1_000).unwrap();
        assert_eq!((s.node, s.platform, s.payer), (18, 1, 0));
    }

    #[test]
    fn share_dust_goes_back_to_the_payer() {
        let s = split(3, 5_000, 0).unwrap();
        assert_eq!((s.node, s.platform, s.payer), (1, 0, 2));
    }

    #[test]
    fn share_above_100_percent_is_refused() {
        assert!(split(10, BPS_DENOMINATOR + 1, 0).is_err());
    }
}
