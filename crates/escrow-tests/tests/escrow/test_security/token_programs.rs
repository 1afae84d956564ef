//! Token programs: only the classic SPL Token program and its mints are
//! accepted (tests 6, 18).

use anchor_lang::error::ErrorCode as AnchorError;
use solana_sdk::{program_pack::Pack, pubkey::Pubkey, signature::Signer};

use super::locked_escrow;
use crate::harness::*;

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

fn spl_token_2022_id() -> Pubkey {
    anchor_spl::token_2022::ID
}
