//! The JSON-RPC envelope over HTTP: single and batch requests, standard error
//! codes for malformed input, and no panic ever reaching the connection.

use std::{panic::AssertUnwindSafe, sync::Arc};

use axum::{
    body::Bytes,
    extract::State,
    http::header,
    response::IntoResponse,
    routing::{get, post},
    Router,
};
use futures::FutureExt;
use serde_json::{json, Value};

use crate::{
    chain::Chain,
    error::RpcError,
    rpc::{dispatch, Params},
};

pub fn router(chain: Arc<Chain>) -> Router {
    Router::new()
        .route("/", post(handle))
        .route("/health", get(|| async { "ok" }))
        .with_state(chain)
}

async fn handle(State(chain): State<Arc<Chain>>, body: Bytes) -> impl IntoResponse {
    let response = match serde_json::from_slice::<Value>(&body) {
        Err(e) => Some(error_response(Value::Null, RpcError::parse_error(e))),
        Ok(Value::Array(requests)) if requests.is_empty() => Some(error_response(
            Value::Null,
            RpcError::invalid_request("empty batch"),
        )),
        Ok(Value::Array(requests)) => {
            let mut responses = vec![];
            for request in requests {
                responses.extend(handle_one(&chain, request).await);
            }
            Some(Value::Array(responses))
        }
        Ok(request) => handle_one(&chain, request).await,
    };
    let body = response.map(|r| r.to_string()).unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], body)
}

/// One request; `None` for a notification (no id), which gets no answer.
pub async fn handle_one(chain: &Arc<Chain>, request: Value) -> Option<Value> {
    let Value::Object(request) = request else {
        return Some(error_response(
            Value::Null,
            RpcError::invalid_request("a request must be a JSON object"),
        ));
    };
    let id = request.get("id").cloned();
    let reply_id = id.clone().unwrap_or(Value::Null);
    if request.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Some(error_response(
            reply_id,
            RpcError::invalid_request("\"jsonrpc\" must be \"2.0\""),
        ));
    }
    let Some(method) = request.get("method").and_then(Value::as_str) else {
        return Some(error_response(
            reply_id,
            RpcError::invalid_request("\"method\" must be a string"),
        ));
    };
    let outcome = match Params::new(request.get("params").cloned()) {
        Err(e) => Err(e),
        Ok(params) => AssertUnwindSafe(dispatch(chain, method, params))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Err(RpcError::internal(format!("{method} failed unexpectedly")))),
    };
    id.as_ref()?;
    Some(match outcome {
        Ok(result) => json!({ "jsonrpc": "2.0", "result": result, "id": reply_id }),
        Err(e) => error_response(reply_id, e),
    })
}

pub fn error_response(id: Value, error: RpcError) -> Value {
    json!({ "jsonrpc": "2.0", "error": error.to_json(), "id": id })
}
