//! JSON-RPC errors with the codes Solana clients know.

use serde_json::{json, Value};
use solana_sdk::transaction::TransactionError;

#[derive(Debug)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

impl RpcError {
    pub fn parse_error(detail: impl std::fmt::Display) -> Self {
        Self::new(-32700, format!("Parse error: {detail}"))
    }

    pub fn invalid_request(detail: impl Into<String>) -> Self {
        Self::new(-32600, format!("Invalid request: {}", detail.into()))
    }

    pub fn method_not_found(method: &str) -> Self {
        Self::new(
            -32601,
            format!("Method not found: {method} is not served by the CyxWiz localnet"),
        )
    }

    pub fn invalid_params(detail: impl Into<String>) -> Self {
        Self::new(-32602, format!("Invalid params: {}", detail.into()))
    }

    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(-32603, format!("Internal error: {}", detail.into()))
    }

    /// What a validator answers when `sendTransaction`'s simulation fails.
    pub fn preflight_failure(err: TransactionError, logs: Vec<String>, units: u64) -> Self {
        Self {
            code: -32002,
            message: format!("Transaction simulation failed: {err}"),
            data: Some(json!({
                "accounts": null,
                "err": err,
                "innerInstructions": null,
                "logs": logs,
                "returnData": null,
                "unitsConsumed": units,
            })),
        }
    }

    pub fn with_code(code: i64, message: String) -> Self {
        Self::new(code, message)
    }

    fn new(code: i64, message: String) -> Self {
        Self {
            code,
            message,
            data: None,
        }
    }

    pub fn to_json(&self) -> Value {
        let mut error = json!({ "code": self.code, "message": self.message });
        if let Some(data) = &self.data {
            error["data"] = data.clone();
        }
        error
    }
}
