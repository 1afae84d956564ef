//! Solana PubSub over WebSocket: the signature, account and logs subscriptions
//! that `confirmTransaction`, account watchers and Anchor event listeners use.

use std::{
    collections::HashMap,
    str::FromStr,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
};

use axum::{
    extract::{
        ws::{Message, WebSocket, WebSocketUpgrade},
        State,
    },
    response::IntoResponse,
    routing::get,
    Router,
};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use solana_sdk::{pubkey::Pubkey, signature::Signature};
use tokio::sync::{broadcast::error::RecvError, mpsc};

use crate::{
    chain::{Chain, ProcessedTx},
    encoding::{account_json, AccountEncoding},
    error::RpcError,
    http::error_response,
    rpc::{render_account, Params, API_VERSION},
};

static NEXT_SUBSCRIPTION: AtomicU64 = AtomicU64::new(1);

enum Subscription {
    Signature(Signature),
    Account(Pubkey, AccountEncoding),
    Logs(Option<Pubkey>),
}

pub fn router(chain: Arc<Chain>) -> Router {
    Router::new().route("/", get(upgrade)).with_state(chain)
}

async fn upgrade(State(chain): State<Arc<Chain>>, ws: WebSocketUpgrade) -> impl IntoResponse {
    ws.on_upgrade(move |socket| connection(socket, chain))
}

struct Session {
    chain: Arc<Chain>,
    out: mpsc::UnboundedSender<String>,
    subscriptions: HashMap<u64, Subscription>,
}

async fn connection(socket: WebSocket, chain: Arc<Chain>) {
    let (mut sink, mut stream) = socket.split();
    let (out, mut outbox) = mpsc::unbounded_channel::<String>();
    let writer = tokio::spawn(async move {
        while let Some(text) = outbox.recv().await {
            if sink.send(Message::Text(text)).await.is_err() {
                break;
            }
        }
    });
    let mut processed = chain.subscribe();
    let mut session = Session {
        chain,
        out,
        subscriptions: HashMap::new(),
    };
    loop {
        tokio::select! {
            message = stream.next() => match message {
                Some(Ok(Message::Text(text))) => session.request(&text).await,
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
            tx = processed.recv() => match tx {
                Ok(tx) => session.notify(&tx).await,
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            },
        }
    }
    drop(session);
    let _ = writer.await;
}

impl Session {
    fn send(&self, value: Value) {
        let _ = self.out.send(value.to_string());
    }

    async fn request(&mut self, text: &str) {
        let request: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(e) => return self.send(error_response(Value::Null, RpcError::parse_error(e))),
        };
        let id = request.get("id").cloned();
        let method = request
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        // Notifications (web3.js sends a "ping" every few seconds) get no answer.
        let Some(id) = id else { return };
        let result = match Params::new(request.get("params").cloned()) {
            Ok(params) => self.subscribe(&method, params),
            Err(e) => Err(e),
        };
        match result {
            Ok((subscription, reply)) => {
                self.send(json!({ "jsonrpc": "2.0", "result": reply, "id": id }));
                if let Some(subscription) = subscription {
                    self.catch_up(subscription);
                }
            }
            Err(e) => self.send(error_response(id, e)),
        }
    }

    /// Returns the new subscription id (if any) and the reply.
    fn subscribe(
        &mut self,
        method: &str,
        params: Params,
    ) -> Result<(Option<u64>, Value), RpcError> {
        let subscription = match method {
            "signatureSubscribe" => {
                let text = params.str(0, "signature")?;
                let sig = Signature::from_str(text).map_err(|_| {
                    RpcError::invalid_params(format!("not a valid signature: {text:?}"))
                })?;
                Subscription::Signature(sig)
            }
            "accountSubscribe" => {
                let address = params.pubkey(0, "address")?;
                let encoding = AccountEncoding::from_config(&params.config(1)?)?;
                Subscription::Account(address, encoding)
            }
            "logsSubscribe" => match params.str(0, "filter") {
                Ok("all") | Ok("allWithVotes") => Subscription::Logs(None),
                _ => {
                    let filter = params.config(0)?;
                    let mentions = filter
                        .get("mentions")
                        .and_then(Value::as_array)
                        .filter(|m| m.len() == 1)
                        .and_then(|m| m[0].as_str())
                        .and_then(|s| Pubkey::from_str(s).ok())
                        .ok_or_else(|| {
                            RpcError::invalid_params(
                                "logs filter must be \"all\" or {\"mentions\": [one address]}",
                            )
                        })?;
                    Subscription::Logs(Some(mentions))
                }
            },
            "signatureUnsubscribe" | "accountUnsubscribe" | "logsUnsubscribe" => {
                let id = params.u64(0, "subscription")?;
                return Ok((None, json!(self.subscriptions.remove(&id).is_some())));
            }
            other => return Err(RpcError::method_not_found(other)),
        };
        let id = NEXT_SUBSCRIPTION.fetch_add(1, Ordering::Relaxed);
        self.subscriptions.insert(id, subscription);
        Ok((Some(id), json!(id)))
    }

    /// A signature that landed before the subscription is notified at once.
    fn catch_up(&mut self, id: u64) {
        if let Some(Subscription::Signature(sig)) = self.subscriptions.get(&id) {
            if let Some(tx) = self.chain.transaction(sig) {
                self.subscriptions.remove(&id);
                self.send(notification(
                    "signatureNotification",
                    id,
                    tx.slot,
                    json!({ "err": tx.err }),
                ));
            }
        }
    }

    async fn notify(&mut self, tx: &ProcessedTx) {
        let mut done = vec![];
        let mut accounts = vec![];
        for (id, subscription) in &self.subscriptions {
            match subscription {
                Subscription::Signature(sig) if *sig == tx.signature => {
                    self.send(notification(
                        "signatureNotification",
                        *id,
                        tx.slot,
                        json!({ "err": tx.err }),
                    ));
                    done.push(*id);
                }
                Subscription::Logs(filter) if filter.is_none_or(|key| tx.keys.contains(&key)) => {
                    let value = json!({ "signature": tx.signature.to_string(), "err": tx.err, "logs": tx.logs });
                    self.send(notification("logsNotification", *id, tx.slot, value));
                }
                Subscription::Account(address, encoding) if tx.keys.contains(address) => {
                    accounts.push((*id, *address, *encoding));
                }
                _ => {}
            }
        }
        for id in done {
            self.subscriptions.remove(&id);
        }
        for (id, address, encoding) in accounts {
            let value = match self.chain.account(&address).await {
                Ok(Some(account)) => render_account(&self.chain, &account, encoding, None).await,
                Ok(None) => account_json(&Default::default(), encoding, None),
                Err(_) => continue,
            };
            self.send(notification("accountNotification", id, tx.slot, value));
        }
    }
}

fn notification(method: &str, subscription: u64, slot: u64, value: Value) -> Value {
    json!({
        "jsonrpc": "2.0",
        "method": method,
        "params": {
            "result": { "context": { "slot": slot, "apiVersion": API_VERSION }, "value": value },
            "subscription": subscription,
        },
    })
}
