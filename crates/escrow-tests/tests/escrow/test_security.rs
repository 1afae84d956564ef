//! On-chain security tests 1–9, 13, 15–18 and 22 of docs/security-tests.md.
//! Every failure asserts the exact error and (in `expect_err`) that nothing moved.

use anchor_lang::{error::ErrorCode as AnchorError, AccountSerialize, Discriminator};
use job_escrow::{errors::EscrowError, events::*, state::EscrowStatus};
use solana_sdk::{
    account::Account,
    instruction::{AccountMeta, InstructionError},
    program_pack::Pack,
    pubkey::Pubkey,
    signature::{Keypair, Signer},
};

use crate::harness::*;
use solana_system_interface::instruction as system_instruction;

/// A client, a node, and an escrow locked to the node.
async fn locked_escrow(env: &mut Env, amount: u64) -> (User, User, Pubkey) {
    let client = env.user(amount * 2).await;
    let node = env.node().await;
    let escrow = env.create(&client, amount).await;
    env.lock(escrow, &node).await;
    (client, node, escrow)
}

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
async fn t02_error_escrow_shaped_account_not_owned_by_the_program() {
    let mut env = Env::new().await;
    let (client, node, escrow) = locked_escrow(&mut env, 1_000).await;
    // Copy the real escrow's bytes into accounts owned by the system program and
    // by SPL Token, with the payee rewritten to an attacker.
    let attacker = env.node().await;
    let mut state = env.escrow(&escrow).await;
    state.payee = attacker.pubkey();
    let mut data = vec![];
    state.try_serialize(&mut data).unwrap();
    for owner in [solana_sdk::system_program::ID, spl_token::ID] {
        let fake = Pubkey::new_unique();
        env.ctx.set_account(
            &fake,
            &Account {
                lamports: 10_000_000,
                data: data.clone(),
                owner,
                executable: false,
                rent_epoch: 0,
            }
            .into(),
        );
        let mut ix = env.release_ix(escrow, attacker.token, [1; 32]);
        ix.accounts[2].pubkey = fake;
        let coordinator = env.coordinator.insecure_clone();
        env.expect_err(
            &[ix],
            &[&coordinator],
            code(AnchorError::AccountOwnedByWrongProgram),
        )
        .await;
    }
    let _ = (client, node);
}

#[tokio::test]
async fn t03_error_config_passed_where_an_escrow_is_expected() {
    let mut env = Env::new().await;
    let (_client, node, escrow) = locked_escrow(&mut env, 1_000).await;
    let mut ix = env.release_ix(escrow, node.token, [1; 32]);
    ix.accounts[2].pubkey = config_pda();
    let coordinator = env.coordinator.insecure_clone();
    env.expect_err(
        &[ix],
        &[&coordinator],
        code(AnchorError::AccountDiscriminatorMismatch),
    )
    .await;
    // And an escrow where the config is expected.
    let mut ix = env.release_ix(escrow, node.token, [1; 32]);
    ix.accounts[1].pubkey = escrow;
    env.expect_err(
        &[ix],
        &[&coordinator],
        code(AnchorError::AccountDiscriminatorMismatch),
    )
    .await;
    assert_eq!(job_escrow::state::Config::DISCRIMINATOR.len(), 8);
}

#[tokio::test]
async fn t04_error_substituted_vault_payee_or_treasury() {
    let mut env = Env::new().await;
    let (client, node, escrow_a) = locked_escrow(&mut env, 1_000).await;
    let escrow_b = env.create(&client, 500).await;
    let coordinator = env.coordinator.insecure_clone();
    let base = ReleaseAccounts {
        coordinator: coordinator.pubkey(),
        escrow: escrow_a,
        vault: vault_pda(&escrow_a),
        mint: env.mint,
        node_token: node.token,
        treasury_token: env.treasury.token,
        token_program: spl_token::ID,
    };
    // Escrow A with escrow B's vault.
    let ix = env.release_ix_with(
        ReleaseAccounts {
            vault: vault_pda(&escrow_b),
            ..base
        },
        [1; 32],
    );
    env.expect_err(&[ix], &[&coordinator], code(AnchorError::ConstraintSeeds))
        .await;
    // Payout to a node other than the locked payee.
    let other = env.node().await;
    let ix = env.release_ix_with(
        ReleaseAccounts {
            node_token: other.token,
            ..base
        },
        [1; 32],
    );
    env.expect_err(&[ix], &[&coordinator], code(EscrowError::WrongPayee))
        .await;
    // Fee to an account other than the treasury.
    let ix = env.release_ix_with(
        ReleaseAccounts {
            treasury_token: other.token,
            ..base
        },
        [1; 32],
    );
    env.expect_err(&[ix], &[&coordinator], code(EscrowError::WrongTreasury))
        .await;
    // Refund to someone else's account.
    let ix = env.refund_ix(escrow_b, coordinator.pubkey(), other.token);
    env.expect_err(&[ix], &[&coordinator], code(EscrowError::WrongPayer))
        .await;
}

#[tokio::test]
async fn t05_error_payout_account_of_another_mint_or_owner() {
    let mut env = Env::new().await;
    let (client, node, escrow) = locked_escrow(&mut env, 1_000).await;
    let coordinator = env.coordinator.insecure_clone();
    let other_mint = env
        .create_mint(&spl_token::ID, &coordinator.pubkey(), 6)
        .await;
    let node_other_mint = env.create_token_account(&node.pubkey(), &other_mint).await;
    let ix = env.release_ix(escrow, node_other_mint, [1; 32]);
    env.expect_err(&[ix], &[&coordinator], code(EscrowError::WrongMint))
        .await;

    // The node's token account owned by the client instead of the node.
    let mint = env.mint;
    let not_the_nodes = env
        .create_extra_token_account(&client.pubkey(), &mint)
        .await;
    let ix = env.release_ix(escrow, not_the_nodes, [1; 32]);
    env.expect_err(&[ix], &[&coordinator], code(EscrowError::WrongPayee))
        .await;

    // A mint of other decimals substituted for the escrow's mint (the program
    // takes the decimals of transfer_checked from the verified mint only).
    let base = ReleaseAccounts {
        coordinator: coordinator.pubkey(),
        escrow,
        vault: vault_pda(&escrow),
        mint: other_mint,
        node_token: node.token,
        treasury_token: env.treasury.token,
        token_program: spl_token::ID,
    };
    let ix = env.release_ix_with(base, [1; 32]);
    env.expect_err(&[ix], &[&coordinator], code(EscrowError::WrongMint))
        .await;

    // A vault that is a token account of the right mint but not the escrow's.
    let fake_vault = env.create_extra_token_account(&escrow, &mint).await;
    let ix = env.release_ix_with(
        ReleaseAccounts {
            vault: fake_vault,
            mint,
            ..base
        },
        [1; 32],
    );
    env.expect_err(&[ix], &[&coordinator], code(AnchorError::ConstraintSeeds))
        .await;

    // A non-ATA account that does belong to the node is fine.
    let extra = env.create_extra_token_account(&node.pubkey(), &mint).await;
    let ix = env.release_ix(escrow, extra, [1; 32]);
    env.expect_ok(&[ix], &[&coordinator]).await;
    assert_eq!(env.balance(&extra).await, 900);
}

#[tokio::test]
async fn t06_error_wrong_token_program() {
    let mut env = Env::new().await;
    let (_client, node, escrow) = locked_escrow(&mut env, 1_000).await;
    let coordinator = env.coordinator.insecure_clone();
    let base = ReleaseAccounts {
        coordinator: coordinator.pubkey(),
        escrow,
        vault: vault_pda(&escrow),
        mint: env.mint,
        node_token: node.token,
        treasury_token: env.treasury.token,
        token_program: spl_token::ID,
    };
    // Token-2022 for a classic mint.
    let ix = env.release_ix_with(
        ReleaseAccounts {
            token_program: spl_token_2022_id(),
            ..base
        },
        [1; 32],
    );
    env.expect_err(&[ix], &[&coordinator], code(AnchorError::InvalidProgramId))
        .await;
    // A made-up program.
    let ix = env.release_ix_with(
        ReleaseAccounts {
            token_program: Pubkey::new_unique(),
            ..base
        },
        [1; 32],
    );
    env.expect_err(&[ix], &[&coordinator], code(AnchorError::InvalidProgramId))
        .await;
}

pub fn spl_token_2022_id() -> Pubkey {
    anchor_spl::token_2022::ID
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
async fn t09_one_escrow_cannot_move_another_escrows_vault() {
    let mut env = Env::new().await;
    let (client, node, escrow_a) = locked_escrow(&mut env, 1_000).await;
    let escrow_b = env.create(&client, 700).await;
    let coordinator = env.coordinator.insecure_clone();
    // A direct SPL Token transfer out of B's vault signed by A's PDA authority
    // is impossible without the program; through the program the vault's seeds
    // bind it to its escrow.
    let ix = env.release_ix_with(
        ReleaseAccounts {
            coordinator: coordinator.pubkey(),
            escrow: escrow_a,
            vault: vault_pda(&escrow_b),
            mint: env.mint,
            node_token: node.token,
            treasury_token: env.treasury.token,
            token_program: spl_token::ID,
        },
        [1; 32],
    );
    env.expect_err(&[ix], &[&coordinator], code(AnchorError::ConstraintSeeds))
        .await;
    // And the token program itself refuses a transfer out of B's vault that
    // B's PDA did not sign (only the program can sign for it).
    let mut steal = spl_token::instruction::transfer(
        &spl_token::ID,
        &vault_pda(&escrow_b),
        &node.token,
        &escrow_b,
        &[],
        700,
    )
    .unwrap();
    steal.accounts[2].is_signer = false;
    env.expect_err(&[steal], &[], InstructionError::MissingRequiredSignature)
        .await;
    assert_eq!(env.balance(&vault_pda(&escrow_b)).await, 700);
}

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

#[tokio::test]
async fn t17_error_the_same_token_account_in_two_roles() {
    let mut env = Env::new().await;
    // The treasury's owner is also the client: its treasury account could be
    // passed as the payer's refund account and as the fee account at once.
    let node = env.node().await;
    let treasury_owner = env.treasury.key.insecure_clone();
    let treasury_token = env.treasury.token;
    env.mint_to(&treasury_token, 1_000).await;
    let expires_at = env.now().await + DAY;
    let payer = User {
        key: treasury_owner.insecure_clone(),
        token: treasury_token,
    };
    let escrow = env.create_expiring(&payer, 1_000, expires_at).await;
    env.lock(escrow, &node).await;
    let coordinator = env.coordinator.insecure_clone();
    let ix = env.settle_ix(escrow, node.token, treasury_token, 5_000, [1; 32]);
    env.expect_err(&[ix], &[&coordinator], code(EscrowError::DuplicateAccount))
        .await;
}

#[tokio::test]
async fn t18_token_2022_mints_are_refused_by_the_classic_token_allow_list() {
    let mut env = Env::bare().await;
    // A Token-2022 mint (extensions or not) can never become the accepted mint.
    let admin = env.admin.insecure_clone();
    let mint_2022 = env
        .create_mint(&spl_token_2022_id(), &admin.pubkey(), 6)
        .await;
    let mut ix = env.initialize_config_ix(&admin.pubkey(), default_params(), env.treasury.token);
    ix.accounts[2].pubkey = mint_2022;
    env.expect_err(
        &[ix],
        &[&admin],
        code(AnchorError::AccountOwnedByWrongProgram),
    )
    .await;
    // Nor be passed into an escrow of a classic config.
    env.initialize_config(default_params()).await;
    let client = env.user(1_000).await;
    let job_id = env.next_job_id();
    let expires_at = env.now().await + DAY;
    let ix = env.create_ix_with(
        client.pubkey(),
        client.token,
        mint_2022,
        job_id,
        100,
        expires_at,
    );
    env.expect_err(
        &[ix],
        &[&client.key],
        code(AnchorError::AccountOwnedByWrongProgram),
    )
    .await;
    assert_eq!(spl_token::state::Mint::LEN, 82);
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

#[tokio::test]
async fn error_creating_with_a_foreign_token_account() {
    let mut env = Env::new().await;
    let alice = env.user(1_000).await;
    let bob = env.user(1_000).await;
    let job_id = env.next_job_id();
    let expires_at = env.now().await + DAY;
    // Alice signs but names Bob's token account as the source.
    let ix = env.create_ix_with(alice.pubkey(), bob.token, env.mint, job_id, 100, expires_at);
    env.expect_err(&[ix], &[&alice.key], code(EscrowError::WrongPayer))
        .await;
    assert_eq!(env.balance(&bob.token).await, 1_000);
    // More than she has: the token program refuses, nothing is half-created.
    let ix = env.create_ix(&alice, job_id, 5_000, expires_at);
    env.expect_err(
        &[ix],
        &[&alice.key],
        InstructionError::Custom(spl_token::error::TokenError::InsufficientFunds as u32),
    )
    .await;
    assert!(env
        .account(&escrow_pda(&alice.pubkey(), &job_id))
        .await
        .is_none());
}
