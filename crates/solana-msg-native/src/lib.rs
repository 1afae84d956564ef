//! `msg!` for programs, identical on-chain, with an off-chain hook.
//!
//! Upstream prints `msg!` to stdout when a program runs natively, so the
//! `Program log:` lines a validator would record (Anchor's "Instruction: …",
//! "AnchorError occurred …") never reach the transaction's log. A host that
//! runs programs natively (CyxWiz's bank) installs a hook with
//! [`set_host_log_hook`] and writes them where a validator would.

/// Print a message to the log.
#[macro_export]
macro_rules! msg {
    ($msg:expr) => {
        $crate::sol_log($msg)
    };
    ($($arg:tt)*) => ($crate::sol_log(&format!($($arg)*)));
}

#[cfg(target_os = "solana")]
pub mod syscalls {
    //! Syscall definitions used by `solana_msg`.
    pub use solana_define_syscall::definitions::{
        sol_log_, sol_log_64_, sol_log_compute_units_, sol_log_data,
    };
}

#[cfg(not(target_os = "solana"))]
static HOST_LOG_HOOK: std::sync::OnceLock<fn(&str) -> bool> = std::sync::OnceLock::new();

/// Off-chain only: route `sol_log` through `hook`, which returns `false` to
/// fall back to stdout. Returns `false` if a hook was already installed.
#[cfg(not(target_os = "solana"))]
pub fn set_host_log_hook(hook: fn(&str) -> bool) -> bool {
    HOST_LOG_HOOK.set(hook).is_ok()
}

/// Print a string to the log.
#[inline]
pub fn sol_log(message: &str) {
    #[cfg(target_os = "solana")]
    unsafe {
        syscalls::sol_log_(message.as_ptr(), message.len() as u64);
    }

    #[cfg(not(target_os = "solana"))]
    {
        if HOST_LOG_HOOK.get().is_some_and(|hook| hook(message)) {
            return;
        }
        println!("{message}");
    }
}
