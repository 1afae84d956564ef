//! Whole transactions, arguments and events: a transaction fails whole, bad
//! arguments are refused, and every transition emits one event (tests 13, 22).

use job_escrow::{errors::EscrowError, events::*, state::EscrowStatus};
use solana_sdk::{pubkey::Pubkey, signature::Signer};

use super::locked_escrow;
use crate::harness::*;

#[tokio::test]
async fn t13_the_same_release_twice_in_one_transaction_fails_whole() {
    let mut env = Env::new().await;
    let (_client, node, escrow) = locked_escrow(&mut env, 1_000).await;
    let ix = env.release_ix(escrow, node.token, [1; 32]);
    let coordinator = env.coordinator.insecure_clone();
    env.expect_err_at(
        &[ix.clone(), ix],
        &[&coordinator],
        1,
        code(EscrowError::InvalidStatus),
    )
    .await;
    assert_eq!(env.balance(&node.token).await, 0);
    assert_eq!(env.status(&escrow).await, EscrowStatus::Locked);
}

#[tokio::test]
async fn t22_every_transition_emits_exactly_one_event_with_job_amounts_and_status() {
    let mut env = Env::new().await;
    let client = env.user(10_000).await;
    let node = env.node().await;
    let coordinator = env.coordinator.insecure_clone();
    let arbiter = env.arbiter.insecure_clone();

    let escrow = env.create(&client, 1_000).await;
    let job_id = env.escrow(&escrow).await.job_id;
    let ix = env.lock_ix(escrow, node.pubkey(), coordinator.pubkey());
    let e: EscrowLockedEvent = env.expect_ok(&[ix], &[&coordinator]).await.only_event();
    assert_eq!(
        (e.job_id, e.amount, e.status),
        (job_id, 1_000, EscrowStatus::Locked)
    );
    let ix = env.unlock_ix(escrow, coordinator.pubkey());
    let e: EscrowUnlockedEvent = env.expect_ok(&[ix], &[&coordinator]).await.only_event();
    assert_eq!(
        (e.job_id, e.amount, e.status),
        (job_id, 1_000, EscrowStatus::Created)
    );
    env.lock(escrow, &node).await;
    let ix = env.dispute_ix(escrow, node.pubkey());
    let e: DisputeOpenedEvent = env.expect_ok(&[ix], &[&node.key]).await.only_event();
    assert_eq!(
        (e.job_id, e.amount, e.opened_by, e.status),
        (job_id, 1_000, node.pubkey(), EscrowStatus::Disputed)
    );
    let ix = env.resolve_ix(escrow, arbiter.pubkey(), node.token, client.token, 10_000);
    let e: DisputeResolvedEvent = env.expect_ok(&[ix], &[&arbiter]).await.only_event();
    assert_eq!(
        (
            e.job_id,
            e.node_amount,
            e.platform_amount,
            e.payer_amount,
            e.status
        ),
        (job_id, 900, 100, 0, EscrowStatus::Released)
    );
    let ix = env.close_ix(escrow, client.pubkey(), client.pubkey(), client.token);
    let e: EscrowClosedEvent = env.expect_ok(&[ix], &[&client.key]).await.only_event();
    assert_eq!(e.job_id, job_id);

    let expiring = env.create(&client, 500).await;
    let job_id = env.escrow(&expiring).await.job_id;
    let expires_at = env.escrow(&expiring).await.expires_at;
    env.set_time(expires_at).await;
    let ix = env.reclaim_ix(expiring, node.pubkey(), client.token);
    let e: EscrowExpiredEvent = env.expect_ok(&[ix], &[&node.key]).await.only_event();
    assert_eq!(
        (e.job_id, e.amount, e.status),
        (job_id, 500, EscrowStatus::Expired)
    );
    // Failed transactions emit nothing (their logs are discarded with them).
}

#[tokio::test]
async fn error_zero_proof_hash_and_share_above_100_percent() {
    let mut env = Env::new().await;
    let (client, node, escrow) = locked_escrow(&mut env, 1_000).await;
    let coordinator = env.coordinator.insecure_clone();
    let ix = env.release_ix(escrow, node.token, [0; 32]);
    env.expect_err(&[ix], &[&coordinator], code(EscrowError::InvalidProofHash))
        .await;
    let ix = env.settle_ix(escrow, node.token, client.token, 10_001, [1; 32]);
    env.expect_err(&[ix], &[&coordinator], code(EscrowError::InvalidShare))
        .await;
}

#[tokio::test]
async fn error_locking_to_the_payer_or_to_nobody() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let escrow = env.create(&client, 1_000).await;
    let coordinator = env.coordinator.insecure_clone();
    for node_wallet in [client.pubkey(), Pubkey::default()] {
        let ix = env.lock_ix(escrow, node_wallet, coordinator.pubkey());
        env.expect_err(&[ix], &[&coordinator], code(EscrowError::InvalidNodeWallet))
            .await;
    }
}
