//! Accounts: balances, account data (raw or parsed) and program account scans.

use std::str::FromStr;

use serde_json::{json, Value};
use solana_sdk::{account::Account, program_pack::Pack, pubkey::Pubkey};

use super::{method, tokens::mint_decimals, with_context, Method, Outcome, Params};
use crate::{
    chain::Chain,
    encoding::{account_json, parsed_token_json, AccountEncoding, DataSlice, Filter},
    error::RpcError,
};

const MAX_MULTIPLE_ACCOUNTS: usize = 100;

pub const METHODS: &[Method] = &[
    method!("getBalance" => get_balance),
    method!("getAccountInfo" => get_account_info),
    method!("getMultipleAccounts" => get_multiple_accounts),
    method!("getProgramAccounts" => get_program_accounts),
];

async fn get_balance(chain: &Chain, params: Params) -> Outcome {
    let address = params.pubkey(0, "address")?;
    let lamports = chain
        .account(&address)
        .await?
        .map(|a| a.lamports)
        .unwrap_or(0);
    with_context(chain, json!(lamports)).await
}

async fn get_account_info(chain: &Chain, params: Params) -> Outcome {
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

async fn get_multiple_accounts(chain: &Chain, params: Params) -> Outcome {
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
                RpcError::invalid_params(format!("addresses[{i}] is not a valid public key"))
            })?;
        values.push(match chain.account(&address).await? {
            Some(account) => render_account(chain, &account, encoding, slice).await,
            None => Value::Null,
        });
    }
    with_context(chain, json!(values)).await
}

async fn get_program_accounts(chain: &Chain, params: Params) -> Outcome {
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

/// An account in the requested encoding (parsing SPL Token accounts for `jsonParsed`).
pub async fn render_account(
    chain: &Chain,
    account: &Account,
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
