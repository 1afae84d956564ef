//! Slots, blocks, epochs and blockhashes.

use std::str::FromStr;

use serde_json::json;
use solana_sdk::{epoch_schedule::EpochSchedule, hash::Hash};

use super::{method, with_context, Method, Outcome, Params};
use crate::{chain::Chain, error::RpcError};

pub const METHODS: &[Method] = &[
    method!("getSlot" => get_slot),
    method!("getBlockHeight" => get_block_height),
    method!("getBlockTime" => get_block_time),
    method!("getEpochSchedule" => get_epoch_schedule),
    method!("getEpochInfo" => get_epoch_info),
    method!("getLatestBlockhash" => get_latest_blockhash),
    method!("isBlockhashValid" => is_blockhash_valid),
];

async fn get_slot(chain: &Chain, _params: Params) -> Outcome {
    Ok(json!(chain.slot().await?))
}

async fn get_block_height(chain: &Chain, _params: Params) -> Outcome {
    Ok(json!(chain.block_height().await?))
}

async fn get_block_time(chain: &Chain, params: Params) -> Outcome {
    let slot = params.u64(0, "slot")?;
    let current = chain.clock().await?;
    let time = if slot == current.slot {
        Some(current.unix_timestamp)
    } else {
        chain.block_time(slot)
    };
    time.map(|t| json!(t))
        .ok_or_else(|| RpcError::with_code(-32004, format!("Block not available for slot {slot}")))
}

async fn get_epoch_schedule(chain: &Chain, _params: Params) -> Outcome {
    let s: EpochSchedule = chain.sysvar().await?;
    Ok(json!({
        "slotsPerEpoch": s.slots_per_epoch,
        "leaderScheduleSlotOffset": s.leader_schedule_slot_offset,
        "warmup": s.warmup,
        "firstNormalEpoch": s.first_normal_epoch,
        "firstNormalSlot": s.first_normal_slot,
    }))
}

async fn get_epoch_info(chain: &Chain, _params: Params) -> Outcome {
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

async fn get_latest_blockhash(chain: &Chain, _params: Params) -> Outcome {
    let (blockhash, last_valid) = chain.latest_blockhash();
    with_context(
        chain,
        json!({ "blockhash": blockhash.to_string(), "lastValidBlockHeight": last_valid }),
    )
    .await
}

async fn is_blockhash_valid(chain: &Chain, params: Params) -> Outcome {
    let text = params.str(0, "blockhash")?;
    let hash = Hash::from_str(text)
        .map_err(|_| RpcError::invalid_params(format!("not a valid blockhash: {text:?}")))?;
    let valid = chain.is_blockhash_valid(&hash);
    with_context(chain, json!(valid)).await
}
