/**
 * Stand-ins for the chain ports until coordinator/src/chain/ is wired into main.ts:
 * submissions answer 503 CHAIN_UNAVAILABLE, and the loops log and retry every money
 * action (a reserved offer then expires, so no job is ever offered without its lock).
 */
import { EscrowVerifier, Settlement } from "./ports";

const MESSAGE = "the chain side is not wired into this coordinator (coordinator/src/chain)";

export function unwiredChain(): { escrowVerifier: EscrowVerifier; settlement: Settlement } {
  const refuse = async (): Promise<never> => {
    throw new Error(MESSAGE);
  };
  return {
    escrowVerifier: { verify: refuse },
    settlement: { lock: refuse, unlock: refuse, refund: refuse },
  };
}
