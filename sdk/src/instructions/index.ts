/** One builder per JobEscrow instruction, with every account explicit (`accountsStrict`). */
export * from "./initialize-config";
export * from "./update-config";
export * from "./create-escrow";
export * from "./lock-escrow";
export * from "./unlock-escrow";
export * from "./release-escrow";
export * from "./refund-escrow";
export * from "./settle-partial";
export * from "./open-dispute";
export * from "./resolve-dispute";
export * from "./reclaim-expired";
export * from "./close-escrow";
