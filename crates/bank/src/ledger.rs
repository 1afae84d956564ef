//! A bank whose slots end when its host says so, as a leader's do: each slot
//! registers exactly one blockhash (its last tick), so a blockhash stays
//! usable for `MAX_PROCESSING_AGE` (150) blocks, as on a cluster.
//!
//! `ProgramTestContext` cannot give this: a task of its own registers a new
//! blockhash every 64 ticks of 100 µs (6.4 ms), which retires a blockhash
//! within seconds. [`Ledger`] therefore sets up the bank itself, the way
//! `ProgramTest` does (same genesis, the same SPL and core BPF programs,
//! JobEscrow as a native builtin), and serves it over the same `BanksClient`.

use std::{
    sync::{Arc, RwLock},
    time::Duration,
};

use solana_accounts_db::epoch_accounts_hash::EpochAccountsHash;
use solana_program_runtime::loaded_programs::ProgramCacheEntry;
use solana_program_test::{programs, tokio::sync::OnceCell, BanksClient, ProgramTest};
use solana_runtime::{
    accounts_background_service::SnapshotRequestKind, bank::Bank, bank_forks::BankForks,
    commitment::BlockCommitmentCache, genesis_utils::create_genesis_config_with_leader_ex,
    runtime_config::RuntimeConfig, snapshot_config::SnapshotConfig,
    snapshot_controller::SnapshotController,
};
use solana_sdk::{
    clock::Slot,
    fee_calculator::{FeeRateGovernor, DEFAULT_TARGET_LAMPORTS_PER_SIGNATURE},
    genesis_config::{ClusterType, GenesisConfig},
    hash::Hash,
    native_token::LAMPORTS_PER_SOL,
    poh_config::PohConfig,
    pubkey::Pubkey,
    rent::Rent,
    signature::{Keypair, Signer},
    sysvar::{Sysvar, SysvarId},
};
use solana_vote_program::vote_state::VoteState;

use crate::{install_log_data_stubs, job_escrow_builtin, JOB_ESCROW_ID, JOB_ESCROW_NAME};

const MILLION_SOL: u64 = 1_000_000 * LAMPORTS_PER_SOL;

/// A cluster's default slot: 400 ms.
pub const DEFAULT_SLOT_DURATION: Duration = Duration::from_millis(400);

/// The bank, its forks and the client to it; see the module documentation.
pub struct Ledger {
    pub banks_client: BanksClient,
    /// Funded at genesis (1 000 000 SOL).
    pub payer: Keypair,
    genesis_config: GenesisConfig,
    bank_forks: Arc<RwLock<BankForks>>,
    commitment: Arc<RwLock<BlockCommitmentCache>>,
}

/// `ProgramTest`'s syscall stubs (native CPI, sysvars) are private to it and
/// installed when its first bank starts: start one, once, and drop it.
async fn install_program_test_stubs() {
    static STUBS: OnceCell<()> = OnceCell::const_new();
    STUBS
        .get_or_init(|| async {
            drop(ProgramTest::default().start_with_context().await);
        })
        .await;
}

impl Ledger {
    /// Genesis (slot 0, ended), then slot 1 open for transactions. The PoH
    /// config says `slot_duration`; the slots end only by [`Ledger::advance_slot`].
    pub async fn start(slot_duration: Duration) -> Ledger {
        install_program_test_stubs().await;
        let rent = Rent::default();
        let payer = Keypair::new();
        let validator = Pubkey::new_unique();
        let mut genesis_config = create_genesis_config_with_leader_ex(
            MILLION_SOL,
            &payer.pubkey(),
            &validator,
            &Pubkey::new_unique(),
            &Pubkey::new_unique(),
            rent.minimum_balance(VoteState::size_of()) + MILLION_SOL,
            42,
            FeeRateGovernor {
                lamports_per_signature: DEFAULT_TARGET_LAMPORTS_PER_SIGNATURE / 2,
                ..FeeRateGovernor::default()
            },
            rent.clone(),
            ClusterType::Development,
            vec![],
        );
        genesis_config.poh_config =
            PohConfig::new_sleep(slot_duration / genesis_config.ticks_per_slot as u32);

        let bank = Bank::new_with_paths(
            &genesis_config,
            Arc::new(RuntimeConfig::default()),
            Vec::default(),
            None,
            None,
            false,
            None,
            None,
            None,
            Arc::default(),
            None,
            None,
        );
        let is_active = |feature: &Pubkey| genesis_config.accounts.contains_key(feature);
        for (address, account) in programs::spl_programs(&rent)
            .into_iter()
            .chain(programs::core_bpf_programs(&rent, is_active))
        {
            bank.store_account(&address, &account);
        }
        bank.add_builtin(
            JOB_ESCROW_ID,
            JOB_ESCROW_NAME,
            ProgramCacheEntry::new_builtin(0, JOB_ESCROW_NAME.len(), job_escrow_builtin()),
        );
        bank.set_capitalization();
        let genesis = Arc::new(bank);
        genesis.fill_bank_with_ticks_for_tests();
        let bank = Bank::new_from_parent(genesis.clone(), genesis.collector_id(), 1);

        let bank_forks = BankForks::new_rw_arc(bank);
        let commitment = Arc::new(RwLock::new(BlockCommitmentCache::new_for_tests_with_slots(
            1, 1,
        )));
        let transport = solana_banks_server::banks_server::start_local_server(
            bank_forks.clone(),
            commitment.clone(),
            genesis_config.poh_config.target_tick_duration,
        )
        .await;
        let banks_client = solana_banks_client::start_client(transport)
            .await
            .expect("banks client");
        install_log_data_stubs();
        Ledger {
            banks_client,
            payer,
            genesis_config,
            bank_forks,
            commitment,
        }
    }

    pub fn genesis_config(&self) -> &GenesisConfig {
        &self.genesis_config
    }

    fn working_bank(&self) -> Arc<Bank> {
        self.bank_forks.read().unwrap().working_bank()
    }

    /// End the working slot as its leader does (the last tick registers the
    /// slot's one blockhash), root it and open the next. Returns the new slot.
    /// Transactions must not be processed meanwhile.
    pub fn advance_slot(&self) -> Slot {
        let mut forks = self.bank_forks.write().unwrap();
        let bank = forks.working_bank();
        bank.fill_bank_with_ticks_for_tests();
        bank.freeze();
        let slot = bank.slot();

        let (sender, requests) = crossbeam_channel::unbounded();
        let controller =
            SnapshotController::new(sender, SnapshotConfig::new_disabled(), forks.root());
        forks
            .set_root(slot, Some(&controller), Some(slot))
            .expect("a frozen working bank can be rooted");
        // No accounts-hash service runs here: settle the epoch accounts hash
        // requests that rooting sends, or a later bank's freeze waits forever.
        for request in requests
            .try_iter()
            .filter(|r| r.request_kind == SnapshotRequestKind::EpochAccountsHash)
        {
            let root = &request.snapshot_root_bank;
            root.rc
                .accounts
                .accounts_db
                .epoch_accounts_hash_manager
                .set_valid(EpochAccountsHash::new(Hash::new_unique()), root.slot());
        }

        let next = slot + 1;
        forks.insert(Bank::new_from_parent(
            bank.clone(),
            bank.collector_id(),
            next,
        ));
        self.commitment.write().unwrap().set_all_slots(next, next);
        next
    }

    /// The working slot's blockhash and the last block height at which it is
    /// still accepted, as a validator's `getLatestBlockhash` answers.
    pub fn latest_blockhash(&self) -> (Hash, u64) {
        let bank = self.working_bank();
        let blockhash = bank.last_blockhash();
        let last_valid = bank
            .get_blockhash_last_valid_block_height(&blockhash)
            .expect("the latest blockhash is in the queue");
        (blockhash, last_valid)
    }

    /// Whether a transaction with this blockhash would still be processed
    /// (at most `MAX_PROCESSING_AGE` blocks old), as `isBlockhashValid`.
    pub fn is_blockhash_valid(&self, blockhash: &Hash) -> bool {
        self.working_bank().is_blockhash_valid(blockhash)
    }

    /// Create or overwrite a sysvar in the working bank (the chain clock).
    pub fn set_sysvar<T: SysvarId + Sysvar>(&self, sysvar: &T) {
        self.working_bank().set_sysvar_for_tests(sysvar);
    }
}
