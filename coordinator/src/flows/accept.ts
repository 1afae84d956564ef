/**
 * Accept: a node's heartbeat keeps its lease and, by naming the job it was offered,
 * accepts the offer (offered → running; the run deadline starts). One script does
 * both and answers with what waits for the node: an offer, or a cancellation of the
 * job it holds. A node that names a job it does not hold is `not-assigned`.
 * Registration (POST /v1/nodes) is here too: it is what makes a node matchable.
 */
import type { StoredNode } from "../store/node-codec";
import type { Beat, BeatOutcome, Registration } from "../store/nodes";
import type { FlowContext } from "./context";

export type { Beat, BeatOutcome };

export function heartbeat(ctx: Pick<FlowContext, "store">, beat: Beat): Promise<BeatOutcome> {
  return ctx.store.nodes.heartbeat(beat);
}

/** Registers a node, or updates its registration; the node as stored afterwards. */
export async function registerNode(
  ctx: Pick<FlowContext, "store" | "clock">,
  registration: Registration,
): Promise<{ readonly created: boolean; readonly node: StoredNode; readonly now: number }> {
  const now = ctx.clock();
  const outcome = await ctx.store.nodes.register(registration, now);
  const node = await ctx.store.nodes.get(registration.nodeId);
  if (node === null) throw new Error(`node ${registration.nodeId} vanished right after registering`);
  return { created: outcome === "created", node, now };
}
