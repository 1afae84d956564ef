/**
 * The proof checker's errors. Why an IPFS read failed (IpfsError) is the protocol's,
 * shared with the node agent and the CLI; it is re-exported here.
 */
import { CoordinatorError } from "../domain/errors";

export { IpfsError, IpfsErrorCode } from "@cyxwiz/protocol/ipfs/errors";

export type EvaluatorErrorCode =
  /** Two evaluators registered for one job kind. */
  | "EVALUATOR_EXISTS"
  /** An evaluator without a usable kind name. */
  | "EVALUATOR_INVALID";

export class EvaluatorError extends CoordinatorError<EvaluatorErrorCode> {}
