//! Through the RPC, a blockhash lives as on a cluster: accepted until the
//! block height passes the lastValidBlockHeight that came with it, then
//! refused with the standard error. Runs the real binary with 100 ms slots.

mod common;

use common::{
    error_code, funded_key, height, is_blockhash_valid, landed, latest_blockhash, self_transfer,
    send,
};
use serde_json::json;

/// Poll (no deadline: heights only grow) until the block height reaches `target`.
fn wait_for_height(port: u16, target: u64) -> u64 {
    loop {
        let now = height(port);
        if now >= target {
            return now;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_blockhash_is_accepted_until_its_last_valid_block_height_and_refused_after() {
    let node = common::start(env!("CARGO_BIN_EXE_localnet"), &["--slot-ms", "100"]);
    let p = node.port;
    let payer = funded_key(p);

    let before = height(p);
    let (blockhash, last_valid) = latest_blockhash(p);
    let after = height(p);
    let fetched_at = last_valid - 150;
    assert!(
        before <= fetched_at && fetched_at <= after,
        "lastValidBlockHeight {last_valid} is not the height at fetch ({before}..={after}) + 150"
    );

    // 20 blocks old: valid, and a transaction with it lands.
    wait_for_height(p, fetched_at + 20);
    assert!(is_blockhash_valid(p, &blockhash));
    let (signature, wire) = self_transfer(&payer, 1, blockhash);
    let sent = send(p, &wire, false);
    assert_eq!(sent["result"], json!(signature), "{sent}");
    assert!(landed(p, &signature));

    // Past lastValidBlockHeight: invalid, refused by preflight with the
    // standard error, and dropped without preflight.
    wait_for_height(p, last_valid + 1);
    assert!(!is_blockhash_valid(p, &blockhash));
    let (_, wire) = self_transfer(&payer, 2, blockhash);
    let refused = send(p, &wire, false);
    assert_eq!(error_code(&refused), -32002, "{refused}");
    assert_eq!(refused["error"]["data"]["err"], json!("BlockhashNotFound"));
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .ends_with("Blockhash not found"));
    let (signature, wire) = self_transfer(&payer, 3, blockhash);
    assert_eq!(send(p, &wire, true)["result"], json!(signature));
    assert!(!landed(p, &signature));

    // A fresh blockhash works again.
    let (fresh, _) = latest_blockhash(p);
    let (signature, wire) = self_transfer(&payer, 4, fresh);
    assert_eq!(send(p, &wire, false)["result"], json!(signature));
    assert!(landed(p, &signature));
}
