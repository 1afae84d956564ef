//! Security test 20: while Disputed, only the arbiter moves funds.

use anchor_lang::error::ErrorCode as AnchorError;
use job_escrow::{errors::EscrowError, state::EscrowStatus};
use solana_sdk::{
    instruction::AccountMeta,
    signature::{Keypair, Signer},
};

use crate::harness::*;

async fn disputed(env: &mut Env, by_node: bool) -> (User, User, solana_sdk::pubkey::Pubkey) {
    let client = env.user(10_000).await;
    let node = env.node().await;
    let escrow = env.create(&client, 10_000).await;
    env.lock(escrow, &node).await;
    let party = if by_node {
        node.key.insecure_clone()
    } else {
        client.key.insecure_clone()
    };
    env.dispute(escrow, &party).await;
    (client, node, escrow)
}

#[tokio::test]
async fn t20_payer_or_locked_node_can_open_a_dispute_and_nobody_else() {
    let mut env = Env::new().await;
    let client = env.user(10_000).await;
    let node = env.node().await;
    let escrow = env.create(&client, 1_000).await;
    env.lock(escrow, &node).await;
    for intruder in [
        env.coordinator.insecure_clone(),
        env.arbiter.insecure_clone(),
        Keypair::new(),
    ] {
        env.airdrop(&intruder.pubkey(), 1_000_000_000).await;
        let ix = env.dispute_ix(escrow, intruder.pubkey());
        env.expect_err(&[ix], &[&intruder], code(EscrowError::NotAParty))
            .await;
    }
    let (_, _, by_node) = disputed(&mut env, true).await;
    assert_eq!(env.status(&by_node).await, EscrowStatus::Disputed);
    env.dispute(escrow, &client.key).await;
    assert_eq!(env.status(&escrow).await, EscrowStatus::Disputed);
}

#[tokio::test]
async fn t20_the_coordinator_cannot_move_disputed_funds() {
    let mut env = Env::new().await;
    let (client, node, escrow) = disputed(&mut env, false).await;
    let coordinator = env.coordinator.insecure_clone();
    for ix in [
        env.release_ix(escrow, node.token, [1; 32]),
        env.refund_ix(escrow, coordinator.pubkey(), client.token),
        env.settle_ix(escrow, node.token, client.token, 5_000, [1; 32]),
        env.unlock_ix(escrow, coordinator.pubkey()),
    ] {
        env.expect_err(&[ix], &[&coordinator], code(EscrowError::InvalidStatus))
            .await;
    }
    // Nor can the payer cancel.
    let ix = env.refund_ix(escrow, client.pubkey(), client.token);
    env.expect_err(&[ix], &[&client.key], code(EscrowError::InvalidStatus))
        .await;
}

#[tokio::test]
async fn t20_error_resolve_by_a_substituted_arbiter() {
    let mut env = Env::new().await;
    let (client, node, escrow) = disputed(&mut env, false).await;
    for impostor in [
        env.coordinator.insecure_clone(),
        client.key.insecure_clone(),
        Keypair::new(),
    ] {
        env.airdrop(&impostor.pubkey(), 1_000_000_000).await;
        let mut ix = env.resolve_ix(
            escrow,
            env.arbiter.pubkey(),
            node.token,
            client.token,
            10_000,
        );
        ix.accounts[0] = AccountMeta::new_readonly(impostor.pubkey(), true);
        env.expect_err(&[ix], &[&impostor], code(EscrowError::Unauthorized))
            .await;
    }
    let ix = unsigned(
        env.resolve_ix(
            escrow,
            env.arbiter.pubkey(),
            node.token,
            client.token,
            10_000,
        ),
        &env.arbiter.pubkey(),
    );
    env.expect_err(&[ix], &[], code(AnchorError::AccountNotSigner))
        .await;
}

#[tokio::test]
async fn t20_arbiter_splits_the_funds_with_the_fee_on_the_node_part_only() {
    let mut env = Env::new().await;
    let (client, node, escrow) = disputed(&mut env, true).await;
    let arbiter = env.arbiter.insecure_clone();
    let ix = env.resolve_ix(escrow, arbiter.pubkey(), node.token, client.token, 3_000);
    env.expect_ok(&[ix], &[&arbiter]).await;
    // 3_000 gross to the node, 300 of it fee; 7_000 back to the client.
    assert_eq!(env.balance(&node.token).await, 2_700);
    assert_eq!(env.balance(&env.treasury.token.clone()).await, 300);
    assert_eq!(env.balance(&client.token).await, 7_000);
    assert_eq!(env.status(&escrow).await, EscrowStatus::Released);
}

#[tokio::test]
async fn t20_arbiter_ruling_for_the_client_is_a_full_refund() {
    let mut env = Env::new().await;
    let (client, node, escrow) = disputed(&mut env, false).await;
    let arbiter = env.arbiter.insecure_clone();
    let ix = env.resolve_ix(escrow, arbiter.pubkey(), node.token, client.token, 0);
    env.expect_ok(&[ix], &[&arbiter]).await;
    assert_eq!(env.balance(&client.token).await, 10_000);
    assert_eq!(env.status(&escrow).await, EscrowStatus::Refunded);
}

#[tokio::test]
async fn t20_a_dispute_gives_the_arbiter_its_window_then_the_payer_can_reclaim() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let node = env.node().await;
    let now = env.now().await;
    let escrow = env.create_expiring(&client, 1_000, now + 120).await;
    env.lock(escrow, &node).await;
    env.dispute(escrow, &node.key).await;
    let expires_at = env.escrow(&escrow).await.expires_at;
    assert_eq!(
        expires_at,
        now + 7 * DAY,
        "expiry moves out to the dispute window"
    );

    env.set_time(now + 121).await;
    let ix = env.reclaim_ix(escrow, client.pubkey(), client.token);
    env.expect_err(
        std::slice::from_ref(&ix),
        &[&client.key],
        code(EscrowError::NotExpired),
    )
    .await;
    env.set_time(expires_at).await;
    let arbiter = env.arbiter.insecure_clone();
    let late = env.resolve_ix(escrow, arbiter.pubkey(), node.token, client.token, 10_000);
    env.expect_err(&[late], &[&arbiter], code(EscrowError::EscrowExpired))
        .await;
    env.expect_ok(&[ix], &[&client.key]).await;
    assert_eq!(env.balance(&client.token).await, 1_000);
}
