//! `invoke*` for anchor-lang 0.32, identical on-chain, usable off-chain.
//!
//! anchor-lang 0.32 performs every CPI (system `create_account`, SPL Token
//! transfers) through the `solana-invoke` crate. Upstream 0.4.0 panics with
//! `unimplemented!` when the target is not `solana`, which makes it impossible
//! to run an Anchor program natively inside `solana-program-test`, the way
//! CyxWiz tests and hosts JobEscrow on machines without the SBF toolchain.
//!
//! On `target_os = "solana"` this crate calls the very same syscall through
//! `solana-cpi`. Off-chain it hands the CPI to the runtime's syscall stubs,
//! exactly as `solana_program::program::invoke_signed` does; the stubs that
//! `solana-program-test` installs execute the callee in the real bank with
//! real signer, owner and privilege checks.

use solana_account_info::AccountInfo;
use solana_instruction::Instruction;
use solana_program_entrypoint::ProgramResult;

/// Invoke a cross-program instruction.
pub fn invoke(instruction: &Instruction, account_infos: &[AccountInfo]) -> ProgramResult {
    invoke_signed(instruction, account_infos, &[])
}

/// Invoke a cross-program instruction without checking account borrows.
pub fn invoke_unchecked(instruction: &Instruction, account_infos: &[AccountInfo]) -> ProgramResult {
    invoke_signed_unchecked(instruction, account_infos, &[])
}

/// Invoke a cross-program instruction with PDA signatures, after checking
/// that no account the callee may write is borrowed by the caller.
pub fn invoke_signed(
    instruction: &Instruction,
    account_infos: &[AccountInfo],
    signers_seeds: &[&[&[u8]]],
) -> ProgramResult {
    for meta in &instruction.accounts {
        if let Some(info) = account_infos.iter().find(|info| *info.key == meta.pubkey) {
            if meta.is_writable {
                info.try_borrow_mut_lamports()?;
                info.try_borrow_mut_data()?;
            } else {
                info.try_borrow_lamports()?;
                info.try_borrow_data()?;
            }
        }
    }
    invoke_signed_unchecked(instruction, account_infos, signers_seeds)
}

/// Invoke a cross-program instruction with PDA signatures, without borrow checks.
pub fn invoke_signed_unchecked(
    instruction: &Instruction,
    account_infos: &[AccountInfo],
    signers_seeds: &[&[&[u8]]],
) -> ProgramResult {
    #[cfg(target_os = "solana")]
    {
        solana_cpi::invoke_signed_unchecked(instruction, account_infos, signers_seeds)
    }
    #[cfg(not(target_os = "solana"))]
    {
        solana_sysvar::program_stubs::sol_invoke_signed(instruction, account_infos, signers_seeds)
    }
}
