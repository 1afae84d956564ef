/**
 * Every error the trainer raises: a stable string `code` callers branch on (the
 * coordinator's evaluator decides whose fault a failure is by it), a message for
 * people, and for spec errors the dotted `field` that is wrong.
 *
 * Whose fault each code is matters to the proof check:
 *   SPEC_INVALID, DATASET_INVALID   the client's job (the node cannot be blamed)
 *   WEIGHTS_INVALID, WEIGHTS_MISMATCH   the node's upload
 *   CHECKPOINT_INVALID, CHECKPOINT_MISMATCH   the node agent's own files
 *   TRAINING_ABORTED   the caller's AbortSignal fired
 */
export type TrainerErrorCode =
  /** The job spec is not a valid cyxwiz/mlp-classifier@1 spec; `field` names where. */
  | "SPEC_INVALID"
  /** The dataset bytes are not cyxwiz-tabular@1, or cannot be split as the spec asks. */
  | "DATASET_INVALID"
  /** The weights bytes are not cyxwiz-mlp-weights@1. */
  | "WEIGHTS_INVALID"
  /** Well-formed weights of another architecture than the spec and dataset give. */
  | "WEIGHTS_MISMATCH"
  /** The checkpoint bytes are not cyxwiz-mlp-checkpoint@1. */
  | "CHECKPOINT_INVALID"
  /** A checkpoint of another spec or dataset than the run it was offered to. */
  | "CHECKPOINT_MISMATCH"
  /** Training stopped because its AbortSignal fired. */
  | "TRAINING_ABORTED";

export class TrainerError<Code extends TrainerErrorCode = TrainerErrorCode> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    /** For SPEC_INVALID: the dotted path of the offending field, e.g. `hyperparameters.epochs`. */
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A spec error whose message starts with the field, so a person reading it knows where to look. */
export function specError(field: string, problem: string): TrainerError<"SPEC_INVALID"> {
  return new TrainerError("SPEC_INVALID", `${field} ${problem}`, field);
}

export function isTrainerError<Code extends TrainerErrorCode>(error: unknown, ...codes: Code[]): error is TrainerError<Code> {
  return error instanceof TrainerError && (codes.length === 0 || (codes as readonly string[]).includes(error.code));
}
