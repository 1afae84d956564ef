//! Solana JSON-RPC over HTTP: the methods this product's clients call.

use std::{str::FromStr, sync::Arc};

use serde_json::{json, Value};
use solana_sdk::{
    epoch_schedule::EpochSchedule, hash::Hash, message::VersionedMessage, program_pack::Pack,
    pubkey::Pubkey, rent::Rent, signature::Signature,
};

use crate::{
    chain::Chain,
    encoding::{
        account_json, decode_transaction, parsed_token_json, status_json, token_amount,
        transaction_json, AccountEncoding, DataSlice, Filter,
    },
    error::RpcError,
};

pub const API_VERSION: &str = "2.3.13";
const MAX_AIRDROP_LAMPORTS: u64 = 1_000 * 1_000_000_000;
const MAX_MULTIPLE_ACCOUNTS: usize = 100;
const MAX_SIGNATURE_STATUSES: usize = 256;

/// Every method `dispatch` serves (also printed at start-up).
pub const METHODS: &[&str] = &[
    "getAccountInfo",
    "getBalance",
    "getBlockHeight",
    "getBlockTime",
    "getEpochInfo",
    "getEpochSchedule",
    "getFeeForMessage",
    "getGenesisHash",
    "getHealth",
    "getIdentity",
    "getLatestBlockhash",
    "getMinimumBalanceForRentExemption",
    "getMultipleAccounts",
    "getProgramAccounts",
    "getRecentPrioritizationFees",
    "getSignatureStatuses",
    "getSignaturesForAddress",
    "getSlot",
    "getTokenAccountBalance",
    "getTokenAccountsByOwner",
    "getTransaction",
    "getVersion",
    "isBlockhashValid",
    "requestAirdrop",
    "sendTransaction",
    "simulateTransaction",
    "cyxwiz_warpClock",
];

/// Positional parameters of a request.
pub struct Params(Vec<Value>);

impl Params {
    pub fn new(params: Option<Value>) -> Result<Self, RpcError> {
        match params {
            None | Some(Value::Null) => Ok(Self(vec![])),
            Some(Value::Array(values)) => Ok(Self(values)),
            Some(_) => Err(RpcError::invalid_params("params must be an array")),
        }
    }

    fn get(&self, index: usize) -> Option<&Value> {
        self.0.get(index).filter(|v| !v.is_null())
    }

    pub fn str(&self, index: usize, name: &str) -> Result<&str, RpcError> {
        self.get(index).and_then(Value::as_str).ok_or_else(|| {
            RpcError::invalid_params(format!("parameter {index} ({name}) must be a string"))
        })
    }

    pub fn pubkey(&self, index: usize, name: &str) -> Result<Pubkey, RpcError> {
        let text = self.str(index, name)?;
        Pubkey::from_str(text).map_err(|_| {
            RpcError::invalid_params(format!("{name} is not a valid public key: {text:?}"))
        })
    }

    pub fn u64(&self, index: usize, name: &str) -> Result<u64, RpcError> {
        self.get(index).and_then(Value::as_u64).ok_or_else(|| {
            RpcError::invalid_params(format!(
                "parameter {index} ({name}) must be a non-negative integer"
            ))
        })
    }

    pub fn config(&self, index: usize) -> Result<Value, RpcError> {
        match self.get(index) {
            None => Ok(json!({})),
            Some(v @ Value::Object(_)) => Ok(v.clone()),
            Some(_) => Err(RpcError::invalid_params(format!(
                "parameter {index} must be a config object"
            ))),
        }
    }

    fn array(&self, index: usize, name: &str) -> Result<&Vec<Value>, RpcError> {
        self.get(index).and_then(Value::as_array).ok_or_else(|| {
            RpcError::invalid_params(format!("parameter {index} ({name}) must be an array"))
        })
    }
}

fn signature(text: &str) -> Result<Signature, RpcError> {
    Signature::from_str(text)
        .map_err(|_| RpcError::invalid_params(format!("not a valid signature: {text:?}")))
}

async fn context(chain: &Chain) -> Result<Value, RpcError> {
    Ok(json!({ "slot": chain.slot().await?, "apiVersion": API_VERSION }))
}

async fn with_context(chain: &Chain, value: Value) -> Result<Value, RpcError> {
    Ok(json!({ "context": context(chain).await?, "value": value }))
}

pub async fn dispatch(chain: &Arc<Chain>, method: &str, params: Params) -> Result<Value, RpcError> {
    match method {
        "getHealth" => Ok(json!("ok")),
        "getVersion" => Ok(json!({ "solana-core": API_VERSION, "feature-set": 0 })),
        "getGenesisHash" => Ok(json!(chain.genesis_hash().to_string())),
        "getIdentity" => Ok(json!({ "identity": chain.faucet().to_string() })),
        "getSlot" => Ok(json!(chain.slot().await?)),
        "getBlockHeight" => Ok(json!(chain.block_height().await?)),
        "getEpochSchedule" => {
            let s: EpochSchedule = chain.sysvar().await?;
            Ok(json!({
                "slotsPerEpoch": s.slots_per_epoch,
                "leaderScheduleSlotOffset": s.leader_schedule_slot_offset,
                "warmup": s.warmup,
                "firstNormalEpoch": s.first_normal_epoch,
                "firstNormalSlot": s.first_normal_slot,
            }))
        }
        "getEpochInfo" => {
            let slot = chain.slot().await?;
            let schedule: EpochSchedule = chain.sysvar().await?;
            let (epoch, slot_index) = schedule.get_epoch_and_slot_index(slot);
            Ok(json!({
                "absoluteSlot": slot,
                "blockHeight": chain.block_height().await?,
                "epoch": epoch,
                "slotIndex": slot_index,
                "slotsInEpoch": schedule.get_slots_in_epoch(epoch),
                "transactionCount": chain.transaction_count(),
            }))
        }
        "getRecentPrioritizationFees" => Ok(json!([])),
        "getBlockTime" => {
            let slot = params.u64(0, "slot")?;
            let current = chain.clock().await?;
            let time = if slot == current.slot {
                Some(current.unix_timestamp)
            } else {
                chain.block_time(slot)
            };
            time.map(|t| json!(t)).ok_or_else(|| {
                RpcError::with_code(-32004, format!("Block not available for slot {slot}"))
            })
        }
        "getMinimumBalanceForRentExemption" => {
            let size = params.u64(0, "dataLength")? as usize;
            let rent: Rent = chain.sysvar().await?;
            Ok(json!(rent.minimum_balance(size)))
        }
        "getBalance" => {
            let address = params.pubkey(0, "address")?;
            let lamports = chain
                .account(&address)
                .await?
                .map(|a| a.lamports)
                .unwrap_or(0);
            with_context(chain, json!(lamports)).await
        }
        "getAccountInfo" => {
            let address = params.pubkey(0, "address")?;
            let config = params.config(1)?;
            let encoding = AccountEncoding::from_config(&config)?;
            let slice = DataSlice::from_config(&config)?;
            let value = match chain.account(&address).await? {
                Some(account) => render_account(chain, &account, encoding, slice).await,
                None => Value::Null,
            };
            with_context(chain, value).await
        }
        "getMultipleAccounts" => {
            let addresses = params.array(0, "addresses")?;
            if addresses.len() > MAX_MULTIPLE_ACCOUNTS {
                return Err(RpcError::invalid_params(format!(
                    "too many addresses (max {MAX_MULTIPLE_ACCOUNTS})"
                )));
            }
            let config = params.config(1)?;
            let encoding = AccountEncoding::from_config(&config)?;
            let slice = DataSlice::from_config(&config)?;
            let mut values = Vec::with_capacity(addresses.len());
            for (i, address) in addresses.iter().enumerate() {
                let address = address
                    .as_str()
                    .and_then(|s| Pubkey::from_str(s).ok())
                    .ok_or_else(|| {
                        RpcError::invalid_params(format!(
                            "addresses[{i}] is not a valid public key"
                        ))
                    })?;
                values.push(match chain.account(&address).await? {
                    Some(account) => render_account(chain, &account, encoding, slice).await,
                    None => Value::Null,
                });
            }
            with_context(chain, json!(values)).await
        }
        "getProgramAccounts" => {
            let program = params.pubkey(0, "programId")?;
            let config = params.config(1)?;
            let encoding = AccountEncoding::from_config(&config)?;
            let slice = DataSlice::from_config(&config)?;
            let filters = Filter::parse_all(&config)?;
            let mut values = vec![];
            for address in chain.addresses_owned_by(&program) {
                let Some(account) = chain.account(&address).await? else {
                    continue;
                };
                if account.owner != program || !filters.iter().all(|f| f.matches(&account.data)) {
                    continue;
                }
                let rendered = render_account(chain, &account, encoding, slice).await;
                values.push(json!({ "pubkey": address.to_string(), "account": rendered }));
            }
            if config
                .get("withContext")
                .and_then(Value::as_bool)
                .unwrap_or(false)
            {
                with_context(chain, json!(values)).await
            } else {
                Ok(json!(values))
            }
        }
        "getTokenAccountBalance" => {
            let address = params.pubkey(0, "tokenAccount")?;
            let account = chain.account(&address).await?.ok_or_else(|| {
                RpcError::invalid_params(format!("could not find account {address}"))
            })?;
            let token = spl_token::state::Account::unpack(&account.data).map_err(|_| {
                RpcError::invalid_params(format!("{address} is not an SPL Token account"))
            })?;
            let decimals = mint_decimals(chain, &token.mint).await?;
            with_context(chain, token_amount(token.amount, decimals)).await
        }
        "getTokenAccountsByOwner" => {
            let owner = params.pubkey(0, "owner")?;
            let selector = params.config(1)?;
            let mint = match selector.get("mint").and_then(Value::as_str) {
                Some(m) => Some(
                    Pubkey::from_str(m)
                        .map_err(|_| RpcError::invalid_params("mint is not a valid public key"))?,
                ),
                None if selector.get("programId").is_some() => None,
                None => {
                    return Err(RpcError::invalid_params(
                        "second parameter must be {mint} or {programId}",
                    ))
                }
            };
            let config = params.config(2)?;
            let encoding = AccountEncoding::from_config(&config)?;
            let mut values = vec![];
            for address in chain.addresses_owned_by(&spl_token::ID) {
                let Some(account) = chain.account(&address).await? else {
                    continue;
                };
                let Ok(token) = spl_token::state::Account::unpack(&account.data) else {
                    continue;
                };
                if token.owner == owner && mint.is_none_or(|m| m == token.mint) {
                    let rendered = render_account(chain, &account, encoding, None).await;
                    values.push(json!({ "pubkey": address.to_string(), "account": rendered }));
                }
            }
            with_context(chain, json!(values)).await
        }
        "getLatestBlockhash" => {
            let (blockhash, last_valid) = chain.latest_blockhash();
            with_context(
                chain,
                json!({ "blockhash": blockhash.to_string(), "lastValidBlockHeight": last_valid }),
            )
            .await
        }
        "isBlockhashValid" => {
            let text = params.str(0, "blockhash")?;
            let hash = Hash::from_str(text).map_err(|_| {
                RpcError::invalid_params(format!("not a valid blockhash: {text:?}"))
            })?;
            let valid = chain.is_blockhash_valid(&hash);
            with_context(chain, json!(valid)).await
        }
        "getFeeForMessage" => {
            let text = params.str(0, "message")?;
            let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, text)
                .map_err(|_| RpcError::invalid_params("message must be base64"))?;
            let message: VersionedMessage = bincode::deserialize(&bytes).map_err(|e| {
                RpcError::invalid_params(format!("failed to deserialize message: {e}"))
            })?;
            let fee = match message {
                VersionedMessage::Legacy(m) => chain.fee_for_message(m).await?,
                VersionedMessage::V0(_) => {
                    return Err(RpcError::invalid_params(
                        "v0 messages are not supported by the localnet",
                    ))
                }
            };
            with_context(chain, json!(fee)).await
        }
        "sendTransaction" => {
            let config = params.config(1)?;
            let tx = decode_transaction(
                params.str(0, "transaction")?,
                config.get("encoding").and_then(Value::as_str),
            )?;
            let preflight = !config
                .get("skipPreflight")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            Ok(json!(chain.send(tx, preflight).await?.to_string()))
        }
        "simulateTransaction" => {
            let config = params.config(1)?;
            let tx = decode_transaction(
                params.str(0, "transaction")?,
                config.get("encoding").and_then(Value::as_str),
            )?;
            let simulation = chain.simulate(tx).await?;
            with_context(
                chain,
                json!({
                    "err": simulation.err,
                    "logs": simulation.logs,
                    "accounts": null,
                    "unitsConsumed": simulation.units_consumed,
                    "returnData": null,
                    "innerInstructions": null,
                }),
            )
            .await
        }
        "getSignatureStatuses" => {
            let signatures = params.array(0, "signatures")?;
            if signatures.len() > MAX_SIGNATURE_STATUSES {
                return Err(RpcError::invalid_params(format!(
                    "too many signatures (max {MAX_SIGNATURE_STATUSES})"
                )));
            }
            let mut values = Vec::with_capacity(signatures.len());
            for s in signatures {
                let sig = signature(s.as_str().unwrap_or_default())?;
                values.push(match chain.transaction(&sig) {
                    Some(tx) => json!({
                        "slot": tx.slot,
                        "confirmations": null,
                        "err": tx.err,
                        "status": status_json(&tx.err),
                        "confirmationStatus": "finalized",
                    }),
                    None => Value::Null,
                });
            }
            with_context(chain, json!(values)).await
        }
        "getTransaction" => {
            let sig = signature(params.str(0, "signature")?)?;
            let config = params.config(1)?;
            let encoding = config
                .get("encoding")
                .and_then(Value::as_str)
                .unwrap_or("json");
            match chain.transaction(&sig) {
                Some(tx) => transaction_json(&tx, encoding),
                None => Ok(Value::Null),
            }
        }
        "getSignaturesForAddress" => {
            let address = params.pubkey(0, "address")?;
            let config = params.config(1)?;
            let limit = config
                .get("limit")
                .and_then(Value::as_u64)
                .unwrap_or(1000)
                .min(1000) as usize;
            let before = config
                .get("before")
                .and_then(Value::as_str)
                .map(signature)
                .transpose()?;
            let until = config
                .get("until")
                .and_then(Value::as_str)
                .map(signature)
                .transpose()?;
            let mut out = vec![];
            let mut started = before.is_none();
            for tx in chain.signatures_for(&address) {
                if !started {
                    started = Some(tx.signature) == before;
                    continue;
                }
                if Some(tx.signature) == until || out.len() >= limit {
                    break;
                }
                out.push(json!({
                    "signature": tx.signature.to_string(),
                    "slot": tx.slot,
                    "err": tx.err,
                    "memo": null,
                    "blockTime": tx.block_time,
                    "confirmationStatus": "finalized",
                }));
            }
            Ok(json!(out))
        }
        "requestAirdrop" => {
            let to = params.pubkey(0, "address")?;
            let lamports = params.u64(1, "lamports")?;
            if lamports == 0 || lamports > MAX_AIRDROP_LAMPORTS {
                return Err(RpcError::invalid_params(format!(
                    "airdrop must be between 1 lamport and {} SOL",
                    MAX_AIRDROP_LAMPORTS / 1_000_000_000
                )));
            }
            Ok(json!(chain.airdrop(&to, lamports).await?.to_string()))
        }
        "cyxwiz_warpClock" => {
            let config = params.config(0)?;
            let now = chain.clock().await?.unix_timestamp;
            let target = match (config.get("unixTimestamp"), config.get("seconds")) {
                (Some(t), None) => t.as_i64(),
                (None, Some(s)) => s.as_i64().and_then(|s| now.checked_add(s)),
                _ => None,
            }
            .ok_or_else(|| {
                RpcError::invalid_params(
                    "cyxwiz_warpClock takes [{\"unixTimestamp\": n}] or [{\"seconds\": n}]",
                )
            })?;
            Ok(json!({ "unixTimestamp": chain.warp_clock(target).await? }))
        }
        _ => Err(RpcError::method_not_found(method)),
    }
}

/// An account in the requested encoding (parsing SPL Token accounts for `jsonParsed`).
pub async fn render_account(
    chain: &Chain,
    account: &solana_sdk::account::Account,
    encoding: AccountEncoding,
    slice: Option<DataSlice>,
) -> Value {
    if encoding == AccountEncoding::JsonParsed && slice.is_none() {
        let decimals = match spl_token::state::Account::unpack(&account.data) {
            Ok(token) => mint_decimals(chain, &token.mint).await.ok(),
            Err(_) => None,
        };
        if let Some(parsed) = parsed_token_json(account, decimals) {
            return parsed;
        }
    }
    account_json(account, encoding, slice)
}

async fn mint_decimals(chain: &Chain, mint: &Pubkey) -> Result<u8, RpcError> {
    let account = chain
        .account(mint)
        .await?
        .ok_or_else(|| RpcError::internal(format!("mint {mint} not found")))?;
    spl_token::state::Mint::unpack(&account.data)
        .map(|m| m.decimals)
        .map_err(|_| RpcError::internal(format!("{mint} is not an SPL Token mint")))
}
