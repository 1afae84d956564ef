//! Reading the bank: accounts, token balances, decoded escrows, the clock.

use anchor_lang::{prelude::Pubkey, AccountDeserialize};
use job_escrow::state::{Config, EscrowStatus, JobEscrow};
use solana_sdk::{account::Account, clock::Clock, program_pack::Pack};

use super::{config_pda, Env};

impl Env {
    pub async fn account(&mut self, address: &Pubkey) -> Option<Account> {
        self.ctx.banks_client.get_account(*address).await.unwrap()
    }

    pub async fn balance(&mut self, token_account: &Pubkey) -> u64 {
        match self.account(token_account).await {
            Some(account) => spl_token::state::Account::unpack(&account.data)
                .map(|a| a.amount)
                .unwrap_or(0),
            None => 0,
        }
    }

    pub async fn escrow(&mut self, address: &Pubkey) -> JobEscrow {
        let account = self.account(address).await.expect("escrow exists");
        JobEscrow::try_deserialize(&mut account.data.as_slice()).expect("escrow decodes")
    }

    pub async fn config(&mut self) -> Config {
        let account = self.account(&config_pda()).await.expect("config exists");
        Config::try_deserialize(&mut account.data.as_slice()).expect("config decodes")
    }

    pub async fn clock(&mut self) -> Clock {
        self.ctx.banks_client.get_sysvar::<Clock>().await.unwrap()
    }

    pub async fn now(&mut self) -> i64 {
        self.clock().await.unix_timestamp
    }

    /// Move the cluster clock to `unix_timestamp` (forward or backward).
    pub async fn set_time(&mut self, unix_timestamp: i64) {
        let mut clock = self.clock().await;
        clock.unix_timestamp = unix_timestamp;
        self.ctx.set_sysvar(&clock);
    }

    pub async fn status(&mut self, escrow: &Pubkey) -> EscrowStatus {
        self.escrow(escrow).await.status
    }
}
