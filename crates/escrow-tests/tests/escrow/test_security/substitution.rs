//! Substituted accounts: the wrong owner, type, vault, payee, treasury, mint or
//! escrow in place of the right one is refused (tests 2–5, 9, 17).

use anchor_lang::{error::ErrorCode as AnchorError, AccountSerialize, Discriminator};
use job_escrow::errors::EscrowError;
use solana_sdk::{
    account::Account, instruction::InstructionError, pubkey::Pubkey, signature::Signer,
};

use super::locked_escrow;
use crate::harness::*;

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
