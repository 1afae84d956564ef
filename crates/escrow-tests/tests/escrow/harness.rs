//! The test bench: a fresh bank per test, users with tokens, one builder per
//! instruction, and a ledger that checks token conservation after every
//! transaction (security test 21) and that failed transactions move nothing.

use std::collections::BTreeMap;

use anchor_lang::{
    prelude::Pubkey, AccountDeserialize, AnchorDeserialize, Discriminator, InstructionData,
    ToAccountMetas,
};
use job_escrow::{
    state::{Config, ConfigParams, EscrowStatus, JobEscrow, CONFIG_SEED, ESCROW_SEED, VAULT_SEED},
    InitializeConfigArgs, UpdateConfigArgs,
};
use solana_program_test::{BanksClientError, ProgramTestContext};
use solana_sdk::{
    account::Account,
    clock::Clock,
    compute_budget::ComputeBudgetInstruction,
    instruction::{Instruction, InstructionError},
    program_pack::Pack,
    signature::{Keypair, Signer},
    transaction::{Transaction, TransactionError},
};
use solana_system_interface::instruction as system_instruction;

pub const DECIMALS: u8 = 6;
pub const DAY: i64 = 24 * 60 * 60;

pub fn default_params() -> ConfigParams {
    ConfigParams {
        fee_bps: 1_000,
        min_escrow_amount: 1,
        min_lifetime_secs: 60,
        max_lifetime_secs: 30 * DAY,
        dispute_window_secs: 7 * DAY,
    }
}

/// A wallet with a token account for the escrow mint.
pub struct User {
    pub key: Keypair,
    pub token: Pubkey,
}

impl User {
    pub fn pubkey(&self) -> Pubkey {
        self.key.pubkey()
    }
}

/// What a transaction left behind: its logs and the events decoded from them.
#[derive(Debug, Default)]
pub struct TxOutcome {
    pub logs: Vec<String>,
}

impl TxOutcome {
    /// Raw `Program data:` payloads (discriminator + borsh), in order.
    pub fn event_payloads(&self) -> Vec<Vec<u8>> {
        use base64::Engine;
        self.logs
            .iter()
            .filter_map(|line| line.strip_prefix("Program data: "))
            .map(|b64| {
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .expect("event base64")
            })
            .collect()
    }

    /// The single event of type `E`, asserting there is exactly one event in all.
    pub fn only_event<E: AnchorDeserialize + Discriminator>(&self) -> E {
        let payloads = self.event_payloads();
        assert_eq!(
            payloads.len(),
            1,
            "expected exactly one event, logs: {:#?}",
            self.logs
        );
        let data = &payloads[0];
        assert_eq!(&data[..8], E::DISCRIMINATOR, "unexpected event type");
        E::deserialize(&mut &data[8..]).expect("event decodes")
    }
}

pub struct Env {
    pub ctx: ProgramTestContext,
    pub mint: Pubkey,
    mint_authority: Keypair,
    pub admin: Keypair,
    pub coordinator: Keypair,
    pub arbiter: Keypair,
    pub treasury: User,
    pub minted: u128,
    /// Every token account the test created or that the program created (vaults).
    pub token_accounts: Vec<Pubkey>,
    /// Escrows created through this bench.
    pub escrows: Vec<Pubkey>,
    nonce: u32,
    next_job: u64,
}

pub fn escrow_pda(payer: &Pubkey, job_id: &[u8; 32]) -> Pubkey {
    Pubkey::find_program_address(&[ESCROW_SEED, payer.as_ref(), job_id], &job_escrow::ID).0
}

pub fn vault_pda(escrow: &Pubkey) -> Pubkey {
    Pubkey::find_program_address(&[VAULT_SEED, escrow.as_ref()], &job_escrow::ID).0
}

pub fn config_pda() -> Pubkey {
    Pubkey::find_program_address(&[CONFIG_SEED], &job_escrow::ID).0
}

pub fn code(error: impl Into<u32>) -> InstructionError {
    InstructionError::Custom(error.into())
}

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

    pub fn initialize_config_ix(
        &self,
        admin: &Pubkey,
        params: ConfigParams,
        treasury: Pubkey,
    ) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::InitializeConfig {
                admin: *admin,
                config: config_pda(),
                mint: self.mint,
                treasury,
                system_program: solana_sdk::system_program::ID,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::InitializeConfig {
                args: InitializeConfigArgs {
                    coordinator: self.coordinator.pubkey(),
                    arbiter: self.arbiter.pubkey(),
                    params,
                },
            }
            .data(),
        }
    }

    pub fn update_config_ix(
        &self,
        admin: &Pubkey,
        args: UpdateConfigArgs,
        new_treasury: Option<Pubkey>,
        new_admin: Option<Pubkey>,
    ) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::UpdateConfig {
                admin: *admin,
                config: config_pda(),
                new_treasury,
                new_admin,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::UpdateConfig { args }.data(),
        }
    }

    // ---- chain plumbing -------------------------------------------------

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

    pub async fn account(&mut self, address: &Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(*address).await.unwrap()
    }

    pub async fn balance(&mut self, token_account: &Pubkey) -> u64 {
        match self.account(token_account).await {
            Some(account) => spl_token::state::Account::unpack(&account.data)
                .map(|a| a.amount)
                .unwrap_or(0),
            None => 0,
        }
    }

    pub async fn escrow(&mut self, address: &Pubkey) -> JobEscrow {
        let account = self.account(address).await.expect("escrow exists");
        JobEscrow::try_deserialize(&mut account.data.as_slice()).expect("escrow decodes")
    }

    pub async fn config(&mut self) -> Config {
        let account = self.account(&config_pda()).await.expect("config exists");
        Config::try_deserialize(&mut account.data.as_slice()).expect("config decodes")
    }

    pub async fn clock(&mut self) -> Clock {
        self.ctx.banks_client.get_sysvar::<Clock>().await.unwrap()
    }

    pub async fn now(&mut self) -> i64 {
        self.clock().await.unix_timestamp
    }

    /// Move the cluster clock to `unix_timestamp` (forward or backward).
    pub async fn set_time(&mut self, unix_timestamp: i64) {
        let mut clock = self.clock().await;
        clock.unix_timestamp = unix_timestamp;
        self.ctx.set_sysvar(&clock);
    }

    /// Send one transaction (fee payer: the bench). Every transaction is made
    /// unique with a compute-limit nonce so identical instructions can be re-sent.
    /// After it, success or not, the conservation ledger is checked.
    pub async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<TxOutcome, TransactionError> {
        self.nonce += 1;
        let mut all = vec![ComputeBudgetInstruction::set_compute_unit_limit(
            1_000_000 + self.nonce % 400_000,
        )];
        all.extend_from_slice(ixs);
        let payer = self.ctx.payer.insecure_clone();
        let mut keys: Vec<&Keypair> = vec![&payer];
        for signer in signers {
            if !keys.iter().any(|k| k.pubkey() == signer.pubkey()) {
                keys.push(signer);
            }
        }
        // The bank retires blockhashes after ~60 s (150 × 400 ms), as a cluster does.
        let blockhash = self
            .ctx
            .banks_client
            .get_latest_blockhash()
            .await
            .expect("blockhash");
        let tx = Transaction::new_signed_with_payer(&all, Some(&payer.pubkey()), &keys, blockhash);
        let result = self
            .ctx
            .banks_client
            .process_transaction_with_metadata(tx)
            .await;
        let outcome = match result {
            Ok(r) => {
                let logs = r.metadata.map(|m| m.log_messages).unwrap_or_default();
                match r.result {
                    Ok(()) => Ok(TxOutcome { logs }),
                    Err(e) => Err(e),
                }
            }
            Err(BanksClientError::TransactionError(e)) => Err(e),
            Err(e) => panic!("bank error: {e:?}"),
        };
        self.check_conservation().await;
        outcome
    }

    /// Send, expecting `error` from instruction `index` (0 = the first of `ixs`),
    /// and check that no tracked token balance moved.
    pub async fn expect_err_at(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        index: u8,
        error: InstructionError,
    ) {
        let before = self.snapshot().await;
        let result = self.send(ixs, signers).await;
        // +1: the compute-budget nonce instruction comes first.
        assert_eq!(
            result.err(),
            Some(TransactionError::InstructionError(index + 1, error)),
            "wrong outcome"
        );
        assert_eq!(
            self.snapshot().await,
            before,
            "a failed transaction moved tokens or escrow state"
        );
    }

    pub async fn expect_err(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        error: InstructionError,
    ) {
        self.expect_err_at(ixs, signers, 0, error).await
    }

    pub async fn expect_ok(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TxOutcome {
        match self.send(ixs, signers).await {
            Ok(outcome) => outcome,
            Err(e) => panic!("transaction failed: {e:?}"),
        }
    }

    /// Every tracked token balance and escrow account, for before/after comparisons.
    pub async fn snapshot(&mut self) -> BTreeMap<Pubkey, Option<Vec<u8>>> {
        let mut keys: Vec<Pubkey> = self.token_accounts.clone();
        keys.extend(self.escrows.iter().copied());
        keys.push(config_pda());
        let mut out = BTreeMap::new();
        for key in keys {
            let data = self.account(&key).await.map(|a| a.data);
            out.insert(key, data);
        }
        out
    }

    /// Security test 21: the tokens that exist are the tokens minted, and every
    /// live escrow's vault holds exactly its recorded amount.
    pub async fn check_conservation(&mut self) {
        let mut total: u128 = 0;
        for key in self.token_accounts.clone() {
            total += u128::from(self.balance(&key).await);
        }
        assert_eq!(total, self.minted, "tokens were created or destroyed");
        for escrow in self.escrows.clone() {
            let Some(account) = self.account(&escrow).await else {
                continue;
            };
            let Ok(state) = JobEscrow::try_deserialize(&mut account.data.as_slice()) else {
                continue;
            };
            let vault = self.balance(&vault_pda(&escrow)).await;
            if state.status.is_final() {
                assert_eq!(vault, 0, "settled escrow's vault is not empty");
                let paid = u128::from(state.node_paid)
                    + u128::from(state.platform_paid)
                    + u128::from(state.refunded);
                assert_eq!(paid, u128::from(state.amount), "settlement does not add up");
            } else {
                assert_eq!(
                    vault, state.amount,
                    "live escrow's vault differs from its amount"
                );
            }
        }
    }

    // ---- JobEscrow instructions ------------------------------------------

    pub fn next_job_id(&mut self) -> [u8; 32] {
        let mut id = [0u8; 32];
        id[..8].copy_from_slice(&self.next_job.to_le_bytes());
        self.next_job += 1;
        id
    }

    pub fn create_ix(
        &self,
        payer: &User,
        job_id: [u8; 32],
        amount: u64,
        expires_at: i64,
    ) -> Instruction {
        self.create_ix_with(
            payer.pubkey(),
            payer.token,
            self.mint,
            job_id,
            amount,
            expires_at,
        )
    }

    pub fn create_ix_with(
        &self,
        payer: Pubkey,
        payer_token: Pubkey,
        mint: Pubkey,
        job_id: [u8; 32],
        amount: u64,
        expires_at: i64,
    ) -> Instruction {
        let escrow = escrow_pda(&payer, &job_id);
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::CreateEscrow {
                payer,
                config: config_pda(),
                mint,
                payer_token,
                escrow,
                vault: vault_pda(&escrow),
                token_program: spl_token::ID,
                system_program: solana_sdk::system_program::ID,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::CreateEscrow {
                job_id,
                amount,
                expires_at,
            }
            .data(),
        }
    }

    /// Create and fund an escrow that expires in a day; returns its address.
    pub async fn create(&mut self, payer: &User, amount: u64) -> Pubkey {
        let expires_at = self.now().await + DAY;
        self.create_expiring(payer, amount, expires_at).await
    }

    pub async fn create_expiring(&mut self, payer: &User, amount: u64, expires_at: i64) -> Pubkey {
        let job_id = self.next_job_id();
        let ix = self.create_ix(payer, job_id, amount, expires_at);
        let escrow = escrow_pda(&payer.pubkey(), &job_id);
        self.track_escrow(escrow);
        self.expect_ok(&[ix], &[&payer.key]).await;
        escrow
    }

    pub fn track_escrow(&mut self, escrow: Pubkey) {
        if !self.escrows.contains(&escrow) {
            self.escrows.push(escrow);
            self.token_accounts.push(vault_pda(&escrow));
        }
    }

    pub fn lock_ix(&self, escrow: Pubkey, node_wallet: Pubkey, coordinator: Pubkey) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::LockEscrow {
                coordinator,
                config: config_pda(),
                escrow,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::LockEscrow { node_wallet }.data(),
        }
    }

    pub fn unlock_ix(&self, escrow: Pubkey, coordinator: Pubkey) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::UnlockEscrow {
                coordinator,
                config: config_pda(),
                escrow,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::UnlockEscrow {}.data(),
        }
    }

    pub fn release_ix(
        &self,
        escrow: Pubkey,
        node_token: Pubkey,
        proof_hash: [u8; 32],
    ) -> Instruction {
        self.release_ix_with(
            ReleaseAccounts {
                coordinator: self.coordinator.pubkey(),
                escrow,
                vault: vault_pda(&escrow),
                mint: self.mint,
                node_token,
                treasury_token: self.treasury.token,
                token_program: spl_token::ID,
            },
            proof_hash,
        )
    }

    pub fn release_ix_with(&self, a: ReleaseAccounts, proof_hash: [u8; 32]) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::ReleaseEscrow {
                coordinator: a.coordinator,
                config: config_pda(),
                escrow: a.escrow,
                vault: a.vault,
                mint: a.mint,
                node_token: a.node_token,
                treasury_token: a.treasury_token,
                token_program: a.token_program,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::ReleaseEscrow { proof_hash }.data(),
        }
    }

    pub fn refund_ix(&self, escrow: Pubkey, authority: Pubkey, payer_token: Pubkey) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::RefundEscrow {
                authority,
                config: config_pda(),
                escrow,
                vault: vault_pda(&escrow),
                mint: self.mint,
                payer_token,
                token_program: spl_token::ID,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::RefundEscrow {}.data(),
        }
    }

    pub fn settle_ix(
        &self,
        escrow: Pubkey,
        node_token: Pubkey,
        payer_token: Pubkey,
        node_share_bps: u16,
        proof_hash: [u8; 32],
    ) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::SettlePartial {
                coordinator: self.coordinator.pubkey(),
                config: config_pda(),
                escrow,
                vault: vault_pda(&escrow),
                mint: self.mint,
                node_token,
                treasury_token: self.treasury.token,
                payer_token,
                token_program: spl_token::ID,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::SettlePartial {
                node_share_bps,
                proof_hash,
            }
            .data(),
        }
    }

    pub fn dispute_ix(&self, escrow: Pubkey, party: Pubkey) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::OpenDispute {
                party,
                config: config_pda(),
                escrow,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::OpenDispute {}.data(),
        }
    }

    pub fn resolve_ix(
        &self,
        escrow: Pubkey,
        arbiter: Pubkey,
        node_token: Pubkey,
        payer_token: Pubkey,
        node_share_bps: u16,
    ) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::ResolveDispute {
                arbiter,
                config: config_pda(),
                escrow,
                vault: vault_pda(&escrow),
                mint: self.mint,
                node_token,
                treasury_token: self.treasury.token,
                payer_token,
                token_program: spl_token::ID,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::ResolveDispute { node_share_bps }.data(),
        }
    }

    pub fn reclaim_ix(&self, escrow: Pubkey, caller: Pubkey, payer_token: Pubkey) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::ReclaimExpired {
                caller,
                escrow,
                vault: vault_pda(&escrow),
                mint: self.mint,
                payer_token,
                token_program: spl_token::ID,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::ReclaimExpired {}.data(),
        }
    }

    pub fn close_ix(
        &self,
        escrow: Pubkey,
        authority: Pubkey,
        payer: Pubkey,
        payer_token: Pubkey,
    ) -> Instruction {
        Instruction {
            program_id: job_escrow::ID,
            accounts: job_escrow::accounts::CloseEscrow {
                authority,
                config: config_pda(),
                payer,
                escrow,
                vault: vault_pda(&escrow),
                mint: self.mint,
                payer_token,
                token_program: spl_token::ID,
            }
            .to_account_metas(None),
            data: job_escrow::instruction::CloseEscrow {}.data(),
        }
    }

    // ---- common steps -------------------------------------------------------

    pub async fn lock(&mut self, escrow: Pubkey, node: &User) {
        let ix = self.lock_ix(escrow, node.pubkey(), self.coordinator.pubkey());
        let coordinator = self.coordinator.insecure_clone();
        self.expect_ok(&[ix], &[&coordinator]).await;
    }

    pub async fn release(&mut self, escrow: Pubkey, node: &User) -> TxOutcome {
        let ix = self.release_ix(escrow, node.token, [7; 32]);
        let coordinator = self.coordinator.insecure_clone();
        self.expect_ok(&[ix], &[&coordinator]).await
    }

    pub async fn dispute(&mut self, escrow: Pubkey, party: &Keypair) {
        let ix = self.dispute_ix(escrow, party.pubkey());
        self.expect_ok(&[ix], &[party]).await;
    }

    pub async fn status(&mut self, escrow: &Pubkey) -> EscrowStatus {
        self.escrow(escrow).await.status
    }
}

/// Every account of a release, for substitution tests.
#[derive(Clone, Copy)]
pub struct ReleaseAccounts {
    pub coordinator: Pubkey,
    pub escrow: Pubkey,
    pub vault: Pubkey,
    pub mint: Pubkey,
    pub node_token: Pubkey,
    pub treasury_token: Pubkey,
    pub token_program: Pubkey,
}

/// `ix` with `key` present but not signing (the right key, without its signature).
pub fn unsigned(mut ix: Instruction, key: &Pubkey) -> Instruction {
    for meta in ix.accounts.iter_mut().filter(|m| m.pubkey == *key) {
        meta.is_signer = false;
    }
    ix
}
