//! Sending transactions, and the ledger checked after each one: tokens are
//! conserved (security test 21) and a failed transaction moves nothing.

use std::collections::BTreeMap;

use anchor_lang::{prelude::Pubkey, AccountDeserialize, AnchorDeserialize, Discriminator};
use job_escrow::state::JobEscrow;
use solana_program_test::BanksClientError;
use solana_sdk::{
    compute_budget::ComputeBudgetInstruction,
    instruction::{Instruction, InstructionError},
    signature::{Keypair, Signer},
    transaction::{Transaction, TransactionError},
};

use super::{config_pda, vault_pda, Env};

/// What a transaction left behind: its logs and the events decoded from them.
#[derive(Debug, Default)]
pub struct TxOutcome {
    pub logs: Vec<String>,
}

impl TxOutcome {
    /// Raw `Program data:` payloads (discriminator + borsh), in order.
    pub fn event_payloads(&self) -> Vec<Vec<u8>> {
        use base64::Engine;
        self.logs
            .iter()
            .filter_map(|line| line.strip_prefix("Program data: "))
            .map(|b64| {
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .expect("event base64")
            })
            .collect()
    }

    /// The single event of type `E`, asserting there is exactly one event in all.
    pub fn only_event<E: AnchorDeserialize + Discriminator>(&self) -> E {
        let payloads = self.event_payloads();
        assert_eq!(
            payloads.len(),
            1,
            "expected exactly one event, logs: {:#?}",
            self.logs
        );
        let data = &payloads[0];
        assert_eq!(&data[..8], E::DISCRIMINATOR, "unexpected event type");
        E::deserialize(&mut &data[8..]).expect("event decodes")
    }
}

impl Env {
    /// Send one transaction (fee payer: the bench). Every transaction is made
    /// unique with a compute-limit nonce so identical instructions can be re-sent.
    /// After it, success or not, the conservation ledger is checked.
    pub async fn send(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> Result<TxOutcome, TransactionError> {
        self.nonce += 1;
        let mut all = vec![ComputeBudgetInstruction::set_compute_unit_limit(
            1_000_000 + self.nonce % 400_000,
        )];
        all.extend_from_slice(ixs);
        let payer = self.ctx.payer.insecure_clone();
        let mut keys: Vec<&Keypair> = vec![&payer];
        for signer in signers {
            if !keys.iter().any(|k| k.pubkey() == signer.pubkey()) {
                keys.push(signer);
            }
        }
        // The bank retires blockhashes after ~60 s (150 × 400 ms), as a cluster does.
        let blockhash = self
            .ctx
            .banks_client
            .get_latest_blockhash()
            .await
            .expect("blockhash");
        let tx = Transaction::new_signed_with_payer(&all, Some(&payer.pubkey()), &keys, blockhash);
        let result = self
            .ctx
            .banks_client
            .process_transaction_with_metadata(tx)
            .await;
        let outcome = match result {
            Ok(r) => {
                let logs = r.metadata.map(|m| m.log_messages).unwrap_or_default();
                match r.result {
                    Ok(()) => Ok(TxOutcome { logs }),
                    Err(e) => Err(e),
                }
            }
            Err(BanksClientError::TransactionError(e)) => Err(e),
            Err(e) => panic!("bank error: {e:?}"),
        };
        self.check_conservation().await;
        outcome
    }

    /// Send, expecting `error` from instruction `index` (0 = the first of `ixs`),
    /// and check that no tracked token balance moved.
    pub async fn expect_err_at(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        index: u8,
        error: InstructionError,
    ) {
        let before = self.snapshot().await;
        let result = self.send(ixs, signers).await;
        // +1: the compute-budget nonce instruction comes first.
        assert_eq!(
            result.err(),
            Some(TransactionError::InstructionError(index + 1, error)),
            "wrong outcome"
        );
        assert_eq!(
            self.snapshot().await,
            before,
            "a failed transaction moved tokens or escrow state"
        );
    }

    pub async fn expect_err(
        &mut self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        error: InstructionError,
    ) {
        self.expect_err_at(ixs, signers, 0, error).await
    }

    pub async fn expect_ok(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> TxOutcome {
        match self.send(ixs, signers).await {
            Ok(outcome) => outcome,
            Err(e) => panic!("transaction failed: {e:?}"),
        }
    }

    /// Every tracked token balance and escrow account, for before/after comparisons.
    pub async fn snapshot(&mut self) -> BTreeMap<Pubkey, Option<Vec<u8>>> {
        let mut keys: Vec<Pubkey> = self.token_accounts.clone();
        keys.extend(self.escrows.iter().copied());
        keys.push(config_pda());
        let mut out = BTreeMap::new();
        for key in keys {
            let data = self.account(&key).await.map(|a| a.data);
            out.insert(key, data);
        }
        out
    }

    /// Security test 21: the tokens that exist are the tokens minted, and every
    /// live escrow's vault holds exactly its recorded amount.
    pub async fn check_conservation(&mut self) {
        let mut total: u128 = 0;
        for key in self.token_accounts.clone() {
            total += u128::from(self.balance(&key).await);
        }
        assert_eq!(total, self.minted, "tokens were created or destroyed");
        for escrow in self.escrows.clone() {
            let Some(account) = self.account(&escrow).await else {
                continue;
            };
            let Ok(state) = JobEscrow::try_deserialize(&mut account.data.as_slice()) else {
                continue;
            };
            let vault = self.balance(&vault_pda(&escrow)).await;
            if state.status.is_final() {
                assert_eq!(vault, 0, "settled escrow's vault is not empty");
                let paid = u128::from(state.node_paid)
                    + u128::from(state.platform_paid)
                    + u128::from(state.refunded);
                assert_eq!(paid, u128::from(state.amount), "settlement does not add up");
            } else {
                assert_eq!(
                    vault, state.amount,
                    "live escrow's vault differs from its amount"
                );
            }
        }
    }
}
