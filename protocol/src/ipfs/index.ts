/** IPFS for the coordinator, the node agent and the CLI: the kubo client and reads under limits. */
export * from "./errors";
export * from "./client";
export * from "./read";
