/**
 * The CyxWiz TypeScript SDK for JobEscrow: the one client the project's services,
 * tests and tools import.
 */
export * from "./idl/job_escrow";
export * from "./connection";
export * from "./program";
export * from "./pda";
export * from "./job-id";
export * from "./proof";
export * from "./split";
export * from "./encoding";
export * from "./errors";
export * from "./send";
export * from "./instructions";
export * from "./escrow-account";
export * from "./config-account";
export * from "./escrow-client";
export * from "./events";
export * from "./history";
export * from "./token";
export * from "./clock";
export * from "./keypair-file";
export * from "./localnet-manifest";
export * from "./airdrop";
export * from "./localnet-faucet";
