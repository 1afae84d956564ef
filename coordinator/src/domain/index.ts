/** The coordinator's pure core: no Redis, HTTP, chain or IPFS in here. */
export * from "./errors";
export * from "./money";
export * from "./priority";
export * from "./gpu";
export * from "./requirements";
export * from "./public-key";
export * from "./workload";
export * from "./pricing";
export * from "./node-pool";
export * from "./node-score";
export * from "./availability";
export * from "./matcher";
export * from "./reliability";
export * from "./job-state";
export * from "./proof-verdict";
