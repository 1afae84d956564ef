//! Solana JSON-RPC over HTTP: the methods this product's clients call.
//!
//! Every method lives in exactly one place: the area table of the module that
//! implements it (`Method { name, handler }`). `dispatch` and the method count
//! printed at start-up both read those tables, so a method cannot be listed
//! without a handler or handled without being listed.

mod accounts;
mod cluster;
mod dev;
mod slots;
mod tokens;
mod transactions;

use std::str::FromStr;

use futures::future::BoxFuture;
use serde_json::{json, Value};
use solana_sdk::{pubkey::Pubkey, signature::Signature};

use crate::{chain::Chain, error::RpcError};

pub use accounts::render_account;

pub const API_VERSION: &str = "2.3.13";

/// What a handler returns: the `result` of the reply, or its `error`.
pub type Outcome = Result<Value, RpcError>;

/// One JSON-RPC method: its name and the function that serves it.
pub struct Method {
    pub name: &'static str,
    pub handler: for<'a> fn(&'a Chain, Params) -> BoxFuture<'a, Outcome>,
}

/// A table entry for the `async fn(&Chain, Params) -> Outcome` named `$handler`.
macro_rules! method {
    ($name:literal => $handler:path) => {
        $crate::rpc::Method {
            name: $name,
            handler: |chain, params| Box::pin($handler(chain, params)),
        }
    };
}
use method;

/// The area tables, one per module. `dev::METHODS` holds the development-only
/// `cyxwiz_*` extensions and nothing else.
const AREAS: &[&[Method]] = &[
    cluster::METHODS,
    slots::METHODS,
    accounts::METHODS,
    tokens::METHODS,
    transactions::METHODS,
    dev::METHODS,
];

/// Every method `dispatch` serves (their count is printed at start-up).
pub fn methods() -> impl Iterator<Item = &'static Method> {
    AREAS.iter().flat_map(|area| area.iter())
}

pub async fn dispatch(chain: &Chain, method: &str, params: Params) -> Outcome {
    match methods().find(|m| m.name == method) {
        Some(m) => (m.handler)(chain, params).await,
        None => Err(RpcError::method_not_found(method)),
    }
}

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

/// `value` wrapped with the `context` (current slot, API version) clients expect.
async fn with_context(chain: &Chain, value: Value) -> Outcome {
    Ok(json!({ "context": context(chain).await?, "value": value }))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn no_method_is_listed_twice() {
        let mut seen = BTreeSet::new();
        for m in methods() {
            assert!(seen.insert(m.name), "{} is listed twice", m.name);
        }
        assert!(!seen.is_empty());
    }

    #[test]
    fn the_dev_only_methods_are_exactly_the_cyxwiz_ones() {
        assert!(!dev::METHODS.is_empty());
        for m in dev::METHODS {
            assert!(
                m.name.starts_with("cyxwiz_"),
                "{} is in the dev table",
                m.name
            );
        }
        let dev: BTreeSet<_> = dev::METHODS.iter().map(|m| m.name).collect();
        for m in methods().filter(|m| !dev.contains(m.name)) {
            assert!(
                !m.name.starts_with("cyxwiz_"),
                "{} is outside the dev table",
                m.name
            );
        }
    }
}
