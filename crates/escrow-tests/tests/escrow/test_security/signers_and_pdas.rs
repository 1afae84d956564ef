//! Signatures, and the PDAs that make escrows unforgeable: who must sign,
//! canonical bumps, no re-initialisation, and a closed escrow that cannot be
//! revived (tests 1, 7, 8, 15, 16).

use anchor_lang::error::ErrorCode as AnchorError;
use job_escrow::{errors::EscrowError, state::EscrowStatus};
use solana_sdk::{
    instruction::{AccountMeta, InstructionError},
    pubkey::Pubkey,
    signature::{Keypair, Signer},
};
use solana_system_interface::instruction as system_instruction;

use super::locked_escrow;
use crate::harness::*;

#[tokio::test]
async fn t01_error_coordinator_actions_without_the_coordinator_signature() {
    let mut env = Env::new().await;
    let (client, node, escrow) = locked_escrow(&mut env, 1_000).await;
    let coordinator = env.coordinator.pubkey();
    let stranger = Keypair::new();
    env.airdrop(&stranger.pubkey(), 1_000_000_000).await;

    let right_key_unsigned = [
        env.unlock_ix(escrow, coordinator),
        env.release_ix(escrow, node.token, [1; 32]),
        env.refund_ix(escrow, coordinator, client.token),
        env.settle_ix(escrow, node.token, client.token, 5_000, [1; 32]),
    ];
    for ix in right_key_unsigned {
        let ix = unsigned(ix, &coordinator);
        env.expect_err(&[ix], &[], code(AnchorError::AccountNotSigner))
            .await;
    }

    let mut by_stranger = [
        env.unlock_ix(escrow, stranger.pubkey()),
        env.release_ix(escrow, node.token, [1; 32]),
        env.settle_ix(escrow, node.token, client.token, 5_000, [1; 32]),
    ];
    for ix in by_stranger.iter_mut() {
        ix.accounts[0] = AccountMeta::new_readonly(stranger.pubkey(), true);
    }
    for ix in by_stranger {
        env.expect_err(&[ix], &[&stranger], code(EscrowError::Unauthorized))
            .await;
    }
    let ix = env.refund_ix(escrow, stranger.pubkey(), client.token);
    env.expect_err(&[ix], &[&stranger], code(EscrowError::Unauthorized))
        .await;

    // The node itself cannot release its own payment.
    let mut ix = env.release_ix(escrow, node.token, [1; 32]);
    ix.accounts[0] = AccountMeta::new_readonly(node.pubkey(), true);
    env.expect_err(&[ix], &[&node.key], code(EscrowError::Unauthorized))
        .await;

    // Disputed: resolve needs the arbiter's signature.
    env.dispute(escrow, &client.key).await;
    let ix = unsigned(
        env.resolve_ix(
            escrow,
            env.arbiter.pubkey(),
            node.token,
            client.token,
            5_000,
        ),
        &env.arbiter.pubkey(),
    );
    env.expect_err(&[ix], &[], code(AnchorError::AccountNotSigner))
        .await;
    assert_eq!(env.status(&escrow).await, EscrowStatus::Disputed);
}

#[tokio::test]
async fn t07_nobody_can_create_a_clients_escrow_and_payers_do_not_collide() {
    let mut env = Env::new().await;
    let alice = env.user(1_000).await;
    let mallory = env.user(1_000).await;
    let job_id = env.next_job_id();
    let expires_at = env.now().await + DAY;

    // Mallory tries to create Alice's escrow (Alice's PDA) with her own signature.
    let mut ix = env.create_ix(&alice, job_id, 100, expires_at);
    ix.accounts[0] = AccountMeta::new(mallory.pubkey(), true);
    ix.accounts[3].pubkey = mallory.token;
    env.expect_err(&[ix], &[&mallory.key], code(AnchorError::ConstraintSeeds))
        .await;
    // Alice's key without Alice's signature.
    let ix = unsigned(
        env.create_ix(&alice, job_id, 100, expires_at),
        &alice.pubkey(),
    );
    env.expect_err(&[ix], &[], code(AnchorError::AccountNotSigner))
        .await;

    // The same job id from both payers: two distinct escrows.
    let a = escrow_pda(&alice.pubkey(), &job_id);
    let m = escrow_pda(&mallory.pubkey(), &job_id);
    assert_ne!(a, m);
    env.track_escrow(a);
    env.track_escrow(m);
    let ix = env.create_ix(&mallory, job_id, 100, expires_at);
    env.expect_ok(&[ix], &[&mallory.key]).await;
    let ix = env.create_ix(&alice, job_id, 200, expires_at);
    env.expect_ok(&[ix], &[&alice.key]).await;
    assert_eq!(env.escrow(&a).await.amount, 200);
    assert_eq!(env.escrow(&m).await.amount, 100);
}

#[tokio::test]
async fn t08_bumps_are_canonical_and_stored() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let escrow = env.create(&client, 1_000).await;
    let state = env.escrow(&escrow).await;
    let (_, bump) = Pubkey::find_program_address(
        &[b"escrow", client.pubkey().as_ref(), &state.job_id],
        &job_escrow::ID,
    );
    let (_, vault_bump) =
        Pubkey::find_program_address(&[b"vault", escrow.as_ref()], &job_escrow::ID);
    assert_eq!((state.bump, state.vault_bump), (bump, vault_bump));
    assert_eq!(
        env.config().await.bump,
        Pubkey::find_program_address(&[b"config"], &job_escrow::ID).1
    );

    // The program never takes a bump from instruction data: `init` derives the
    // canonical one and every later check re-derives the address from it.
    let vault_state = env.account(&vault_pda(&escrow)).await.unwrap();
    assert_eq!(vault_state.owner, spl_token::ID);
}

#[tokio::test]
async fn t15_error_reinitialising_an_existing_escrow() {
    let mut env = Env::new().await;
    let client = env.user(1_000).await;
    let job_id = env.next_job_id();
    let expires_at = env.now().await + DAY;
    let escrow = escrow_pda(&client.pubkey(), &job_id);
    env.track_escrow(escrow);
    let ix = env.create_ix(&client, job_id, 300, expires_at);
    env.expect_ok(&[ix], &[&client.key]).await;
    let ix = env.create_ix(&client, job_id, 400, expires_at);
    env.expect_err(&[ix], &[&client.key], InstructionError::Custom(0))
        .await;
    assert_eq!(env.escrow(&escrow).await.amount, 300);
}

#[tokio::test]
async fn t16_close_pays_rent_to_the_payer_only_and_the_escrow_cannot_be_revived() {
    let mut env = Env::new().await;
    let (client, node, escrow) = locked_escrow(&mut env, 1_000).await;
    let coordinator = env.coordinator.insecure_clone();
    // Not before a final status.
    let ix = env.close_ix(escrow, client.pubkey(), client.pubkey(), client.token);
    env.expect_err(&[ix], &[&client.key], code(EscrowError::InvalidStatus))
        .await;
    env.release(escrow, &node).await;
    // Rent to anyone but the payer is refused.
    let ix = env.close_ix(
        escrow,
        coordinator.pubkey(),
        coordinator.pubkey(),
        client.token,
    );
    env.expect_err(&[ix], &[&coordinator], code(EscrowError::WrongPayer))
        .await;
    // A stranger may not close.
    let ix = env.close_ix(escrow, node.pubkey(), client.pubkey(), client.token);
    env.expect_err(&[ix], &[&node.key], code(EscrowError::Unauthorized))
        .await;
    // Close, then in the same transaction send lamports back and try to use it.
    let close = env.close_ix(escrow, client.pubkey(), client.pubkey(), client.token);
    let refill = system_instruction::transfer(&client.pubkey(), &escrow, 10_000_000);
    let release = env.release_ix(escrow, node.token, [1; 32]);
    env.expect_err_at(
        &[close.clone(), refill, release],
        &[&client.key, &coordinator],
        2,
        code(AnchorError::AccountOwnedByWrongProgram),
    )
    .await;
    env.expect_ok(&[close], &[&client.key]).await;
    assert!(env.account(&escrow).await.is_none());
}
