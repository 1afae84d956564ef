//! Security test 24: random sequences of every instruction over several users,
//! checked step by step against a model of the specification: the same
//! outcome (success or refusal), the same token balances (a shadow ledger),
//! and conservation (checked by the bench after every transaction).

use std::collections::HashMap;

use job_escrow::{
    math::split,
    state::{EscrowStatus, BPS_DENOMINATOR},
};
use rand::{rngs::StdRng, seq::SliceRandom, Rng, SeedableRng};
use solana_sdk::{
    instruction::{AccountMeta, Instruction},
    pubkey::Pubkey,
    signature::{Keypair, Signer},
};

use crate::harness::*;

#[derive(Clone, Debug)]
struct ModelEscrow {
    address: Pubkey,
    payer: usize,
    node: Option<usize>,
    amount: u64,
    status: EscrowStatus,
    expires_at: i64,
    closed: bool,
}

struct Model {
    now: i64,
    escrows: Vec<ModelEscrow>,
    /// Expected balance of every token account the test can see.
    balances: HashMap<Pubkey, u64>,
}

const CLIENTS: usize = 3;
const NODES: usize = 3;
const STEPS: usize = 400;

#[tokio::test]
async fn t24_random_instruction_sequences_match_the_model_and_conserve_tokens() {
    for seed in [1_u64, 2, 3] {
        run(seed).await;
    }
}

async fn run(seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut env = Env::new().await;
    let mut clients = vec![];
    for _ in 0..CLIENTS {
        clients.push(env.user(1_000_000_000).await);
    }
    let mut nodes = vec![];
    for _ in 0..NODES {
        nodes.push(env.node().await);
    }
    let stranger = Keypair::new();
    env.airdrop(&stranger.pubkey(), 10_000_000_000).await;
    let coordinator = env.coordinator.insecure_clone();
    let arbiter = env.arbiter.insecure_clone();
    let treasury = env.treasury.token;

    let mut model = Model {
        now: env.now().await,
        escrows: vec![],
        balances: HashMap::new(),
    };
    for user in clients.iter().chain(nodes.iter()) {
        let balance = env.balance(&user.token).await;
        model.balances.insert(user.token, balance);
    }
    model.balances.insert(treasury, 0);

    for step in 0..STEPS {
        let choice = rng.gen_range(0..14);
        let live: Vec<usize> = (0..model.escrows.len())
            .filter(|&i| !model.escrows[i].closed)
            .collect();
        if choice == 0 || live.is_empty() {
            // create
            let payer = rng.gen_range(0..CLIENTS);
            let amount = rng.gen_range(1..5_000_000);
            let lifetime = rng.gen_range(60..3 * DAY);
            let expires_at = model.now + lifetime;
            let address = env
                .create_expiring(&clients[payer], amount, expires_at)
                .await;
            *model.balances.get_mut(&clients[payer].token).unwrap() -= amount;
            model.escrows.push(ModelEscrow {
                address,
                payer,
                node: None,
                amount,
                status: EscrowStatus::Created,
                expires_at,
                closed: false,
            });
            continue;
        }
        if choice == 1 {
            // time passes (sometimes backwards a little: a skewed clock)
            let delta = rng.gen_range(-600..DAY);
            model.now += delta;
            env.set_time(model.now).await;
            continue;
        }
        let index = *live.choose(&mut rng).unwrap();
        let e = model.escrows[index].clone();
        let client = &clients[e.payer];
        let assigned = e.node.map(|n| &nodes[n]);
        // Payout accounts: the assigned node's, or a random node's when none.
        let node = assigned.unwrap_or(&nodes[rng.gen_range(0..NODES)]);
        let share: u16 = rng.gen_range(0..=BPS_DENOMINATOR);
        let expired = model.now >= e.expires_at;
        let locked = e.status == EscrowStatus::Locked;
        let has_node = e.node.is_some();
        let (ix, signer, ok, effect): (Instruction, Keypair, bool, Effect) = match choice {
            2 => {
                let n = rng.gen_range(0..NODES);
                let ok = e.status == EscrowStatus::Created && !expired;
                (
                    env.lock_ix(e.address, nodes[n].pubkey(), coordinator.pubkey()),
                    coordinator.insecure_clone(),
                    ok,
                    Effect::Lock(n),
                )
            }
            3 => (
                env.unlock_ix(e.address, coordinator.pubkey()),
                coordinator.insecure_clone(),
                locked,
                Effect::Unlock,
            ),
            4 => (
                env.release_ix(e.address, node.token, [5; 32]),
                coordinator.insecure_clone(),
                locked && !expired && has_node,
                Effect::Split(BPS_DENOMINATOR),
            ),
            5 => {
                let ok = matches!(e.status, EscrowStatus::Created | EscrowStatus::Locked);
                (
                    env.refund_ix(e.address, coordinator.pubkey(), client.token),
                    coordinator.insecure_clone(),
                    ok,
                    Effect::Split(0),
                )
            }
            6 => (
                env.refund_ix(e.address, client.pubkey(), client.token),
                client.key.insecure_clone(),
                e.status == EscrowStatus::Created,
                Effect::Split(0),
            ),
            7 => (
                env.settle_ix(e.address, node.token, client.token, share, [5; 32]),
                coordinator.insecure_clone(),
                locked && !expired && has_node,
                Effect::Split(share),
            ),
            8 => (
                env.dispute_ix(e.address, client.pubkey()),
                client.key.insecure_clone(),
                locked,
                Effect::Dispute,
            ),
            9 => (
                env.dispute_ix(e.address, node.pubkey()),
                node.key.insecure_clone(),
                locked && has_node,
                Effect::Dispute,
            ),
            10 => {
                let ok = e.status == EscrowStatus::Disputed && !expired && has_node;
                (
                    env.resolve_ix(e.address, arbiter.pubkey(), node.token, client.token, share),
                    arbiter.insecure_clone(),
                    ok,
                    Effect::Split(share),
                )
            }
            11 => {
                let ok = !e.status.is_final() && expired;
                (
                    env.reclaim_ix(e.address, stranger.pubkey(), client.token),
                    stranger.insecure_clone(),
                    ok,
                    Effect::Reclaim,
                )
            }
            12 => (
                env.close_ix(e.address, client.pubkey(), client.pubkey(), client.token),
                client.key.insecure_clone(),
                e.status.is_final(),
                Effect::Close,
            ),
            _ => {
                // A stranger impersonating the coordinator: always refused.
                let mut ix = env.release_ix(e.address, node.token, [5; 32]);
                ix.accounts[0] = AccountMeta::new_readonly(stranger.pubkey(), true);
                (ix, stranger.insecure_clone(), false, Effect::None)
            }
        };
        let result = env.send(&[ix], &[&signer]).await;
        assert_eq!(
            result.is_ok(),
            ok,
            "seed {seed} step {step}: choice {choice} on {e:?} at {}: {result:?}",
            model.now
        );
        if ok {
            apply(&mut model, index, effect, &clients, &nodes, treasury);
        }
        for (account, expected) in &model.balances {
            assert_eq!(
                env.balance(account).await,
                *expected,
                "seed {seed} step {step}: shadow ledger differs"
            );
        }
        if !model.escrows[index].closed {
            assert_eq!(
                env.status(&model.escrows[index].address).await,
                model.escrows[index].status
            );
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Effect {
    Lock(usize),
    Unlock,
    /// Settle with the node's share in bps (0 = everything back to the payer).
    Split(u16),
    Dispute,
    Reclaim,
    Close,
    None,
}

fn apply(
    model: &mut Model,
    index: usize,
    effect: Effect,
    clients: &[User],
    nodes: &[User],
    treasury: Pubkey,
) {
    let now = model.now;
    let e = &mut model.escrows[index];
    match effect {
        Effect::Lock(n) => {
            e.node = Some(n);
            e.status = EscrowStatus::Locked;
        }
        Effect::Unlock => {
            e.node = None;
            e.status = EscrowStatus::Created;
        }
        Effect::Dispute => {
            e.status = EscrowStatus::Disputed;
            e.expires_at = e.expires_at.max(now + 7 * DAY);
        }
        Effect::Split(share) => {
            let s = split(e.amount, share, 1_000).unwrap();
            if let Some(n) = e.node {
                *model.balances.get_mut(&nodes[n].token).unwrap() += s.node;
            }
            *model.balances.get_mut(&treasury).unwrap() += s.platform;
            *model.balances.get_mut(&clients[e.payer].token).unwrap() += s.payer;
            e.status = if s.node + s.platform > 0 {
                EscrowStatus::Released
            } else {
                EscrowStatus::Refunded
            };
        }
        Effect::Reclaim => {
            *model.balances.get_mut(&clients[e.payer].token).unwrap() += e.amount;
            e.status = EscrowStatus::Expired;
        }
        Effect::Close => e.closed = true,
        Effect::None => {}
    }
}
