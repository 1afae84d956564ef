//! The chain: one bank, transactions processed one at a time (as a leader
//! would order them), a slot (and its one blockhash) per slot duration, and
//! the records a validator's RPC keeps about them.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc, Mutex as StdMutex,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use cyxwiz_bank::Ledger;
use solana_program_test::{BanksClient, BanksClientError};
use solana_sdk::{
    account::Account,
    clock::Clock,
    hash::Hash,
    message::Message,
    pubkey::Pubkey,
    signature::{Keypair, Signature, Signer},
    transaction::{Transaction, TransactionError, VersionedTransaction},
};
use tokio::sync::{broadcast, Mutex};

use crate::error::RpcError;

/// Everything a validator's RPC can tell about a processed transaction.
#[derive(Debug)]
pub struct ProcessedTx {
    pub signature: Signature,
    pub slot: u64,
    pub block_time: i64,
    pub transaction: VersionedTransaction,
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    pub fee: u64,
    pub pre_balances: Vec<u64>,
    pub post_balances: Vec<u64>,
    pub compute_units: u64,
    pub keys: Vec<Pubkey>,
}

/// A failed simulation (also what a failed preflight reports).
#[derive(Debug)]
pub struct Simulation {
    pub err: Option<TransactionError>,
    pub logs: Vec<String>,
    pub units_consumed: u64,
}

#[derive(Default)]
struct Records {
    txs: HashMap<Signature, Arc<ProcessedTx>>,
    /// Signatures touching each address, oldest first.
    by_address: HashMap<Pubkey, Vec<Signature>>,
    /// Owner of every account any transaction has touched: all accounts that
    /// can exist beyond genesis, so `getProgramAccounts` can be answered.
    owners: HashMap<Pubkey, Pubkey>,
    block_times: HashMap<u64, i64>,
}

pub struct Chain {
    ledger: Ledger,
    /// Held while a transaction is processed or a slot ends: one at a time.
    order: Mutex<()>,
    slot_duration: Duration,
    client: BanksClient,
    faucet: Keypair,
    genesis_hash: Hash,
    records: StdMutex<Records>,
    processed: broadcast::Sender<Arc<ProcessedTx>>,
    /// Chain time minus wall time, in seconds: moved by `cyxwiz_warpClock`.
    clock_offset: AtomicI64,
}

fn wall_clock() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

fn bank_error(e: BanksClientError) -> RpcError {
    RpcError::internal(format!("bank: {e}"))
}

impl Chain {
    pub async fn start(slot_duration: Duration) -> Arc<Chain> {
        let ledger = Ledger::start(slot_duration).await;
        let client = ledger.banks_client.clone();
        let faucet = ledger.payer.insecure_clone();
        let genesis_hash = ledger.genesis_config().hash();
        let (processed, _) = broadcast::channel(4096);
        let chain = Arc::new(Chain {
            ledger,
            order: Mutex::new(()),
            slot_duration,
            client,
            faucet,
            genesis_hash,
            records: StdMutex::new(Records::default()),
            processed,
            clock_offset: AtomicI64::new(0),
        });
        chain.index_genesis().await;
        tokio::spawn(Arc::clone(&chain).keep_clock());
        chain
    }

    /// Programs and the faucet exist from genesis; everything else appears
    /// through transactions.
    async fn index_genesis(&self) {
        let known = [
            self.faucet.pubkey(),
            cyxwiz_bank::JOB_ESCROW_ID,
            spl_token::ID,
            solana_sdk::pubkey!("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"),
            solana_sdk::pubkey!("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"),
        ];
        for key in known {
            if let Ok(Some(account)) = self.client.get_account(key).await {
                self.records
                    .lock()
                    .unwrap()
                    .owners
                    .insert(key, account.owner);
            }
        }
    }

    /// Blocks: a new slot every slot duration (400 ms, as a cluster produces
    /// them), each ending with its one blockhash, and a clock that follows
    /// wall time (plus any warp).
    async fn keep_clock(self: Arc<Self>) {
        let mut tick = tokio::time::interval(self.slot_duration);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let _order = self.order.lock().await;
            self.ledger.advance_slot();
            let target = wall_clock() + self.clock_offset.load(Ordering::Relaxed);
            if let Ok(mut clock) = self.client.get_sysvar::<Clock>().await {
                if clock.unix_timestamp != target {
                    clock.unix_timestamp = target;
                    self.ledger.set_sysvar(&clock);
                }
                self.records
                    .lock()
                    .unwrap()
                    .block_times
                    .insert(clock.slot, target);
            }
        }
    }

    pub fn transaction_count(&self) -> u64 {
        self.records.lock().unwrap().txs.len() as u64
    }

    pub fn block_time(&self, slot: u64) -> Option<i64> {
        self.records.lock().unwrap().block_times.get(&slot).copied()
    }

    pub fn faucet(&self) -> Pubkey {
        self.faucet.pubkey()
    }

    pub fn genesis_hash(&self) -> Hash {
        self.genesis_hash
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<ProcessedTx>> {
        self.processed.subscribe()
    }

    pub async fn slot(&self) -> Result<u64, RpcError> {
        self.client.get_root_slot().await.map_err(bank_error)
    }

    pub async fn block_height(&self) -> Result<u64, RpcError> {
        self.client
            .get_root_block_height()
            .await
            .map_err(bank_error)
    }

    pub async fn clock(&self) -> Result<Clock, RpcError> {
        self.client.get_sysvar::<Clock>().await.map_err(bank_error)
    }

    pub async fn sysvar<T: solana_sdk::sysvar::Sysvar>(&self) -> Result<T, RpcError> {
        self.client.get_sysvar::<T>().await.map_err(bank_error)
    }

    pub async fn account(&self, address: &Pubkey) -> Result<Option<Account>, RpcError> {
        self.client.get_account(*address).await.map_err(bank_error)
    }

    /// The latest blockhash and the last block height that accepts it.
    pub fn latest_blockhash(&self) -> (Hash, u64) {
        self.ledger.latest_blockhash()
    }

    pub async fn fee_for_message(&self, message: Message) -> Result<Option<u64>, RpcError> {
        self.client
            .get_fee_for_message(message)
            .await
            .map_err(bank_error)
    }

    /// Whether a transaction with this blockhash would still be processed.
    pub fn is_blockhash_valid(&self, blockhash: &Hash) -> bool {
        self.ledger.is_blockhash_valid(blockhash)
    }

    /// Addresses ever touched whose current owner (as last seen) is `owner`.
    pub fn addresses_owned_by(&self, owner: &Pubkey) -> BTreeSet<Pubkey> {
        let records = self.records.lock().unwrap();
        records
            .owners
            .iter()
            .filter(|(_, o)| *o == owner)
            .map(|(k, _)| *k)
            .collect()
    }

    pub fn transaction(&self, signature: &Signature) -> Option<Arc<ProcessedTx>> {
        self.records.lock().unwrap().txs.get(signature).cloned()
    }

    /// Newest first.
    pub fn signatures_for(&self, address: &Pubkey) -> Vec<Arc<ProcessedTx>> {
        let records = self.records.lock().unwrap();
        let Some(signatures) = records.by_address.get(address) else {
            return vec![];
        };
        signatures
            .iter()
            .rev()
            .filter_map(|s| records.txs.get(s).cloned())
            .collect()
    }

    pub async fn simulate(&self, tx: VersionedTransaction) -> Result<Simulation, RpcError> {
        let result = self
            .client
            .simulate_transaction(tx)
            .await
            .map_err(bank_error)?;
        let details = result.simulation_details;
        Ok(Simulation {
            err: result.result.and_then(|r| r.err()),
            logs: details.as_ref().map(|d| d.logs.clone()).unwrap_or_default(),
            units_consumed: details.map(|d| d.units_consumed).unwrap_or_default(),
        })
    }

    /// Submit a transaction as a validator's `sendTransaction` does: preflight
    /// (unless skipped), then process. Re-sending a processed transaction is
    /// harmless and returns its signature again.
    pub async fn send(
        &self,
        tx: VersionedTransaction,
        preflight: bool,
    ) -> Result<Signature, RpcError> {
        let signature = *tx
            .signatures
            .first()
            .ok_or_else(|| RpcError::invalid_params("transaction has no signature"))?;
        if tx.verify_with_results().iter().any(|ok| !ok) {
            return Err(RpcError::invalid_params(
                "transaction signature verification failure",
            ));
        }
        let order = self.order.lock().await;
        if self.transaction(&signature).is_some() {
            // A validator's preflight refuses a duplicate; without preflight
            // the duplicate is dropped and the signature answered again.
            if preflight {
                return Err(RpcError::preflight_failure(
                    TransactionError::AlreadyProcessed,
                    vec![],
                    0,
                ));
            }
            return Ok(signature);
        }
        if preflight {
            let simulation = self.simulate(tx.clone()).await?;
            if let Some(err) = simulation.err {
                return Err(RpcError::preflight_failure(
                    err,
                    simulation.logs,
                    simulation.units_consumed,
                ));
            }
        }
        let keys = tx.message.static_account_keys().to_vec();
        let pre_balances =
            futures::future::try_join_all(keys.iter().map(|k| self.client.get_balance(*k)))
                .await
                .map_err(bank_error)?;
        let fee = match &tx.message {
            solana_sdk::message::VersionedMessage::Legacy(m) => {
                self.fee_for_message(m.clone()).await?.unwrap_or(0)
            }
            solana_sdk::message::VersionedMessage::V0(_) => 0,
        };
        let result = self
            .client
            .process_transaction_with_metadata(tx.clone())
            .await
            .map_err(bank_error)?;
        let Some(metadata) = result.metadata else {
            // Not executed (bad blockhash, duplicate, malformed): a validator
            // drops such a transaction; nothing landed.
            return match result.result {
                Err(err) if preflight => Err(RpcError::preflight_failure(err, vec![], 0)),
                _ => Ok(signature),
            };
        };
        let accounts =
            futures::future::try_join_all(keys.iter().map(|k| self.client.get_account(*k)))
                .await
                .map_err(bank_error)?;
        let post_balances: Vec<u64> = accounts
            .iter()
            .map(|a| a.as_ref().map_or(0, |a| a.lamports))
            .collect();
        let owners: Vec<Option<Pubkey>> =
            accounts.into_iter().map(|a| a.map(|a| a.owner)).collect();
        let slot = self.slot().await?;
        let block_time = self.clock().await?.unix_timestamp;
        let processed = Arc::new(ProcessedTx {
            signature,
            slot,
            block_time,
            transaction: tx,
            err: result.result.err(),
            logs: metadata.log_messages,
            fee,
            pre_balances,
            post_balances,
            compute_units: metadata.compute_units_consumed,
            keys: keys.clone(),
        });
        {
            let mut records = self.records.lock().unwrap();
            for (key, owner) in keys.iter().zip(owners) {
                match owner {
                    Some(owner) => records.owners.insert(*key, owner),
                    None => records.owners.remove(key),
                };
                records.by_address.entry(*key).or_default().push(signature);
            }
            records.txs.insert(signature, Arc::clone(&processed));
        }
        drop(order);
        let _ = self.processed.send(processed);
        Ok(signature)
    }

    /// Lamports from the genesis faucet, as `requestAirdrop` on a test validator.
    pub async fn airdrop(&self, to: &Pubkey, lamports: u64) -> Result<Signature, RpcError> {
        let (blockhash, _) = self.latest_blockhash();
        let ix =
            solana_system_interface::instruction::transfer(&self.faucet.pubkey(), to, lamports);
        let tx = Transaction::new_signed_with_payer(
            &[ix],
            Some(&self.faucet.pubkey()),
            &[&self.faucet],
            blockhash,
        );
        self.send(VersionedTransaction::from(tx), true).await
    }

    /// Dev only: move the chain clock to `unix_timestamp` (either direction).
    pub async fn warp_clock(&self, unix_timestamp: i64) -> Result<i64, RpcError> {
        let _order = self.order.lock().await;
        let mut clock = self.clock().await?;
        clock.unix_timestamp = unix_timestamp;
        self.ledger.set_sysvar(&clock);
        self.clock_offset
            .store(unix_timestamp - wall_clock(), Ordering::Relaxed);
        Ok(unix_timestamp)
    }
}
