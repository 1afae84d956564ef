//! Every PDA seed of the program, in one place.

/// `["config"]`: the single [`crate::state::Config`] account.
pub const CONFIG_SEED: &[u8] = b"config";
/// `["escrow", payer, job_id]`: one [`crate::state::JobEscrow`] per payer and job.
pub const ESCROW_SEED: &[u8] = b"escrow";
/// `["vault", escrow]`: the SPL token account holding an escrow's funds.
pub const VAULT_SEED: &[u8] = b"vault";
