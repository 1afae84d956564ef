/**
 * The root of the coordinator's error hierarchy. Every error the coordinator raises
 * carries a stable string `code` that the API returns and tests match on; messages are
 * for people and may change.
 */
export class CoordinatorError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
