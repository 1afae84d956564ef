/** The signed-request format is the protocol's (protocol/src/signed-request.ts); re-exported for older imports. */
export * from "@cyxwiz/protocol/signed-request";
