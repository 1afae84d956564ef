/** Wallet public keys are the protocol's (protocol/src/public-key.ts); re-exported for the domain. */
export * from "@cyxwiz/protocol/public-key";
