/** The chain side wired into the HTTP service: adapters, start-up checks and reconciliation. */
export * from "./errors";
export * from "./chain-context";
export * from "./chain-escrow-verifier";
export * from "./job-settled";
export * from "./chain-escrow-actions";
export * from "./reconcile";
export * from "./coordinator";
