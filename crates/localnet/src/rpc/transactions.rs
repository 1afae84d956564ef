//! Transactions: fees, sending, simulation, statuses, history and airdrops.

use serde_json::{json, Value};
use solana_sdk::message::VersionedMessage;

use super::{method, signature, with_context, Method, Outcome, Params};
use crate::{
    chain::Chain,
    encoding::{decode_transaction, status_json, transaction_json},
    error::RpcError,
};

const MAX_AIRDROP_LAMPORTS: u64 = 1_000 * 1_000_000_000;
const MAX_SIGNATURE_STATUSES: usize = 256;

pub const METHODS: &[Method] = &[
    method!("getFeeForMessage" => get_fee_for_message),
    method!("sendTransaction" => send_transaction),
    method!("simulateTransaction" => simulate_transaction),
    method!("getSignatureStatuses" => get_signature_statuses),
    method!("getTransaction" => get_transaction),
    method!("getSignaturesForAddress" => get_signatures_for_address),
    method!("requestAirdrop" => request_airdrop),
];

async fn get_fee_for_message(chain: &Chain, params: Params) -> Outcome {
    let text = params.str(0, "message")?;
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, text)
        .map_err(|_| RpcError::invalid_params("message must be base64"))?;
    let message: VersionedMessage = bincode::deserialize(&bytes)
        .map_err(|e| RpcError::invalid_params(format!("failed to deserialize message: {e}")))?;
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

async fn send_transaction(chain: &Chain, params: Params) -> Outcome {
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

async fn simulate_transaction(chain: &Chain, params: Params) -> Outcome {
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

async fn get_signature_statuses(chain: &Chain, params: Params) -> Outcome {
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

async fn get_transaction(chain: &Chain, params: Params) -> Outcome {
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

async fn get_signatures_for_address(chain: &Chain, params: Params) -> Outcome {
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

async fn request_airdrop(chain: &Chain, params: Params) -> Outcome {
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
