//! Security test 19: expiry under a controlled clock. After expiry the client
//! gets its money back, coordinator or not.

use job_escrow::{errors::EscrowError, state::EscrowStatus};
use solana_sdk::signature::{Keypair, Signer};

use crate::harness::*;

#[tokio::test]
async fn t19_reclaim_fails_before_expiry_and_succeeds_at_it() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let node = env.node().await;
    let escrow = env.create(&client, 1_000).await;
    env.lock(escrow, &node).await;
    let expires_at = env.escrow(&escrow).await.expires_at;
    let stranger = Keypair::new();
    env.airdrop(&stranger.pubkey(), 1_000_000_000).await;

    env.set_time(expires_at - 1).await;
    let ix = env.reclaim_ix(escrow, stranger.pubkey(), client.token);
    env.expect_err(
        std::slice::from_ref(&ix),
        &[&stranger],
        code(EscrowError::NotExpired),
    )
    .await;
    env.set_time(expires_at).await;
    env.expect_ok(&[ix], &[&stranger]).await;
    assert_eq!(env.balance(&client.token).await, 1_000);
    assert_eq!(env.status(&escrow).await, EscrowStatus::Expired);
}

#[tokio::test]
async fn t19_reclaim_needs_no_coordinator_admin_or_config() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let escrow = env.create(&client, 1_000).await;
    let expires_at = env.escrow(&escrow).await.expires_at;
    env.set_time(expires_at + 365 * DAY).await;
    // The payer itself, with no privileged key anywhere in the transaction.
    let ix = env.reclaim_ix(escrow, client.pubkey(), client.token);
    assert!(ix.accounts.iter().all(|m| m.pubkey != config_pda()));
    env.expect_ok(&[ix], &[&client.key]).await;
    assert_eq!(env.balance(&client.token).await, 1_000);
}

#[tokio::test]
async fn t19_reclaim_pays_only_the_payer() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let thief = env.node().await;
    let escrow = env.create(&client, 1_000).await;
    let expires_at = env.escrow(&escrow).await.expires_at;
    env.set_time(expires_at).await;
    let ix = env.reclaim_ix(escrow, thief.pubkey(), thief.token);
    env.expect_err(&[ix], &[&thief.key], code(EscrowError::WrongPayer))
        .await;
}

#[tokio::test]
async fn t19_a_clock_moving_backwards_never_unlocks_funds() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let escrow = env.create(&client, 1_000).await;
    let expires_at = env.escrow(&escrow).await.expires_at;
    env.set_time(expires_at + 10).await;
    env.set_time(expires_at - 3_600).await;
    let ix = env.reclaim_ix(escrow, client.pubkey(), client.token);
    env.expect_err(&[ix], &[&client.key], code(EscrowError::NotExpired))
        .await;
    env.set_time(i64::MIN + 1).await;
    let ix = env.reclaim_ix(escrow, client.pubkey(), client.token);
    env.expect_err(&[ix], &[&client.key], code(EscrowError::NotExpired))
        .await;
}

#[tokio::test]
async fn t19_absurd_expiries_are_refused() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let now = env.now().await;
    for expires_at in [
        i64::MIN,
        -1,
        0,
        now - 1,
        now,
        now + 59,
        now + 31 * DAY,
        i64::MAX,
    ] {
        let job_id = env.next_job_id();
        let ix = env.create_ix(&client, job_id, 100, expires_at);
        env.expect_err(&[ix], &[&client.key], code(EscrowError::ExpiryOutOfRange))
            .await;
    }
    // The bounds themselves are allowed.
    for expires_at in [now + 60, now + 30 * DAY] {
        let job_id = env.next_job_id();
        env.track_escrow(escrow_pda(&client.pubkey(), &job_id));
        let ix = env.create_ix(&client, job_id, 100, expires_at);
        env.expect_ok(&[ix], &[&client.key]).await;
    }
}

#[tokio::test]
async fn t19_after_expiry_the_coordinator_can_no_longer_lock_release_or_settle() {
    let mut env = Env::new().await;
    let client = env.user(2_000).await;
    let node = env.node().await;
    let unassigned = env.create(&client, 1_000).await;
    let locked = env.create(&client, 1_000).await;
    env.lock(locked, &node).await;
    let expires_at = env.escrow(&locked).await.expires_at;
    env.set_time(expires_at).await;
    let coordinator = env.coordinator.insecure_clone();

    let ix = env.lock_ix(unassigned, node.pubkey(), coordinator.pubkey());
    env.expect_err(&[ix], &[&coordinator], code(EscrowError::EscrowExpired))
        .await;
    let ix = env.release_ix(locked, node.token, [1; 32]);
    env.expect_err(&[ix], &[&coordinator], code(EscrowError::EscrowExpired))
        .await;
    let ix = env.settle_ix(locked, node.token, client.token, 5_000, [1; 32]);
    env.expect_err(&[ix], &[&coordinator], code(EscrowError::EscrowExpired))
        .await;
    // Refunding to the payer is still possible.
    let ix = env.refund_ix(locked, coordinator.pubkey(), client.token);
    env.expect_ok(&[ix], &[&coordinator]).await;
    assert_eq!(env.balance(&client.token).await, 1_000);
}
