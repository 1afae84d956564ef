//! How long a blockhash from `getLatestBlockhash` stays usable on a running
//! localnet, measured through the RPC as any client sees it.
//!
//! ```sh
//! cargo run -q -p localnet --example blockhash_lifetime -- --port 8899
//! ```
//!
//! Funds a fresh key by airdrop, takes one blockhash, then every 100 ms sends a
//! distinct transaction with it (skipPreflight, then `getSignatureStatuses`)
//! until one no longer lands; prints the elapsed time, the block heights, the
//! promised lastValidBlockHeight, where `isBlockhashValid` turned false, and
//! what a preflighted send of the dead blockhash answers.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{
    funded_key, height, is_blockhash_valid, landed, latest_blockhash, self_transfer, send,
};

fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = match (args.next().as_deref(), args.next()) {
        (Some("--port"), Some(port)) => port.parse().expect("--port PORT"),
        _ => 8899,
    };
    let payer = funded_key(port);
    let (blockhash, last_valid) = latest_blockhash(port);
    let started = Instant::now();
    let fetched_at = height(port);
    println!("blockhash {blockhash} at height {fetched_at}, lastValidBlockHeight {last_valid}");

    let mut last_landed = None;
    let mut valid_until = None;
    for lamports in 1.. {
        let (signature, wire) = self_transfer(&payer, lamports, blockhash);
        let sent = send(port, &wire, true);
        assert!(sent["error"].is_null(), "{sent}");
        let now = height(port);
        if is_blockhash_valid(port, &blockhash) {
            valid_until = Some(now);
        }
        if !landed(port, &signature) {
            let elapsed = started.elapsed();
            let (_, wire) = self_transfer(&payer, lamports + 1, blockhash);
            let preflight = send(port, &wire, false);
            println!(
                "refused at height {now} ({} blocks, {:.1} s after the fetch)",
                now - fetched_at,
                elapsed.as_secs_f64()
            );
            println!(
                "last landed at height {}; isBlockhashValid last true at height {}",
                last_landed.map_or("none".into(), |h: u64| h.to_string()),
                valid_until.map_or("none".into(), |h: u64| h.to_string()),
            );
            println!(
                "preflighted send now answers {} {}",
                preflight["error"]["code"], preflight["error"]["message"]
            );
            return;
        }
        last_landed = Some(now);
        std::thread::sleep(Duration::from_millis(100));
    }
}
