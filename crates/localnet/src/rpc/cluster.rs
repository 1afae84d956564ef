//! The node itself: health, version, identity, fees and rent.

use serde_json::json;
use solana_sdk::rent::Rent;

use super::{method, Method, Outcome, Params, API_VERSION};
use crate::chain::Chain;

pub const METHODS: &[Method] = &[
    method!("getHealth" => get_health),
    method!("getVersion" => get_version),
    method!("getGenesisHash" => get_genesis_hash),
    method!("getIdentity" => get_identity),
    method!("getRecentPrioritizationFees" => get_recent_prioritization_fees),
    method!("getMinimumBalanceForRentExemption" => get_minimum_balance_for_rent_exemption),
];

async fn get_health(_chain: &Chain, _params: Params) -> Outcome {
    Ok(json!("ok"))
}

async fn get_version(_chain: &Chain, _params: Params) -> Outcome {
    Ok(json!({ "solana-core": API_VERSION, "feature-set": 0 }))
}

async fn get_genesis_hash(chain: &Chain, _params: Params) -> Outcome {
    Ok(json!(chain.genesis_hash().to_string()))
}

async fn get_identity(chain: &Chain, _params: Params) -> Outcome {
    Ok(json!({ "identity": chain.faucet().to_string() }))
}

async fn get_recent_prioritization_fees(_chain: &Chain, _params: Params) -> Outcome {
    Ok(json!([]))
}

async fn get_minimum_balance_for_rent_exemption(chain: &Chain, params: Params) -> Outcome {
    let size = params.u64(0, "dataLength")? as usize;
    let rent: Rent = chain.sysvar().await?;
    Ok(json!(rent.minimum_balance(size)))
}
