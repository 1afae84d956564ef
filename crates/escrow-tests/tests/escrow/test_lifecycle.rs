//! Happy paths of every instruction, with exact token balances.

use job_escrow::{
    events::*,
    state::{EscrowStatus, BPS_DENOMINATOR},
};
use solana_sdk::signature::Signer;

use crate::harness::*;

#[tokio::test]
async fn release_pays_90_percent_to_the_node_and_10_percent_to_the_treasury() {
    let mut env = Env::new().await;
    let client = env.user(5_000_000).await;
    let node = env.node().await;
    let escrow = env.create(&client, 1_000_000).await;
    assert_eq!(env.balance(&client.token).await, 4_000_000);
    assert_eq!(env.balance(&vault_pda(&escrow)).await, 1_000_000);

    env.lock(escrow, &node).await;
    let outcome = env.release(escrow, &node).await;

    assert_eq!(env.balance(&node.token).await, 900_000);
    assert_eq!(env.balance(&env.treasury.token.clone()).await, 100_000);
    assert_eq!(env.balance(&vault_pda(&escrow)).await, 0);
    let state = env.escrow(&escrow).await;
    assert_eq!(state.status, EscrowStatus::Released);
    assert_eq!(
        (state.node_paid, state.platform_paid, state.refunded),
        (900_000, 100_000, 0)
    );
    assert_eq!(state.proof_hash, [7; 32]);
    let event: EscrowReleasedEvent = outcome.only_event();
    assert_eq!(event.escrow, escrow);
    assert_eq!(event.job_id, state.job_id);
    assert_eq!(
        (event.node_amount, event.platform_amount),
        (900_000, 100_000)
    );
    assert_eq!(event.status, EscrowStatus::Released);
}

#[tokio::test]
async fn create_escrow_records_the_job_and_emits_created() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let job_id = env.next_job_id();
    let expires_at = env.now().await + DAY;
    let ix = env.create_ix(&client, job_id, 600, expires_at);
    let escrow = escrow_pda(&client.pubkey(), &job_id);
    env.track_escrow(escrow);
    let outcome = env.expect_ok(&[ix], &[&client.key]).await;

    let state = env.escrow(&escrow).await;
    assert_eq!(state.job_id, job_id);
    assert_eq!(state.payer, client.pubkey());
    assert_eq!(state.amount, 600);
    assert_eq!(state.fee_bps, 1_000);
    assert_eq!(state.expires_at, expires_at);
    assert_eq!(state.status, EscrowStatus::Created);
    assert_eq!(state.platform, env.treasury.token);
    let event: EscrowCreatedEvent = outcome.only_event();
    assert_eq!(
        (event.escrow, event.job_id, event.amount, event.status),
        (escrow, job_id, 600, EscrowStatus::Created)
    );
}

#[tokio::test]
async fn lock_then_unlock_returns_the_job_to_the_queue_and_counts_the_attempt() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let first = env.node().await;
    let second = env.node().await;
    let escrow = env.create(&client, 1_000).await;

    let lock = env.lock_ix(escrow, first.pubkey(), env.coordinator.pubkey());
    let coordinator = env.coordinator.insecure_clone();
    let locked: EscrowLockedEvent = env.expect_ok(&[lock], &[&coordinator]).await.only_event();
    assert_eq!(
        (locked.node, locked.attempt, locked.status),
        (first.pubkey(), 0, EscrowStatus::Locked)
    );
    assert_eq!(env.escrow(&escrow).await.payee, first.pubkey());

    let unlock = env.unlock_ix(escrow, coordinator.pubkey());
    let unlocked: EscrowUnlockedEvent =
        env.expect_ok(&[unlock], &[&coordinator]).await.only_event();
    assert_eq!(
        (unlocked.previous_node, unlocked.attempt, unlocked.status),
        (first.pubkey(), 1, EscrowStatus::Created)
    );
    let state = env.escrow(&escrow).await;
    assert_eq!(
        (state.status, state.attempt, state.locked_at),
        (EscrowStatus::Created, 1, 0)
    );

    // Reassigned and released to the second node; the first gets nothing.
    env.lock(escrow, &second).await;
    env.release(escrow, &second).await;
    assert_eq!(env.balance(&second.token).await, 900);
    assert_eq!(env.balance(&first.token).await, 0);
}

#[tokio::test]
async fn coordinator_refund_of_a_locked_job_returns_everything_to_the_payer() {
    let mut env = Env::new().await;
    let client = env.user(2_000).await;
    let node = env.node().await;
    let escrow = env.create(&client, 1_500).await;
    env.lock(escrow, &node).await;
    let ix = env.refund_ix(escrow, env.coordinator.pubkey(), client.token);
    let coordinator = env.coordinator.insecure_clone();
    let event: EscrowRefundedEvent = env.expect_ok(&[ix], &[&coordinator]).await.only_event();
    assert_eq!(
        (event.amount, event.refunded_by, event.status),
        (1_500, coordinator.pubkey(), EscrowStatus::Refunded)
    );
    assert_eq!(env.balance(&client.token).await, 2_000);
    assert_eq!(env.balance(&node.token).await, 0);
    assert_eq!(env.escrow(&escrow).await.refunded, 1_500);
}

#[tokio::test]
async fn payer_can_cancel_before_assignment() {
    let mut env = Env::new().await;
    let client = env.user(2_000).await;
    let escrow = env.create(&client, 2_000).await;
    let ix = env.refund_ix(escrow, client.pubkey(), client.token);
    env.expect_ok(&[ix], &[&client.key]).await;
    assert_eq!(env.balance(&client.token).await, 2_000);
    assert_eq!(env.status(&escrow).await, EscrowStatus::Refunded);
}

#[tokio::test]
async fn settle_partial_pays_the_work_done_and_refunds_the_rest_in_one_instruction() {
    let mut env = Env::new().await;
    let client = env.user(10_000).await;
    let node = env.node().await;
    let escrow = env.create(&client, 10_000).await;
    env.lock(escrow, &node).await;
    // 40% of the work verified: node 4_000 gross, 400 fee, 6_000 back.
    let ix = env.settle_ix(escrow, node.token, client.token, 4_000, [9; 32]);
    let coordinator = env.coordinator.insecure_clone();
    let event: EscrowPartiallySettledEvent =
        env.expect_ok(&[ix], &[&coordinator]).await.only_event();
    assert_eq!(
        (event.node_amount, event.platform_amount, event.payer_amount),
        (3_600, 400, 6_000)
    );
    assert_eq!(env.balance(&node.token).await, 3_600);
    assert_eq!(env.balance(&env.treasury.token.clone()).await, 400);
    assert_eq!(env.balance(&client.token).await, 6_000);
    let state = env.escrow(&escrow).await;
    assert_eq!(state.status, EscrowStatus::Released);
    assert_eq!(state.proof_hash, [9; 32]);
}

#[tokio::test]
async fn settle_partial_with_no_verified_work_is_a_refund() {
    let mut env = Env::new().await;
    let client = env.user(10_000).await;
    let node = env.node().await;
    let escrow = env.create(&client, 10_000).await;
    env.lock(escrow, &node).await;
    let ix = env.settle_ix(escrow, node.token, client.token, 0, [9; 32]);
    let coordinator = env.coordinator.insecure_clone();
    env.expect_ok(&[ix], &[&coordinator]).await;
    assert_eq!(env.status(&escrow).await, EscrowStatus::Refunded);
    assert_eq!(env.balance(&client.token).await, 10_000);
}

#[tokio::test]
async fn settle_partial_at_full_share_equals_a_release() {
    let mut env = Env::new().await;
    let client = env.user(10_000).await;
    let node = env.node().await;
    let escrow = env.create(&client, 10_000).await;
    env.lock(escrow, &node).await;
    let ix = env.settle_ix(escrow, node.token, client.token, BPS_DENOMINATOR, [9; 32]);
    let coordinator = env.coordinator.insecure_clone();
    env.expect_ok(&[ix], &[&coordinator]).await;
    assert_eq!(env.balance(&node.token).await, 9_000);
    assert_eq!(env.balance(&client.token).await, 0);
}

#[tokio::test]
async fn close_returns_the_rent_of_escrow_and_vault_to_the_payer() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let node = env.node().await;
    let escrow = env.create(&client, 1_000).await;
    env.lock(escrow, &node).await;
    env.release(escrow, &node).await;

    let rent = env.account(&escrow).await.unwrap().lamports
        + env.account(&vault_pda(&escrow)).await.unwrap().lamports;
    let before = env.account(&client.pubkey()).await.unwrap().lamports;
    // The coordinator closes (and pays the fee); the rent goes to the payer.
    let ix = env.close_ix(
        escrow,
        env.coordinator.pubkey(),
        client.pubkey(),
        client.token,
    );
    let coordinator = env.coordinator.insecure_clone();
    let event: EscrowClosedEvent = env.expect_ok(&[ix], &[&coordinator]).await.only_event();
    assert_eq!(
        (event.escrow, event.swept_amount, event.status),
        (escrow, 0, EscrowStatus::Released)
    );
    let after = env.account(&client.pubkey()).await.unwrap().lamports;
    assert_eq!(after - before, rent);
    assert!(env.account(&escrow).await.is_none());
    assert!(env.account(&vault_pda(&escrow)).await.is_none());
}

#[tokio::test]
async fn tokens_sent_to_a_vault_by_a_stranger_block_nothing_and_end_with_the_payer() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let stranger = env.user(50).await;
    let node = env.node().await;
    let escrow = env.create(&client, 1_000).await;
    let vault = vault_pda(&escrow);
    let donate = spl_token::instruction::transfer(
        &spl_token::ID,
        &stranger.token,
        &vault,
        &stranger.pubkey(),
        &[],
        50,
    )
    .unwrap();
    // The ledger's "vault == amount" check would object while the escrow is
    // live, so stop tracking the escrow for the donation and check by hand.
    env.escrows.retain(|e| *e != escrow);
    env.expect_ok(&[donate], &[&stranger.key]).await;
    assert_eq!(env.balance(&vault).await, 1_050);

    env.lock(escrow, &node).await;
    env.release(escrow, &node).await;
    assert_eq!(env.balance(&node.token).await, 900);
    assert_eq!(env.balance(&vault).await, 50);
    let ix = env.close_ix(escrow, client.pubkey(), client.pubkey(), client.token);
    let event: EscrowClosedEvent = env.expect_ok(&[ix], &[&client.key]).await.only_event();
    assert_eq!(event.swept_amount, 50);
    assert_eq!(env.balance(&client.token).await, 50);
}

#[tokio::test]
async fn transaction_logs_read_like_a_validators() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let node = env.node().await;
    let escrow = env.create(&client, 1_000).await;
    env.lock(escrow, &node).await;
    let logs = env.release(escrow, &node).await.logs;
    let program = job_escrow::ID.to_string();
    let token = spl_token::ID.to_string();
    // One invoke and one outcome per call, depths as on a validator: the
    // call-stack reading Anchor clients do must balance.
    let mut stack: Vec<String> = vec![];
    for line in &logs {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Program", id, "invoke", depth] => {
                stack.push(id.to_string());
                assert_eq!(*depth, format!("[{}]", stack.len()), "{logs:#?}");
            }
            ["Program", id, "success"] => {
                assert_eq!(stack.pop().as_deref(), Some(*id), "{logs:#?}")
            }
            _ => {}
        }
    }
    assert!(stack.is_empty(), "{logs:#?}");
    let ours = logs
        .iter()
        .position(|l| *l == format!("Program {program} invoke [1]"))
        .expect("invoked");
    assert_eq!(logs[ours + 1], "Program log: Instruction: ReleaseEscrow");
    let cpis = logs
        .iter()
        .filter(|l| **l == format!("Program {token} invoke [2]"))
        .count();
    assert_eq!(cpis, 2, "node and treasury transfers: {logs:#?}");
    assert_eq!(logs.last().unwrap(), &format!("Program {program} success"));
}

#[tokio::test]
async fn a_refused_instruction_logs_its_anchor_error_by_name() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let node = env.node().await;
    let escrow = env.create(&client, 1_000).await;
    // Release before lock: refused with InvalidStatus, and the log says so as
    // Anchor programs do on-chain.
    let ix = env.release_ix(escrow, node.token, [1; 32]);
    let coordinator = env.coordinator.insecure_clone();
    let outcome = env
        .ctx
        .banks_client
        .simulate_transaction(solana_sdk::transaction::Transaction::new_signed_with_payer(
            &[ix],
            Some(&coordinator.pubkey()),
            &[&coordinator],
            env.ctx.banks_client.get_latest_blockhash().await.unwrap(),
        ))
        .await
        .unwrap();
    let logs = outcome.simulation_details.unwrap().logs;
    assert!(
        logs.iter()
            .any(|l| l.starts_with("Program log: AnchorError")
                && l.contains("Error Code: WrongPayee")),
        "{logs:#?}"
    );
}
