//! Development-only extensions, namespaced `cyxwiz_*` so that no standard
//! client can call one by accident. Only `cyxwiz_*` methods belong here.

use serde_json::json;

use super::{method, Method, Outcome, Params};
use crate::{chain::Chain, error::RpcError};

pub const METHODS: &[Method] = &[method!("cyxwiz_warpClock" => warp_clock)];

/// Move the cluster clock to `{"unixTimestamp": n}` or by `{"seconds": n}`.
async fn warp_clock(chain: &Chain, params: Params) -> Outcome {
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
