use anchor_lang::prelude::*;

/// Every error JobEscrow returns itself. Anchor's own constraint errors
/// (owner, discriminator, seeds, signer) keep their standard codes.
#[error_code]
pub enum EscrowError {
    #[msg("Signer is not allowed to perform this action")]
    Unauthorized,
    #[msg("Escrow is not in a status that allows this action")]
    InvalidStatus,
    #[msg("Platform fee exceeds the program's cap")]
    FeeTooHigh,
    #[msg("Config value out of range or key unset")]
    InvalidConfig,
    #[msg("Escrow lifetime bounds out of range")]
    InvalidLifetimeBounds,
    #[msg("Dispute window out of range")]
    InvalidDisputeWindow,
    #[msg("Arbiter must be a different key than the coordinator")]
    ArbiterIsCoordinator,
    #[msg("The program is paused: no new escrows or locks")]
    Paused,
    #[msg("Amount is below the configured minimum")]
    AmountTooSmall,
    #[msg("Expiry is outside the configured lifetime bounds")]
    ExpiryOutOfRange,
    #[msg("Escrow has expired")]
    EscrowExpired,
    #[msg("Escrow has not expired yet")]
    NotExpired,
    #[msg("Mint is not the accepted payment mint")]
    WrongMint,
    #[msg("Fee account is not the escrow's treasury")]
    WrongTreasury,
    #[msg("Payout account does not belong to the locked node")]
    WrongPayee,
    #[msg("Refund account does not belong to the payer")]
    WrongPayer,
    #[msg("Node wallet is unset or is the payer")]
    InvalidNodeWallet,
    #[msg("Node share must be at most 10000 basis points")]
    InvalidShare,
    #[msg("Proof hash must not be all zeros")]
    InvalidProofHash,
    #[msg("Only the payer or the locked node can open a dispute")]
    NotAParty,
    #[msg("The same account was passed for two roles")]
    DuplicateAccount,
    #[msg("Arithmetic overflow")]
    ArithmeticOverflow,
    #[msg("Escrow invariant violated")]
    InvariantViolated,
}
