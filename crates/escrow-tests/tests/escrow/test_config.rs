//! Config: initialisation, admin-only updates, bounds (security tests 10, 15, 23).

use anchor_lang::error::ErrorCode as AnchorError;
use job_escrow::{
    errors::EscrowError,
    events::ConfigUpdatedEvent,
    state::{ConfigParams, MAX_FEE_BPS},
    UpdateConfigArgs,
};
use solana_sdk::{
    instruction::InstructionError,
    signature::{Keypair, Signer},
};

use crate::harness::*;

#[tokio::test]
async fn initialize_config_records_keys_and_the_default_90_10_fee() {
    let mut env = Env::new().await;
    let config = env.config().await;
    assert_eq!(config.admin, env.admin.pubkey());
    assert_eq!(config.coordinator, env.coordinator.pubkey());
    assert_eq!(config.arbiter, env.arbiter.pubkey());
    assert_eq!(config.treasury, env.treasury.token);
    assert_eq!(config.mint, env.mint);
    assert_eq!(config.fee_bps, job_escrow::state::DEFAULT_FEE_BPS);
    assert!(!config.paused);
}

#[tokio::test]
async fn error_reinitialising_the_config() {
    let mut env = Env::new().await;
    let attacker = Keypair::new();
    env.airdrop(&attacker.pubkey(), 1_000_000_000).await;
    let ix = env.initialize_config_ix(&attacker.pubkey(), default_params(), env.treasury.token);
    // The config PDA exists: the system program refuses to create it again.
    env.expect_err(&[ix], &[&attacker], InstructionError::Custom(0))
        .await;
    assert_eq!(env.config().await.admin, env.admin.pubkey());
}

#[tokio::test]
async fn error_fee_above_the_cap_at_initialisation() {
    let mut env = Env::bare().await;
    let params = ConfigParams {
        fee_bps: MAX_FEE_BPS + 1,
        ..default_params()
    };
    let ix = env.initialize_config_ix(&env.admin.pubkey(), params, env.treasury.token);
    let admin = env.admin.insecure_clone();
    env.expect_err(&[ix], &[&admin], code(EscrowError::FeeTooHigh))
        .await;
}

#[tokio::test]
async fn error_arbiter_equal_to_coordinator() {
    let mut env = Env::bare().await;
    env.arbiter = env.coordinator.insecure_clone();
    let ix = env.initialize_config_ix(&env.admin.pubkey(), default_params(), env.treasury.token);
    let admin = env.admin.insecure_clone();
    env.expect_err(&[ix], &[&admin], code(EscrowError::ArbiterIsCoordinator))
        .await;
}

#[tokio::test]
async fn error_lifetime_bounds_out_of_range() {
    for params in [
        ConfigParams {
            min_lifetime_secs: 59,
            ..default_params()
        },
        ConfigParams {
            min_lifetime_secs: 7_200,
            max_lifetime_secs: 3_600,
            ..default_params()
        },
        ConfigParams {
            max_lifetime_secs: 400 * DAY,
            ..default_params()
        },
    ] {
        let mut env = Env::bare().await;
        let ix = env.initialize_config_ix(&env.admin.pubkey(), params, env.treasury.token);
        let admin = env.admin.insecure_clone();
        env.expect_err(&[ix], &[&admin], code(EscrowError::InvalidLifetimeBounds))
            .await;
    }
}

#[tokio::test]
async fn error_treasury_of_another_mint() {
    let mut env = Env::bare().await;
    let other_mint = env
        .create_mint(&spl_token::ID, &env.admin.pubkey(), 6)
        .await;
    let owner = env.treasury.pubkey();
    let other = env.create_token_account(&owner, &other_mint).await;
    let ix = env.initialize_config_ix(&env.admin.pubkey(), default_params(), other);
    let admin = env.admin.insecure_clone();
    env.expect_err(&[ix], &[&admin], code(EscrowError::WrongMint))
        .await;
}

#[tokio::test]
async fn admin_updates_fee_keys_treasury_and_pause() {
    let mut env = Env::new().await;
    let new_coordinator = Keypair::new().pubkey();
    let new_arbiter = Keypair::new().pubkey();
    let owner = Keypair::new().pubkey();
    let mint = env.mint;
    let new_treasury = env.create_token_account(&owner, &mint).await;
    let args = UpdateConfigArgs {
        coordinator: Some(new_coordinator),
        arbiter: Some(new_arbiter),
        params: Some(ConfigParams {
            fee_bps: 500,
            ..default_params()
        }),
        paused: Some(true),
    };
    let ix = env.update_config_ix(&env.admin.pubkey(), args, Some(new_treasury), None);
    let admin = env.admin.insecure_clone();
    let event: ConfigUpdatedEvent = env.expect_ok(&[ix], &[&admin]).await.only_event();
    assert_eq!(
        (
            event.coordinator,
            event.arbiter,
            event.treasury,
            event.fee_bps,
            event.paused
        ),
        (new_coordinator, new_arbiter, new_treasury, 500, true)
    );
    let config = env.config().await;
    assert_eq!(
        (
            config.coordinator,
            config.arbiter,
            config.treasury,
            config.fee_bps,
            config.paused
        ),
        (new_coordinator, new_arbiter, new_treasury, 500, true)
    );
}

#[tokio::test]
async fn admin_handover_needs_the_new_admin_signature() {
    let mut env = Env::new().await;
    let successor = Keypair::new();
    let ix = env.update_config_ix(
        &env.admin.pubkey(),
        UpdateConfigArgs::default(),
        None,
        Some(successor.pubkey()),
    );
    let admin = env.admin.insecure_clone();
    let ix_unsigned = unsigned(ix.clone(), &successor.pubkey());
    env.expect_err(
        &[ix_unsigned],
        &[&admin],
        code(AnchorError::AccountNotSigner),
    )
    .await;
    env.expect_ok(&[ix], &[&admin, &successor]).await;
    assert_eq!(env.config().await.admin, successor.pubkey());
}

#[tokio::test]
async fn error_config_update_by_anyone_but_the_admin() {
    let mut env = Env::new().await;
    for intruder in [
        env.coordinator.insecure_clone(),
        env.arbiter.insecure_clone(),
        Keypair::new(),
    ] {
        env.airdrop(&intruder.pubkey(), 1_000_000_000).await;
        let args = UpdateConfigArgs {
            coordinator: Some(intruder.pubkey()),
            ..Default::default()
        };
        let ix = env.update_config_ix(&intruder.pubkey(), args, None, None);
        env.expect_err(&[ix], &[&intruder], code(EscrowError::Unauthorized))
            .await;
    }
    // The admin's key without its signature is refused too.
    let ix = env.update_config_ix(
        &env.admin.pubkey(),
        UpdateConfigArgs {
            paused: Some(true),
            ..Default::default()
        },
        None,
        None,
    );
    let ix = unsigned(ix, &env.admin.pubkey());
    env.expect_err(&[ix], &[], code(AnchorError::AccountNotSigner))
        .await;
    assert!(!env.config().await.paused);
}

#[tokio::test]
async fn error_fee_above_the_cap_in_an_update() {
    let mut env = Env::new().await;
    let args = UpdateConfigArgs {
        params: Some(ConfigParams {
            fee_bps: MAX_FEE_BPS + 1,
            ..default_params()
        }),
        ..Default::default()
    };
    let ix = env.update_config_ix(&env.admin.pubkey(), args, None, None);
    let admin = env.admin.insecure_clone();
    env.expect_err(&[ix], &[&admin], code(EscrowError::FeeTooHigh))
        .await;
}

#[tokio::test]
async fn a_fee_change_never_touches_a_funded_escrow() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let node = env.node().await;
    let escrow = env.create(&client, 1_000).await;
    let args = UpdateConfigArgs {
        params: Some(ConfigParams {
            fee_bps: MAX_FEE_BPS,
            ..default_params()
        }),
        ..Default::default()
    };
    let ix = env.update_config_ix(&env.admin.pubkey(), args, None, None);
    let admin = env.admin.insecure_clone();
    env.expect_ok(&[ix], &[&admin]).await;
    env.lock(escrow, &node).await;
    env.release(escrow, &node).await;
    assert_eq!(env.balance(&node.token).await, 900);
}

#[tokio::test]
async fn pause_stops_new_escrows_and_locks_but_money_can_still_leave() {
    let mut env = Env::new().await;
    let client = env.user(3_000).await;
    let node = env.node().await;
    let created = env.create(&client, 1_000).await;
    let locked = env.create(&client, 1_000).await;
    env.lock(locked, &node).await;
    let ix = env.update_config_ix(
        &env.admin.pubkey(),
        UpdateConfigArgs {
            paused: Some(true),
            ..Default::default()
        },
        None,
        None,
    );
    let admin = env.admin.insecure_clone();
    env.expect_ok(&[ix], &[&admin]).await;

    let job_id = env.next_job_id();
    let expires_at = env.now().await + DAY;
    let ix = env.create_ix(&client, job_id, 1_000, expires_at);
    env.expect_err(&[ix], &[&client.key], code(EscrowError::Paused))
        .await;
    let ix = env.lock_ix(created, node.pubkey(), env.coordinator.pubkey());
    let coordinator = env.coordinator.insecure_clone();
    env.expect_err(&[ix], &[&coordinator], code(EscrowError::Paused))
        .await;

    env.release(locked, &node).await;
    let ix = env.refund_ix(created, client.pubkey(), client.token);
    env.expect_ok(&[ix], &[&client.key]).await;
    assert_eq!(env.balance(&client.token).await, 2_000);
}
