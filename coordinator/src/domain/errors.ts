/**
 * The root of the coordinator's error hierarchy. Every error the coordinator raises
 * carries a stable string `code` that the API returns and tests match on; messages are
 * for people and may change. It is a ProtocolError, like the errors of the signed-request
 * format and the IPFS reads it shares with its clients (protocol/src).
 */
import { ProtocolError } from "@cyxwiz/protocol/errors";

export class CoordinatorError<Code extends string = string> extends ProtocolError<Code> {}
