/** The agent's own error, and the code an error event carries. */
import { CoordinatorClientError } from "@cyxwiz/lib";

export class AgentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "AgentError";
  }
}

/** The `code` of an "error" event: the coordinator client's, the error's own, else INTERNAL. */
export function codeOf(error: unknown): string {
  if (error instanceof CoordinatorClientError) return error.code;
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" ? code : "INTERNAL";
}
