/** The chain side wired into the HTTP service: adapters, start-up checks and reconciliation. */
export * from "./errors";
export * from "./chain-context";
export * from "./escrow-verifier";
export * from "./job-settled";
export * from "./settlement";
export * from "./reconcile";
export * from "./coordinator";
