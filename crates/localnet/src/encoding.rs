//! Wire formats of the Solana RPC: accounts, filters, transactions.

use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use serde_json::{json, Value};
use solana_sdk::{account::Account, pubkey::Pubkey, transaction::VersionedTransaction};

use crate::{chain::ProcessedTx, error::RpcError};

/// Accounts are answered in the encoding asked for; `jsonParsed` parses SPL
/// Token accounts and mints and falls back to base64 for anything else, as a
/// validator does for accounts it has no parser for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountEncoding {
    Base64,
    Base58,
    JsonParsed,
}

impl AccountEncoding {
    pub fn from_config(config: &Value) -> Result<Self, RpcError> {
        match config.get("encoding").and_then(Value::as_str) {
            None | Some("base64") => Ok(Self::Base64),
            Some("jsonParsed") => Ok(Self::JsonParsed),
            Some("base58") | Some("binary") => Ok(Self::Base58),
            Some(other) => Err(RpcError::invalid_params(format!(
                "unsupported encoding {other:?} (use base64, base58 or jsonParsed)"
            ))),
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct DataSlice {
    pub offset: usize,
    pub length: usize,
}

impl DataSlice {
    pub fn from_config(config: &Value) -> Result<Option<Self>, RpcError> {
        let Some(slice) = config.get("dataSlice") else {
            return Ok(None);
        };
        let field = |name: &str| {
            slice
                .get(name)
                .and_then(Value::as_u64)
                .map(|v| v as usize)
                .ok_or_else(|| {
                    RpcError::invalid_params(format!("dataSlice.{name} must be a number"))
                })
        };
        Ok(Some(Self {
            offset: field("offset")?,
            length: field("length")?,
        }))
    }
}

pub fn account_json(
    account: &Account,
    encoding: AccountEncoding,
    slice: Option<DataSlice>,
) -> Value {
    let data: &[u8] = match slice {
        Some(s) => {
            let start = s.offset.min(account.data.len());
            let end = start.saturating_add(s.length).min(account.data.len());
            &account.data[start..end]
        }
        None => &account.data,
    };
    let data = match encoding {
        AccountEncoding::Base64 | AccountEncoding::JsonParsed => {
            json!([BASE64.encode(data), "base64"])
        }
        AccountEncoding::Base58 => json!([bs58::encode(data).into_string(), "base58"]),
    };
    json!({
        "data": data,
        "executable": account.executable,
        "lamports": account.lamports,
        "owner": account.owner.to_string(),
        "rentEpoch": account.rent_epoch,
        "space": account.data.len(),
    })
}

/// The `jsonParsed` form of an SPL Token mint, or of a token account given its
/// mint's decimals.
pub fn parsed_token_json(account: &Account, mint_decimals: Option<u8>) -> Option<Value> {
    use solana_sdk::program_pack::Pack;
    use spl_token::state::{Account as TokenAccount, AccountState, Mint};
    if account.owner != spl_token::ID {
        return None;
    }
    let parsed = if let (Ok(token), Some(decimals)) =
        (TokenAccount::unpack(&account.data), mint_decimals)
    {
        let state = match token.state {
            AccountState::Uninitialized => "uninitialized",
            AccountState::Initialized => "initialized",
            AccountState::Frozen => "frozen",
        };
        json!({
            "type": "account",
            "info": {
                "isNative": token.is_native.is_some(),
                "mint": token.mint.to_string(),
                "owner": token.owner.to_string(),
                "state": state,
                "tokenAmount": token_amount(token.amount, decimals),
            },
        })
    } else if let Ok(mint) = Mint::unpack(&account.data) {
        json!({
            "type": "mint",
            "info": {
                "decimals": mint.decimals,
                "freezeAuthority": Option::<Pubkey>::from(mint.freeze_authority).map(|k| k.to_string()),
                "isInitialized": mint.is_initialized,
                "mintAuthority": Option::<Pubkey>::from(mint.mint_authority).map(|k| k.to_string()),
                "supply": mint.supply.to_string(),
            },
        })
    } else {
        return None;
    };
    Some(json!({
        "data": { "program": "spl-token", "parsed": parsed, "space": account.data.len() },
        "executable": account.executable,
        "lamports": account.lamports,
        "owner": account.owner.to_string(),
        "rentEpoch": account.rent_epoch,
        "space": account.data.len(),
    }))
}

/// A token amount as the RPC writes it.
pub fn token_amount(amount: u64, decimals: u8) -> Value {
    let scale = 10u128.pow(u32::from(decimals));
    let whole = u128::from(amount) / scale;
    let fraction = u128::from(amount) % scale;
    let text = if fraction == 0 {
        whole.to_string()
    } else {
        let digits = format!("{fraction:0width$}", width = decimals as usize);
        format!("{whole}.{}", digits.trim_end_matches('0'))
    };
    json!({
        "amount": amount.to_string(),
        "decimals": decimals,
        "uiAmount": amount as f64 / scale as f64,
        "uiAmountString": text,
    })
}

/// `getProgramAccounts` filters.
pub enum Filter {
    DataSize(usize),
    Memcmp { offset: usize, bytes: Vec<u8> },
}

impl Filter {
    pub fn parse_all(config: &Value) -> Result<Vec<Filter>, RpcError> {
        let Some(filters) = config.get("filters") else {
            return Ok(vec![]);
        };
        let filters = filters
            .as_array()
            .ok_or_else(|| RpcError::invalid_params("filters must be an array"))?;
        filters.iter().map(Filter::parse).collect()
    }

    fn parse(filter: &Value) -> Result<Filter, RpcError> {
        if let Some(size) = filter.get("dataSize") {
            let size = size
                .as_u64()
                .ok_or_else(|| RpcError::invalid_params("dataSize must be a number"))?;
            return Ok(Filter::DataSize(size as usize));
        }
        let memcmp = filter
            .get("memcmp")
            .ok_or_else(|| RpcError::invalid_params("a filter is {dataSize} or {memcmp}"))?;
        let offset = memcmp
            .get("offset")
            .and_then(Value::as_u64)
            .ok_or_else(|| RpcError::invalid_params("memcmp.offset must be a number"))?
            as usize;
        let text = memcmp
            .get("bytes")
            .and_then(Value::as_str)
            .ok_or_else(|| RpcError::invalid_params("memcmp.bytes must be a string"))?;
        let bytes = match memcmp.get("encoding").and_then(Value::as_str) {
            None | Some("base58") => bs58::decode(text).into_vec().ok(),
            Some("base64") => BASE64.decode(text).ok(),
            Some(other) => {
                return Err(RpcError::invalid_params(format!(
                    "unknown memcmp encoding {other:?}"
                )))
            }
        }
        .ok_or_else(|| RpcError::invalid_params("memcmp.bytes does not decode"))?;
        Ok(Filter::Memcmp { offset, bytes })
    }

    pub fn matches(&self, data: &[u8]) -> bool {
        match self {
            Filter::DataSize(size) => data.len() == *size,
            Filter::Memcmp { offset, bytes } => data
                .get(*offset..offset.saturating_add(bytes.len()))
                .is_some_and(|window| window == bytes.as_slice()),
        }
    }
}

pub fn decode_transaction(
    text: &str,
    encoding: Option<&str>,
) -> Result<VersionedTransaction, RpcError> {
    let bytes = match encoding.unwrap_or("base58") {
        "base58" => bs58::decode(text)
            .into_vec()
            .map_err(|e| RpcError::invalid_params(format!("base58: {e}")))?,
        "base64" => BASE64
            .decode(text)
            .map_err(|e| RpcError::invalid_params(format!("base64: {e}")))?,
        other => {
            return Err(RpcError::invalid_params(format!(
                "unsupported transaction encoding {other:?}"
            )))
        }
    };
    bincode::deserialize(&bytes)
        .map_err(|e| RpcError::invalid_params(format!("failed to deserialize transaction: {e}")))
}

pub fn status_json(err: &Option<solana_sdk::transaction::TransactionError>) -> Value {
    match err {
        None => json!({ "Ok": null }),
        Some(e) => json!({ "Err": e }),
    }
}

/// `getTransaction` in `json` or `base64` encoding.
pub fn transaction_json(tx: &ProcessedTx, encoding: &str) -> Result<Value, RpcError> {
    let message = &tx.transaction.message;
    let version = match message {
        solana_sdk::message::VersionedMessage::Legacy(_) => json!("legacy"),
        solana_sdk::message::VersionedMessage::V0(_) => json!(0),
    };
    let transaction = match encoding {
        "base64" => json!([
            BASE64.encode(bincode::serialize(&tx.transaction).unwrap_or_default()),
            "base64"
        ]),
        "json" => {
            let header = message.header();
            let instructions: Vec<Value> = message
                .instructions()
                .iter()
                .map(|ix| {
                    json!({
                        "programIdIndex": ix.program_id_index,
                        "accounts": ix.accounts,
                        "data": bs58::encode(&ix.data).into_string(),
                        "stackHeight": null,
                    })
                })
                .collect();
            json!({
                "signatures": tx.transaction.signatures.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "message": {
                    "accountKeys": message.static_account_keys().iter().map(Pubkey::to_string).collect::<Vec<_>>(),
                    "header": {
                        "numRequiredSignatures": header.num_required_signatures,
                        "numReadonlySignedAccounts": header.num_readonly_signed_accounts,
                        "numReadonlyUnsignedAccounts": header.num_readonly_unsigned_accounts,
                    },
                    "recentBlockhash": message.recent_blockhash().to_string(),
                    "instructions": instructions,
                    "addressTableLookups": [],
                },
            })
        }
        other => {
            return Err(RpcError::invalid_params(format!(
                "unsupported transaction encoding {other:?} (use json or base64)"
            )))
        }
    };
    Ok(json!({
        "slot": tx.slot,
        "blockTime": tx.block_time,
        "version": version,
        "transaction": transaction,
        "meta": {
            "err": tx.err,
            "status": status_json(&tx.err),
            "fee": tx.fee,
            "preBalances": tx.pre_balances,
            "postBalances": tx.post_balances,
            "innerInstructions": [],
            "logMessages": tx.logs,
            "preTokenBalances": [],
            "postTokenBalances": [],
            "rewards": [],
            "loadedAddresses": { "writable": [], "readonly": [] },
            "computeUnitsConsumed": tx.compute_units,
        },
    }))
}
