//! Shared by the protocol tests and the `blockhash_lifetime` example: the real
//! `localnet` binary on its own ports, and raw JSON-RPC over HTTP/1.1.

#![allow(dead_code)]

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Child, Command, Stdio},
    time::Duration,
};

use base64::{engine::general_purpose::STANDARD, Engine};
use serde_json::{json, Value};
use solana_sdk::{
    hash::Hash,
    signature::{Keypair, Signer},
    transaction::Transaction,
};

pub struct Node {
    child: Child,
    pub port: u16,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `binary` (the localnet) with `args`, on ports of its own, and wait
/// for its ready line.
pub fn start(binary: &str, args: &[&str]) -> Node {
    // Distinct ports per node (and per run): the RPC port and the next one.
    static NEXT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0);
    let slot = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let port = 20_000 + (std::process::id() % 10_000) as u16 * 2 + slot * 2;
    let mut child = Command::new(binary)
        .args(["--rpc-port", &port.to_string()])
        .args(args)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .expect("localnet starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("ready line");
    assert!(
        line.starts_with("localnet ready"),
        "unexpected first line: {line}"
    );
    Node { child, port }
}

/// A raw HTTP/1.1 POST, so malformed bodies reach the server as they are.
pub fn post(port: u16, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        body
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, body)
}

pub fn call(port: u16, body: &str) -> Value {
    let (status, body) = post(port, body);
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("JSON answer")
}

/// One request; the whole answer (`result` or `error`).
pub fn rpc(port: u16, method: &str, params: Value) -> Value {
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
    call(port, &body.to_string())
}

/// One request that must succeed; its `result`.
pub fn result(port: u16, method: &str, params: Value) -> Value {
    let answer = rpc(port, method, params);
    assert!(answer["error"].is_null(), "{method}: {answer}");
    answer["result"].clone()
}

pub fn error_code(answer: &Value) -> i64 {
    answer["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("no error in {answer}"))
}

pub fn height(port: u16) -> u64 {
    result(port, "getBlockHeight", json!([])).as_u64().unwrap()
}

pub fn is_blockhash_valid(port: u16, blockhash: &Hash) -> bool {
    result(port, "isBlockhashValid", json!([blockhash.to_string()]))["value"]
        .as_bool()
        .unwrap()
}

/// `getLatestBlockhash`: the blockhash and its lastValidBlockHeight.
pub fn latest_blockhash(port: u16) -> (Hash, u64) {
    let latest = result(port, "getLatestBlockhash", json!([]))["value"].clone();
    (
        latest["blockhash"].as_str().unwrap().parse().unwrap(),
        latest["lastValidBlockHeight"].as_u64().unwrap(),
    )
}

/// A new key with 1 SOL from the faucet.
pub fn funded_key(port: u16) -> Keypair {
    let key = Keypair::new();
    result(
        port,
        "requestAirdrop",
        json!([key.pubkey().to_string(), 1_000_000_000u64]),
    );
    key
}

/// A signed transfer to oneself, distinct per `lamports`: (signature, base64).
pub fn self_transfer(payer: &Keypair, lamports: u64, blockhash: Hash) -> (String, String) {
    let key = payer.pubkey();
    let ix = solana_system_interface::instruction::transfer(&key, &key, lamports);
    let tx = Transaction::new_signed_with_payer(&[ix], Some(&key), &[payer], blockhash);
    let wire = STANDARD.encode(bincode::serialize(&tx).unwrap());
    (tx.signatures[0].to_string(), wire)
}

pub fn send(port: u16, wire: &str, skip_preflight: bool) -> Value {
    rpc(
        port,
        "sendTransaction",
        json!([wire, {"encoding": "base64", "skipPreflight": skip_preflight}]),
    )
}

/// Whether the node knows the transaction as processed.
pub fn landed(port: u16, signature: &str) -> bool {
    !result(port, "getSignatureStatuses", json!([[signature]]))["value"][0].is_null()
}
