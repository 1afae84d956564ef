//! Security tests 12 and 14: the status × instruction table, generated. For
//! every status and every instruction, on a fresh bank, only the allowed
//! transitions succeed; every refusal names its reason and moves nothing.

use job_escrow::{errors::EscrowError, state::EscrowStatus};
use solana_sdk::{
    instruction::InstructionError, pubkey::Pubkey, signature::Signer, transaction::TransactionError,
};

use crate::harness::*;

const STATUSES: [EscrowStatus; 6] = [
    EscrowStatus::Created,
    EscrowStatus::Locked,
    EscrowStatus::Released,
    EscrowStatus::Refunded,
    EscrowStatus::Disputed,
    EscrowStatus::Expired,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Lock,
    Unlock,
    Release,
    RefundByCoordinator,
    RefundByPayer,
    SettlePartial,
    DisputeByPayer,
    DisputeByNode,
    ResolveDispute,
    ReclaimBeforeExpiry,
    ReclaimAfterExpiry,
    Close,
}

const ACTIONS: [Action; 12] = [
    Action::Lock,
    Action::Unlock,
    Action::Release,
    Action::RefundByCoordinator,
    Action::RefundByPayer,
    Action::SettlePartial,
    Action::DisputeByPayer,
    Action::DisputeByNode,
    Action::ResolveDispute,
    Action::ReclaimBeforeExpiry,
    Action::ReclaimAfterExpiry,
    Action::Close,
];

/// The specification: which transitions exist.
fn allowed(status: EscrowStatus, action: Action) -> bool {
    use Action::*;
    use EscrowStatus::*;
    match action {
        Lock => status == Created,
        Unlock | Release | SettlePartial | DisputeByPayer | DisputeByNode => status == Locked,
        RefundByCoordinator => matches!(status, Created | Locked),
        RefundByPayer => status == Created,
        ResolveDispute => status == Disputed,
        ReclaimBeforeExpiry => false,
        ReclaimAfterExpiry => matches!(status, Created | Locked | Disputed),
        Close => matches!(status, Released | Refunded | Expired),
    }
}

/// The reason a refused transition must give. Account constraints run before
/// the status check, so with no node assigned a payout to "the node" is refused
/// as a wrong payee, and the node is not yet a party to dispute.
fn expected_error(status: EscrowStatus, action: Action, node_assigned: bool) -> EscrowError {
    use Action::*;
    match action {
        Release | SettlePartial | ResolveDispute if !node_assigned => EscrowError::WrongPayee,
        DisputeByNode if !node_assigned => EscrowError::NotAParty,
        ReclaimBeforeExpiry if !status.is_final() => EscrowError::NotExpired,
        _ => EscrowError::InvalidStatus,
    }
}

struct Case {
    env: Env,
    client: User,
    node: User,
    escrow: Pubkey,
}

/// A fresh bank with one escrow brought to `status` by real instructions.
async fn escrow_in(status: EscrowStatus) -> Case {
    let mut env = Env::new().await;
    let client = env.user(10_000).await;
    let node = env.node().await;
    let escrow = env.create(&client, 1_000).await;
    let coordinator = env.coordinator.insecure_clone();
    match status {
        EscrowStatus::Created => {}
        EscrowStatus::Locked => env.lock(escrow, &node).await,
        EscrowStatus::Released => {
            env.lock(escrow, &node).await;
            env.release(escrow, &node).await;
        }
        EscrowStatus::Refunded => {
            let ix = env.refund_ix(escrow, client.pubkey(), client.token);
            env.expect_ok(&[ix], &[&client.key]).await;
        }
        EscrowStatus::Disputed => {
            env.lock(escrow, &node).await;
            env.dispute(escrow, &client.key).await;
        }
        EscrowStatus::Expired => {
            let expires_at = env.escrow(&escrow).await.expires_at;
            env.set_time(expires_at).await;
            let ix = env.reclaim_ix(escrow, coordinator.pubkey(), client.token);
            env.expect_ok(&[ix], &[&coordinator]).await;
        }
    }
    assert_eq!(env.status(&escrow).await, status);
    Case {
        env,
        client,
        node,
        escrow,
    }
}

async fn perform(case: &mut Case, action: Action) -> Result<(), TransactionError> {
    let env = &mut case.env;
    let (escrow, client, node) = (case.escrow, &case.client, &case.node);
    let coordinator = env.coordinator.insecure_clone();
    let arbiter = env.arbiter.insecure_clone();
    let (ix, signer) = match action {
        Action::Lock => (
            env.lock_ix(escrow, node.pubkey(), coordinator.pubkey()),
            coordinator,
        ),
        Action::Unlock => (env.unlock_ix(escrow, coordinator.pubkey()), coordinator),
        Action::Release => (env.release_ix(escrow, node.token, [3; 32]), coordinator),
        Action::RefundByCoordinator => (
            env.refund_ix(escrow, coordinator.pubkey(), client.token),
            coordinator,
        ),
        Action::RefundByPayer => (
            env.refund_ix(escrow, client.pubkey(), client.token),
            client.key.insecure_clone(),
        ),
        Action::SettlePartial => (
            env.settle_ix(escrow, node.token, client.token, 2_500, [3; 32]),
            coordinator,
        ),
        Action::DisputeByPayer => (
            env.dispute_ix(escrow, client.pubkey()),
            client.key.insecure_clone(),
        ),
        Action::DisputeByNode => (
            env.dispute_ix(escrow, node.pubkey()),
            node.key.insecure_clone(),
        ),
        Action::ResolveDispute => (
            env.resolve_ix(escrow, arbiter.pubkey(), node.token, client.token, 5_000),
            arbiter,
        ),
        Action::ReclaimBeforeExpiry => (
            env.reclaim_ix(escrow, coordinator.pubkey(), client.token),
            coordinator,
        ),
        Action::ReclaimAfterExpiry => {
            let expires_at = env.escrow(&escrow).await.expires_at;
            if env.now().await < expires_at {
                env.set_time(expires_at).await;
            }
            (
                env.reclaim_ix(escrow, coordinator.pubkey(), client.token),
                coordinator,
            )
        }
        Action::Close => (
            env.close_ix(escrow, client.pubkey(), client.pubkey(), client.token),
            client.key.insecure_clone(),
        ),
    };
    let before = env.snapshot().await;
    let result = env.send(&[ix], &[&signer]).await.map(|_| ());
    if result.is_err() {
        assert_eq!(
            env.snapshot().await,
            before,
            "{action:?} failed but moved something"
        );
    }
    result
}

#[tokio::test]
async fn t14_only_the_allowed_transitions_succeed_for_every_status_and_instruction() {
    let mut table = String::from("status \\ instruction");
    for action in ACTIONS {
        table.push_str(&format!(" | {action:?}"));
    }
    for status in STATUSES {
        table.push_str(&format!("\n{status:?}"));
        for action in ACTIONS {
            let mut case = escrow_in(status).await;
            let node_assigned = case.env.escrow(&case.escrow).await.payee != Pubkey::default();
            let result = perform(&mut case, action).await;
            if allowed(status, action) {
                assert!(
                    result.is_ok(),
                    "{status:?} × {action:?} should succeed: {result:?}"
                );
                table.push_str(" | ok");
            } else {
                let error = expected_error(status, action, node_assigned);
                assert_eq!(
                    result.err(),
                    Some(TransactionError::InstructionError(
                        1,
                        InstructionError::Custom(error.into())
                    )),
                    "{status:?} × {action:?}"
                );
                table.push_str(&format!(" | {error:?}"));
            }
        }
    }
    println!("{table}");
}

#[tokio::test]
async fn t12_a_settled_escrow_pays_out_once() {
    use Action::*;
    let sequences: [(EscrowStatus, Action); 8] = [
        (EscrowStatus::Released, Release),
        (EscrowStatus::Released, RefundByCoordinator),
        (EscrowStatus::Released, SettlePartial),
        (EscrowStatus::Released, ReclaimAfterExpiry),
        (EscrowStatus::Refunded, Release),
        (EscrowStatus::Refunded, RefundByCoordinator),
        (EscrowStatus::Refunded, RefundByPayer),
        (EscrowStatus::Expired, ReclaimAfterExpiry),
    ];
    for (status, second) in sequences {
        let mut case = escrow_in(status).await;
        let node_paid = case.env.balance(&case.node.token).await;
        let client_has = case.env.balance(&case.client.token).await;
        let result = perform(&mut case, second).await;
        let expected = expected_error(status, second, status == EscrowStatus::Released);
        assert_eq!(
            result.err(),
            Some(TransactionError::InstructionError(
                1,
                InstructionError::Custom(expected.into())
            ))
        );
        assert_eq!(case.env.balance(&case.node.token).await, node_paid);
        assert_eq!(case.env.balance(&case.client.token).await, client_has);
    }
}
