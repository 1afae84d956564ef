//! A fresh bank with the mint, the treasury and the config; funded users.

use solana_sdk::{
    instruction::Instruction,
    program_pack::Pack,
    signature::{Keypair, Signer},
};
use solana_system_interface::instruction as system_instruction;

use super::{default_params, Env, User, DECIMALS};
use anchor_lang::prelude::Pubkey;
use job_escrow::state::ConfigParams;

impl Env {
    /// A bank with the mint, the treasury and the config initialised (default 90/10).
    pub async fn new() -> Env {
        Self::with_params(default_params()).await
    }

    pub async fn with_params(params: ConfigParams) -> Env {
        let mut env = Self::bare().await;
        env.initialize_config(params).await;
        env
    }

    /// A bank with the mint and the treasury but no config.
    pub async fn bare() -> Env {
        let ctx = cyxwiz_bank::start(cyxwiz_bank::program_test()).await;
        let mut env = Env {
            ctx,
            mint: Pubkey::default(),
            mint_authority: Keypair::new(),
            admin: Keypair::new(),
            coordinator: Keypair::new(),
            arbiter: Keypair::new(),
            treasury: User {
                key: Keypair::new(),
                token: Pubkey::default(),
            },
            minted: 0,
            token_accounts: vec![],
            escrows: vec![],
            nonce: 0,
            next_job: 1,
        };
        let authority = env.mint_authority.pubkey();
        env.mint = env.create_mint(&spl_token::ID, &authority, DECIMALS).await;
        for key in [
            env.admin.pubkey(),
            env.coordinator.pubkey(),
            env.arbiter.pubkey(),
            env.treasury.pubkey(),
        ] {
            env.airdrop(&key, 10_000_000_000).await;
        }
        let owner = env.treasury.pubkey();
        env.treasury.token = env.create_token_account(&owner, &env.mint.clone()).await;
        env
    }

    pub async fn initialize_config(&mut self, params: ConfigParams) {
        let ix = self.initialize_config_ix(&self.admin.pubkey(), params, self.treasury.token);
        let admin = self.admin.insecure_clone();
        self.send(&[ix], &[&admin])
            .await
            .expect("initialize_config");
    }

    pub async fn airdrop(&mut self, to: &Pubkey, lamports: u64) {
        let ix = system_instruction::transfer(&self.ctx.payer.pubkey(), to, lamports);
        self.send(&[ix], &[]).await.expect("airdrop");
    }

    pub async fn create_mint(
        &mut self,
        token_program: &Pubkey,
        authority: &Pubkey,
        decimals: u8,
    ) -> Pubkey {
        let mint = Keypair::new();
        let rent = self.ctx.banks_client.get_rent().await.unwrap();
        let ixs = [
            system_instruction::create_account(
                &self.ctx.payer.pubkey(),
                &mint.pubkey(),
                rent.minimum_balance(spl_token::state::Mint::LEN),
                spl_token::state::Mint::LEN as u64,
                token_program,
            ),
            // Same layout in SPL Token and Token-2022; only the program differs.
            Instruction {
                program_id: *token_program,
                ..spl_token::instruction::initialize_mint2(
                    &spl_token::ID,
                    &mint.pubkey(),
                    authority,
                    None,
                    decimals,
                )
                .unwrap()
            },
        ];
        self.send(&ixs, &[&mint]).await.expect("create mint");
        mint.pubkey()
    }

    /// The owner's associated token account for `mint`, created and tracked.
    pub async fn create_token_account(&mut self, owner: &Pubkey, mint: &Pubkey) -> Pubkey {
        let ix = spl_associated_token_account::instruction::create_associated_token_account(
            &self.ctx.payer.pubkey(),
            owner,
            mint,
            &spl_token::ID,
        );
        self.send(&[ix], &[]).await.expect("create ATA");
        let ata = spl_associated_token_account::get_associated_token_address(owner, mint);
        self.token_accounts.push(ata);
        ata
    }

    /// A non-associated token account (a fresh keypair account) for `owner`.
    pub async fn create_extra_token_account(&mut self, owner: &Pubkey, mint: &Pubkey) -> Pubkey {
        let account = Keypair::new();
        let rent = self.ctx.banks_client.get_rent().await.unwrap();
        let ixs = [
            system_instruction::create_account(
                &self.ctx.payer.pubkey(),
                &account.pubkey(),
                rent.minimum_balance(spl_token::state::Account::LEN),
                spl_token::state::Account::LEN as u64,
                &spl_token::ID,
            ),
            spl_token::instruction::initialize_account3(
                &spl_token::ID,
                &account.pubkey(),
                mint,
                owner,
            )
            .unwrap(),
        ];
        self.send(&ixs, &[&account])
            .await
            .expect("create token account");
        self.token_accounts.push(account.pubkey());
        account.pubkey()
    }

    pub async fn mint_to(&mut self, to: &Pubkey, amount: u64) {
        let authority = self.mint_authority.insecure_clone();
        let ix = spl_token::instruction::mint_to(
            &spl_token::ID,
            &self.mint,
            to,
            &authority.pubkey(),
            &[],
            amount,
        )
        .unwrap();
        // Counted first: the ledger is checked as soon as the transaction lands.
        self.minted += u128::from(amount);
        self.send(&[ix], &[&authority]).await.expect("mint_to");
    }

    /// A funded wallet with `tokens` in its associated token account.
    pub async fn user(&mut self, tokens: u64) -> User {
        let key = Keypair::new();
        self.airdrop(&key.pubkey(), 10_000_000_000).await;
        let mint = self.mint;
        let token = self.create_token_account(&key.pubkey(), &mint).await;
        if tokens > 0 {
            self.mint_to(&token, tokens).await;
        }
        User { key, token }
    }

    /// A node wallet with an (empty) token account.
    pub async fn node(&mut self) -> User {
        self.user(0).await
    }
}
