//! The ledger's slots and blockhashes behave as a cluster's: one blockhash
//! per slot, each accepted up to the lastValidBlockHeight given with it
//! (its block height + 150) and refused with `BlockhashNotFound` after.

use cyxwiz_bank::{Ledger, DEFAULT_SLOT_DURATION, JOB_ESCROW_ID};
use solana_sdk::{
    hash::Hash,
    instruction::Instruction,
    signature::{Keypair, Signer},
    transaction::{Transaction, TransactionError},
};

async fn height(ledger: &Ledger) -> u64 {
    ledger.banks_client.get_root_block_height().await.unwrap()
}

fn advance(ledger: &Ledger, slots: u64) {
    for _ in 0..slots {
        ledger.advance_slot();
    }
}

/// A transfer from the payer to itself; `lamports` makes each one distinct.
async fn send(ledger: &Ledger, lamports: u64, blockhash: Hash) -> Result<(), TransactionError> {
    let payer = &ledger.payer;
    let ix =
        solana_system_interface::instruction::transfer(&payer.pubkey(), &payer.pubkey(), lamports);
    let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[payer], blockhash);
    ledger
        .banks_client
        .process_transaction_with_metadata(tx)
        .await
        .unwrap()
        .result
}

#[tokio::test]
async fn each_slot_registers_one_blockhash_valid_for_150_blocks() {
    let ledger = Ledger::start(DEFAULT_SLOT_DURATION).await;
    let (blockhash, last_valid) = ledger.latest_blockhash();
    let fetched_at = height(&ledger).await;
    assert_eq!(last_valid, fetched_at + 150);
    // Within a slot the blockhash stays; transactions do not move it.
    send(&ledger, 1, blockhash).await.unwrap();
    assert_eq!(ledger.latest_blockhash(), (blockhash, last_valid));

    // Each slot: one new blockhash, valid for 150 blocks from there.
    let mut seen = vec![blockhash];
    for _ in 0..5 {
        ledger.advance_slot();
        let (next, next_last_valid) = ledger.latest_blockhash();
        assert!(!seen.contains(&next), "a slot without a new blockhash");
        assert_eq!(next_last_valid, height(&ledger).await + 150);
        seen.push(next);
    }
    assert_eq!(height(&ledger).await, fetched_at + 5);

    // 20 blocks old: accepted.
    advance(&ledger, 15);
    assert_eq!(height(&ledger).await, fetched_at + 20);
    assert!(ledger.is_blockhash_valid(&blockhash));
    send(&ledger, 2, blockhash).await.unwrap();

    // At lastValidBlockHeight: still accepted.
    advance(&ledger, last_valid - height(&ledger).await);
    assert_eq!(height(&ledger).await, last_valid);
    assert!(ledger.is_blockhash_valid(&blockhash));
    send(&ledger, 3, blockhash).await.unwrap();

    // One block later: refused, as a validator refuses it.
    ledger.advance_slot();
    assert_eq!(height(&ledger).await, last_valid + 1);
    assert!(!ledger.is_blockhash_valid(&blockhash));
    assert_eq!(
        send(&ledger, 4, blockhash).await,
        Err(TransactionError::BlockhashNotFound)
    );
    // The blockhash of the next slot after the fetch lives one block longer.
    assert!(ledger.is_blockhash_valid(&seen[1]));
    send(&ledger, 5, seen[1]).await.unwrap();
}

#[tokio::test]
async fn job_escrow_runs_natively_and_logs_into_the_transaction() {
    let ledger = Ledger::start(DEFAULT_SLOT_DURATION).await;
    let payer: &Keypair = &ledger.payer;
    // No instruction has this discriminator: Anchor answers with its error,
    // logged as a validator logs it.
    let ix = Instruction::new_with_bytes(JOB_ESCROW_ID, &[0; 8], vec![]);
    let (blockhash, _) = ledger.latest_blockhash();
    let tx = Transaction::new_signed_with_payer(&[ix], Some(&payer.pubkey()), &[payer], blockhash);
    let result = ledger
        .banks_client
        .process_transaction_with_metadata(tx)
        .await
        .unwrap();
    assert!(result.result.is_err());
    let logs = result.metadata.expect("executed").log_messages;
    assert_eq!(logs[0], format!("Program {JOB_ESCROW_ID} invoke [1]"));
    assert!(
        logs.iter()
            .any(|l| l.starts_with("Program log: AnchorError")
                && l.contains("InstructionFallbackNotFound")),
        "{logs:#?}"
    );
}
