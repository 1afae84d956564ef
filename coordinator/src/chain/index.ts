/** The coordinator's chain side: escrow checks at submission and exactly-once money actions. */
export * from "./errors";
export * from "./escrow-account";
export * from "./submission-escrow";
export * from "./settlement-actions";
export * from "./intent";
export * from "./intent-store";
export * from "./transaction";
export * from "./intent-driver";
export * from "./escrow-action-runner";
