//! A training job's money, step by step, in a real Solana bank: a client funds
//! an escrow, the coordinator locks it to a node, the node vanishes and the job
//! is reassigned, the proof is accepted and the escrow pays 90/10; a second job
//! expires and the client takes its money back without anyone's permission.
//!
//! Run: `cargo run -p escrow-tests --example escrow_demo` (or `scripts/run.sh`).

#[path = "../tests/escrow/harness/mod.rs"]
#[allow(dead_code, unused_imports)]
mod harness;

use anchor_lang::{AnchorDeserialize, Discriminator};
use harness::*;
use job_escrow::events::*;
use solana_sdk::signature::Signer;

const CYX: u64 = 1_000_000; // 6 decimals

fn cyx(amount: u64) -> String {
    format!("{}.{:06} CYX", amount / CYX, amount % CYX)
}

fn describe(outcome: &TxOutcome) -> String {
    let Some(data) = outcome.event_payloads().into_iter().next() else {
        return "no event".into();
    };
    let (disc, mut body) = data.split_at(8);
    macro_rules! try_event {
        ($($t:ty),*) => {$(
            if disc == <$t>::DISCRIMINATOR {
                return format!("{} {:?}", stringify!($t), <$t>::deserialize(&mut body).map(|e| e.status).ok());
            }
        )*};
    }
    try_event!(
        EscrowCreatedEvent,
        EscrowLockedEvent,
        EscrowUnlockedEvent,
        EscrowReleasedEvent,
        EscrowExpiredEvent
    );
    "unknown event".into()
}

#[tokio::main]
async fn main() {
    if std::env::var_os("RUST_LOG").is_none() {
        // The bank logs every instruction at debug level by default.
        std::env::set_var("RUST_LOG", "error");
    }
    println!(
        "CyxWiz JobEscrow demo: program {} in a native Solana bank",
        job_escrow::ID
    );
    let mut env = Env::new().await;
    println!(
        "  config: fee 10% to treasury {}, coordinator {}",
        env.treasury.token,
        env.coordinator.pubkey()
    );
    let client = env.user(100 * CYX).await;
    let node_a = env.node().await;
    let node_b = env.node().await;
    let coordinator = env.coordinator.insecure_clone();
    let treasury = env.treasury.token;

    println!("\nJob 1: fine-tune, 25 CYX escrowed");
    let job = env.next_job_id();
    let expires_at = env.now().await + DAY;
    let escrow = escrow_pda(&client.pubkey(), &job);
    env.track_escrow(escrow);
    let ix = env.create_ix(&client, job, 25 * CYX, expires_at);
    let out = env.expect_ok(&[ix], &[&client.key]).await;
    println!("  1. client funds escrow {escrow}: {}", describe(&out));
    let ix = env.lock_ix(escrow, node_a.pubkey(), coordinator.pubkey());
    let out = env.expect_ok(&[ix], &[&coordinator]).await;
    println!("  2. coordinator locks it to node A: {}", describe(&out));
    let ix = env.unlock_ix(escrow, coordinator.pubkey());
    let out = env.expect_ok(&[ix], &[&coordinator]).await;
    println!(
        "  3. node A stops heartbeating; coordinator unlocks: {}",
        describe(&out)
    );
    let ix = env.lock_ix(escrow, node_b.pubkey(), coordinator.pubkey());
    let out = env.expect_ok(&[ix], &[&coordinator]).await;
    println!("  4. reassigned and locked to node B: {}", describe(&out));
    let before = (
        env.balance(&node_b.token).await,
        env.balance(&treasury).await,
    );
    let out = env.release(escrow, &node_b).await;
    let after = (
        env.balance(&node_b.token).await,
        env.balance(&treasury).await,
    );
    println!("  5. proof verified; release: {}", describe(&out));
    println!("     node B:   {} -> {}", cyx(before.0), cyx(after.0));
    println!("     treasury: {} -> {}", cyx(before.1), cyx(after.1));
    println!("     node A:   {}", cyx(env.balance(&node_a.token).await));

    println!("\nJob 2: 10 CYX escrowed, the coordinator disappears");
    let escrow = env.create(&client, 10 * CYX).await;
    let expires_at = env.escrow(&escrow).await.expires_at;
    println!(
        "  1. client funds escrow {escrow}; client now holds {}",
        cyx(env.balance(&client.token).await)
    );
    env.set_time(expires_at).await;
    let ix = env.reclaim_ix(escrow, client.pubkey(), client.token);
    let out = env.expect_ok(&[ix], &[&client.key]).await;
    println!(
        "  2. after expiry the client reclaims alone: {}",
        describe(&out)
    );
    println!(
        "     client now holds {}",
        cyx(env.balance(&client.token).await)
    );
    println!("\nTokens conserved after every transaction (checked by the bench).");
}
