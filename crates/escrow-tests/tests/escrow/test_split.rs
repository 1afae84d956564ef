//! Split arithmetic (security tests 10 and 11): exact, overflow-free, rounding
//! to the documented party, on pure math and through the bank.

use job_escrow::{
    errors::EscrowError,
    math::{split, Split},
    state::{ConfigParams, BPS_DENOMINATOR, MAX_FEE_BPS},
    UpdateConfigArgs,
};
use rand::{rngs::StdRng, Rng, SeedableRng};
use solana_sdk::signature::Signer;

use crate::harness::*;

const EXTREMES: [u64; 9] = [0, 1, 9, 10, 11, 99, 1_000_000_000, u64::MAX - 1, u64::MAX];

/// What the documentation promises, checked with exact rational arithmetic.
fn assert_split_law(amount: u64, share: u16, fee: u16, s: Split) {
    let (amount_w, share_w, fee_w) = (amount as u128, share as u128, fee as u128);
    let total = s.node as u128 + s.platform as u128 + s.payer as u128;
    assert_eq!(
        total, amount_w,
        "split of {amount} at share {share} fee {fee} does not add up"
    );
    let gross = s.node as u128 + s.platform as u128;
    // The node's gross share is rounded down: dust goes back to the payer.
    assert_eq!(gross, amount_w * share_w / 10_000);
    // The fee is rounded down: dust stays with the node; the platform never
    // gets more than its exact share.
    assert_eq!(s.platform as u128, gross * fee_w / 10_000);
    assert!(s.platform as u128 * 10_000 <= gross * fee_w);
}

#[test]
fn t10_split_is_exact_for_extreme_amounts_and_every_allowed_fee() {
    for amount in EXTREMES {
        for fee in 0..=MAX_FEE_BPS {
            for share in [0, 1, 4_999, 5_000, 9_999, BPS_DENOMINATOR] {
                let s = split(amount, share, fee).expect("no overflow");
                assert_split_law(amount, share, fee, s);
            }
        }
    }
}

#[test]
fn t10_split_is_exact_for_100_000_random_amounts() {
    let mut rng = StdRng::seed_from_u64(0xC1C_3122);
    for _ in 0..100_000 {
        let amount: u64 = match rng.gen_range(0..3) {
            0 => rng.gen_range(0..1_000),
            1 => rng.gen_range(0..10_000_000_000_000),
            _ => rng.gen(),
        };
        let fee = rng.gen_range(0..=MAX_FEE_BPS);
        let share = rng.gen_range(0..=BPS_DENOMINATOR);
        let s = split(amount, share, fee).expect("no overflow");
        assert_split_law(amount, share, fee, s);
    }
}

#[tokio::test]
async fn t10_release_through_the_bank_for_extreme_amounts_and_fees() {
    let mut env = Env::new().await;
    let node = env.node().await;
    let admin = env.admin.insecure_clone();
    for fee in [0, 1, 999, 1_000, 1_001, 1_999, MAX_FEE_BPS] {
        let args = UpdateConfigArgs {
            params: Some(ConfigParams {
                fee_bps: fee,
                ..default_params()
            }),
            ..Default::default()
        };
        let ix = env.update_config_ix(&admin.pubkey(), args, None, None);
        env.expect_ok(&[ix], &[&admin]).await;
        for amount in [1, 9, 10, 11, 99, 1_000_000_000] {
            let client = env.user(amount).await;
            let before = (
                env.balance(&node.token).await,
                env.balance(&env.treasury.token.clone()).await,
            );
            let escrow = env.create(&client, amount).await;
            env.lock(escrow, &node).await;
            env.release(escrow, &node).await;
            let expected = split(amount, BPS_DENOMINATOR, fee).unwrap();
            let after = (
                env.balance(&node.token).await,
                env.balance(&env.treasury.token.clone()).await,
            );
            assert_eq!(
                (after.0 - before.0, after.1 - before.1),
                (expected.node, expected.platform),
                "amount {amount} fee {fee}"
            );
        }
    }
}

#[tokio::test]
async fn t10_release_of_u64_max_and_u64_max_minus_one() {
    for amount in [u64::MAX, u64::MAX - 1] {
        let mut env = Env::new().await;
        let client = env.user(amount).await;
        let node = env.node().await;
        let escrow = env.create(&client, amount).await;
        env.lock(escrow, &node).await;
        env.release(escrow, &node).await;
        let expected = split(amount, BPS_DENOMINATOR, 1_000).unwrap();
        assert_eq!(env.balance(&node.token).await, expected.node);
        assert_eq!(
            env.balance(&env.treasury.token.clone()).await,
            expected.platform
        );
        assert_eq!(
            expected.node as u128 + expected.platform as u128,
            amount as u128
        );
    }
}

#[tokio::test]
async fn t10_partial_settlement_of_u64_max_adds_up() {
    let mut env = Env::new().await;
    let client = env.user(u64::MAX).await;
    let node = env.node().await;
    let escrow = env.create(&client, u64::MAX).await;
    env.lock(escrow, &node).await;
    let ix = env.settle_ix(escrow, node.token, client.token, 3_333, [1; 32]);
    let coordinator = env.coordinator.insecure_clone();
    env.expect_ok(&[ix], &[&coordinator]).await;
    let expected = split(u64::MAX, 3_333, 1_000).unwrap();
    assert_eq!(env.balance(&node.token).await, expected.node);
    assert_eq!(env.balance(&client.token).await, expected.payer);
}

#[tokio::test]
async fn t11_zero_and_amounts_below_the_minimum_are_refused() {
    let mut env = Env::with_params(ConfigParams {
        min_escrow_amount: 100,
        ..default_params()
    })
    .await;
    let client = env.user(1_000).await;
    let expires_at = env.now().await + DAY;
    for amount in [0, 1, 99] {
        let job_id = env.next_job_id();
        let ix = env.create_ix(&client, job_id, amount, expires_at);
        env.expect_err(&[ix], &[&client.key], code(EscrowError::AmountTooSmall))
            .await;
    }
    let job_id = env.next_job_id();
    let escrow = escrow_pda(&client.pubkey(), &job_id);
    env.track_escrow(escrow);
    let ix = env.create_ix(&client, job_id, 100, expires_at);
    env.expect_ok(&[ix], &[&client.key]).await;
}

#[tokio::test]
async fn t11_a_one_token_escrow_pays_the_whole_token_to_the_node() {
    let mut env = Env::new().await;
    let client = env.user(1).await;
    let node = env.node().await;
    let escrow = env.create(&client, 1).await;
    env.lock(escrow, &node).await;
    env.release(escrow, &node).await;
    assert_eq!(env.balance(&node.token).await, 1);
    assert_eq!(env.balance(&env.treasury.token.clone()).await, 0);
    let _ = MAX_FEE_BPS;
}
