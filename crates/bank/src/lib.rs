//! A real Solana bank with JobEscrow in it.
//!
//! The program is compiled for the host and registered as a native builtin of
//! a `solana-program-test` bank, next to the real SPL Token and Associated
//! Token programs (loaded as SBF). Accounts, rent, signer and owner checks and
//! CPIs are the runtime's own; what differs from a validator is only that the
//! program's code runs as host code (no compute metering, no SBF stack limit).
//!
//! Two pieces of glue make an Anchor 0.32 program behave natively as it does
//! on-chain, and both live here:
//! - `entry`: Anchor's entrypoint ties the account slice and the account infos
//!   to one lifetime; the runtime's function type has two.
//! - logs: natively, `msg!` and `sol_log_data` print to stdout. [`start`]
//!   routes them into the transaction's log as `Program log: …` and
//!   `Program data: <base64>`, as a validator records them: that is where
//!   Anchor clients read events and error names from.

use std::{cell::RefCell, rc::Rc, sync::Once};

use solana_account_info::AccountInfo;
use solana_instruction::Instruction;
use solana_log_collector::LogCollector;
use solana_program_entrypoint::ProgramResult;
use solana_program_runtime::{invoke_context::BuiltinFunctionWithContext, stable_log};
use solana_program_test::{ProgramTest, ProgramTestContext};
use solana_pubkey::Pubkey;
use solana_sysvar::program_stubs::{set_syscall_stubs, SyscallStubs};

pub use job_escrow::ID as JOB_ESCROW_ID;

mod ledger;
pub use ledger::{Ledger, DEFAULT_SLOT_DURATION};

/// The builtin's name in the bank.
const JOB_ESCROW_NAME: &str = "job_escrow";

thread_local! {
    /// The log of the transaction whose JobEscrow instruction is executing.
    static TX_LOG: RefCell<Option<Rc<RefCell<LogCollector>>>> = const { RefCell::new(None) };
}

fn job_escrow_entry(program_id: &Pubkey, accounts: &[AccountInfo], data: &[u8]) -> ProgramResult {
    // SAFETY: only lifetimes change. The infos and the slice both live for the
    // whole call, which is all Anchor's single `'info` lifetime asks for.
    let accounts: &[AccountInfo] = unsafe { std::mem::transmute(accounts) };
    job_escrow::entry(program_id, accounts, data)
}

/// JobEscrow as a runtime builtin: `processor!` plus access to the transaction log.
fn job_escrow_builtin() -> BuiltinFunctionWithContext {
    |vm, _arg0, _arg1, _arg2, _arg3, _arg4| {
        // SAFETY: the layout contract of `solana_program_test::processor!`.
        let vm = unsafe {
            &mut *((vm as *mut u64)
                .offset(-(solana_program_test::get_runtime_environment_key() as isize))
                as *mut solana_program_test::EbpfVm<solana_program_test::InvokeContext>)
        };
        let log = vm.context_object_pointer.get_log_collector();
        let start = log_len(&log);
        let outer = TX_LOG.with(|cell| cell.replace(log.clone()));
        vm.program_result = solana_program_test::invoke_builtin_function(
            job_escrow_entry,
            vm.context_object_pointer,
        )
        .map_err(solana_program_test::EbpfError::SyscallError)
        .into();
        TX_LOG.with(|cell| cell.replace(outer));
        // The runtime already logs this invocation's "invoke" and its outcome.
        drop_echoes(&log, start, &JOB_ESCROW_ID, true);
    }
}

fn log_len(log: &Option<Rc<RefCell<LogCollector>>>) -> usize {
    log.as_ref().map_or(0, |l| l.borrow().messages.len())
}

/// `solana-program-test` writes its own "Program X invoke [n]" line before,
/// and "Program X success"/"failed" line after, a native invocation and a
/// native CPI, next to the runtime's. A validator writes each once, and Anchor
/// clients parse the log as a call stack, so the echoes are removed.
fn drop_echoes(
    log: &Option<Rc<RefCell<LogCollector>>>,
    start: usize,
    program: &Pubkey,
    closing: bool,
) {
    let Some(log) = log else { return };
    let messages = &mut log.borrow_mut().messages;
    let invoke = format!("Program {program} invoke [");
    if messages
        .get(start)
        .is_some_and(|line| line.starts_with(&invoke))
    {
        messages.remove(start);
    }
    let outcome = [
        format!("Program {program} success"),
        format!("Program {program} failed"),
    ];
    if closing
        && messages.len() > start
        && messages
            .last()
            .is_some_and(|line| outcome.iter().any(|o| line.starts_with(o.as_str())))
    {
        messages.pop();
    }
}

fn current_log() -> Option<Rc<RefCell<LogCollector>>> {
    TX_LOG.with(|cell| cell.borrow().clone())
}

/// The runtime's stubs, with `sol_log_data` writing to the transaction log.
struct LogDataStubs {
    inner: Box<dyn SyscallStubs>,
}

impl SyscallStubs for LogDataStubs {
    fn sol_log(&self, message: &str) {
        self.inner.sol_log(message)
    }
    fn sol_log_compute_units(&self) {
        self.inner.sol_log_compute_units()
    }
    fn sol_remaining_compute_units(&self) -> u64 {
        self.inner.sol_remaining_compute_units()
    }
    fn sol_invoke_signed(
        &self,
        instruction: &Instruction,
        account_infos: &[AccountInfo],
        signers_seeds: &[&[&[u8]]],
    ) -> ProgramResult {
        let log = current_log();
        let start = log_len(&log);
        let result = self
            .inner
            .sol_invoke_signed(instruction, account_infos, signers_seeds);
        drop_echoes(&log, start, &instruction.program_id, result.is_ok());
        result
    }
    fn sol_get_sysvar(&self, id: *const u8, var: *mut u8, offset: u64, length: u64) -> u64 {
        self.inner.sol_get_sysvar(id, var, offset, length)
    }
    fn sol_get_clock_sysvar(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_clock_sysvar(var_addr)
    }
    fn sol_get_epoch_schedule_sysvar(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_epoch_schedule_sysvar(var_addr)
    }
    fn sol_get_fees_sysvar(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_fees_sysvar(var_addr)
    }
    fn sol_get_rent_sysvar(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_rent_sysvar(var_addr)
    }
    fn sol_get_epoch_rewards_sysvar(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_epoch_rewards_sysvar(var_addr)
    }
    fn sol_get_last_restart_slot(&self, var_addr: *mut u8) -> u64 {
        self.inner.sol_get_last_restart_slot(var_addr)
    }
    fn sol_get_epoch_stake(&self, vote_address: *const u8) -> u64 {
        self.inner.sol_get_epoch_stake(vote_address)
    }
    unsafe fn sol_memcpy(&self, dst: *mut u8, src: *const u8, n: usize) {
        self.inner.sol_memcpy(dst, src, n)
    }
    unsafe fn sol_memmove(&self, dst: *mut u8, src: *const u8, n: usize) {
        self.inner.sol_memmove(dst, src, n)
    }
    unsafe fn sol_memcmp(&self, s1: *const u8, s2: *const u8, n: usize, result: *mut i32) {
        self.inner.sol_memcmp(s1, s2, n, result)
    }
    unsafe fn sol_memset(&self, s: *mut u8, c: u8, n: usize) {
        self.inner.sol_memset(s, c, n)
    }
    fn sol_get_return_data(&self) -> Option<(Pubkey, Vec<u8>)> {
        self.inner.sol_get_return_data()
    }
    fn sol_set_return_data(&self, data: &[u8]) {
        self.inner.sol_set_return_data(data)
    }
    fn sol_log_data(&self, fields: &[&[u8]]) {
        TX_LOG.with(|cell| match cell.borrow().as_ref() {
            Some(log) => stable_log::program_data(&Some(Rc::clone(log)), fields),
            None => self.inner.sol_log_data(fields),
        })
    }
    fn sol_get_processed_sibling_instruction(&self, index: usize) -> Option<Instruction> {
        self.inner.sol_get_processed_sibling_instruction(index)
    }
    fn sol_get_stack_height(&self) -> u64 {
        self.inner.sol_get_stack_height()
    }
}

/// `msg!` from JobEscrow, as a validator logs it (see `crates/solana-msg-native`).
fn log_to_transaction(message: &str) -> bool {
    TX_LOG.with(|cell| match cell.borrow().as_ref() {
        Some(log) => {
            stable_log::program_log(&Some(Rc::clone(log)), message);
            true
        }
        None => false,
    })
}

/// Placeholder swapped in for the moment it takes to wrap the runtime's stubs.
struct NoStubs;
impl SyscallStubs for NoStubs {}

/// Wrap the stubs `solana-program-test` installs when its first bank starts.
fn install_log_data_stubs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let inner = set_syscall_stubs(Box::new(NoStubs));
        set_syscall_stubs(Box::new(LogDataStubs { inner }));
        solana_msg::set_host_log_hook(log_to_transaction);
    });
}

/// A `ProgramTest` with JobEscrow registered natively (SPL Token, Token-2022 and
/// ATA are part of every `ProgramTest` genesis, as SBF). Its context registers
/// a blockhash every 6.4 ms; a chain with real slots is a [`Ledger`].
pub fn program_test() -> ProgramTest {
    let mut test = ProgramTest::new(JOB_ESCROW_NAME, JOB_ESCROW_ID, Some(job_escrow_builtin()));
    test.prefer_bpf(false);
    test
}

/// Start the bank; from here on JobEscrow's events appear in transaction logs.
pub async fn start(test: ProgramTest) -> ProgramTestContext {
    let context = test.start_with_context().await;
    install_log_data_stubs();
    context
}
