//! On-chain security tests 1–9, 13, 15–18 and 22 of docs/security-tests.md,
//! one module per theme. Every failure asserts the exact error and (in
//! `expect_err`) that nothing moved.

mod signers_and_pdas;
mod substitution;
mod token_programs;
mod transactions;

use solana_sdk::pubkey::Pubkey;

use crate::harness::*;

/// A client, a node, and an escrow locked to the node.
async fn locked_escrow(env: &mut Env, amount: u64) -> (User, User, Pubkey) {
    let client = env.user(amount * 2).await;
    let node = env.node().await;
    let escrow = env.create(&client, amount).await;
    env.lock(escrow, &node).await;
    (client, node, escrow)
}
