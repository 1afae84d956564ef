//! SPL Token accounts: balances and the accounts an owner holds.

use std::str::FromStr;

use serde_json::{json, Value};
use solana_sdk::{program_pack::Pack, pubkey::Pubkey};

use super::{accounts::render_account, method, with_context, Method, Outcome, Params};
use crate::{
    chain::Chain,
    encoding::{token_amount, AccountEncoding},
    error::RpcError,
};

pub const METHODS: &[Method] = &[
    method!("getTokenAccountBalance" => get_token_account_balance),
    method!("getTokenAccountsByOwner" => get_token_accounts_by_owner),
];

async fn get_token_account_balance(chain: &Chain, params: Params) -> Outcome {
    let address = params.pubkey(0, "tokenAccount")?;
    let account = chain
        .account(&address)
        .await?
        .ok_or_else(|| RpcError::invalid_params(format!("could not find account {address}")))?;
    let token = spl_token::state::Account::unpack(&account.data)
        .map_err(|_| RpcError::invalid_params(format!("{address} is not an SPL Token account")))?;
    let decimals = mint_decimals(chain, &token.mint).await?;
    with_context(chain, token_amount(token.amount, decimals)).await
}

async fn get_token_accounts_by_owner(chain: &Chain, params: Params) -> Outcome {
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

/// The decimals of the SPL Token mint at `mint`.
pub async fn mint_decimals(chain: &Chain, mint: &Pubkey) -> Result<u8, RpcError> {
    let account = chain
        .account(mint)
        .await?
        .ok_or_else(|| RpcError::internal(format!("mint {mint} not found")))?;
    spl_token::state::Mint::unpack(&account.data)
        .map(|m| m.decimals)
        .map_err(|_| RpcError::internal(format!("{mint} is not an SPL Token mint")))
}
