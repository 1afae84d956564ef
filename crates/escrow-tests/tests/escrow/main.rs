//! JobEscrow in a real Solana bank: the program runs natively, the SPL Token
//! and ATA programs it calls are the real ones. One test binary, one module per
//! feature; numbers in test names refer to docs/security-tests.md.

mod harness;

mod test_config;
mod test_dispute;
mod test_expiry;
mod test_lifecycle;
mod test_random_sequences;
mod test_security;
mod test_split;
mod test_status_table;
