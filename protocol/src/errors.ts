/**
 * The root of the protocol's errors: a stable string `code` that callers and tests
 * match on, and a message for people. The coordinator's own errors (CoordinatorError)
 * have the same shape.
 */
export class ProtocolError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
