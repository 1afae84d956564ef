/** Sentences for the coordinator's answers: quotes, job transitions, proof verdicts. */
import type { ProofVerdictBody, QuoteReply, TransitionBody } from "@cyxwiz/protocol/api/responses";
import { clockTime, formatMemoryGb, formatTokens, shortKey } from "./output";

function percent(bps: number): string {
  return `${bps / 100}%`;
}

/** The quote: price lines, the split on release, and which nodes could run the job. */
export function quoteLines(quote: QuoteReply): string[] {
  const lines: string[] = [];
  const { estimate, gpu } = quote;
  const expiresIn = Math.max(0, Math.round((Number(quote.expiresAt) - Date.now()) / 1000));
  lines.push(`Quote ${quote.quoteId} (${quote.priority} priority, expires in ${expiresIn} s)`);
  lines.push(
    `  work: ${estimate.gpuHours} GPU-hours on the reference GPU, priced on ${gpu.priceModel} (${gpu.nodeClass}), needs ≥ ${formatMemoryGb(estimate.minVramGb)} of VRAM`,
  );
  for (const line of quote.breakdown) {
    lines.push(`  ${String(line.item).padEnd(16)} ${formatTokens(line.amount).padStart(22)}   ${line.description ?? ""}`);
  }
  lines.push(`  ${"total".padEnd(16)} ${formatTokens(quote.amount).padStart(22)}`);
  const fee = Number(quote.feeBps);
  lines.push(
    `  on release: node ${formatTokens(quote.nodeAmount)} (${percent(10_000 - fee)}), treasury ${formatTokens(quote.platformFee)} (${percent(fee)})`,
  );
  lines.push(...availabilityLines(quote.availability));
  return lines;
}

export function availabilityLines(availability: QuoteReply["availability"] | null | undefined): string[] {
  if (availability === undefined || availability === null) return [];
  const lines = [
    `Availability: ${availability.verdict} — ${availability.eligible} node(s) could run it, ${availability.availableNow} free now, ${availability.queueDepth} job(s) queued`,
  ];
  availability.candidates.forEach((c, i) => {
    const parts = c.scoreParts;
    const split =
      parts === undefined
        ? ""
        : ` = ${Number(parts.reliability).toFixed(3)} reliability + ${Number(parts.price).toFixed(3)} price + ${Number(parts.size).toFixed(3)} VRAM fit`;
    lines.push(
      `  ${i === 0 ? "→" : " "} ${c.nodeId}  ${c.gpuModel} ${c.nodeClass} ${c.vramGb} GB  ${c.state}  reliability ${Number(c.reliability).toFixed(2)}  cost ${formatTokens(c.nodeCost)}  score ${Number(c.score).toFixed(3)}${split}`,
    );
  });
  if (availability.candidates.length > 0) {
    // The terms are the coordinator's own (its configured weights), not re-derived here.
    lines.push(
      "    (each term is the coordinator's weight × the node's reliability, the cheapness of its price floor, how well its VRAM fits; the best free node gets the job)",
    );
  }
  for (const reason of availability.reasons) lines.push(`  why not: ${reason}`);
  return lines;
}

/** One job transition: time, from → to, reason, node, detail. */
export function transitionLine(t: TransitionBody): string {
  const node = t.nodeId ? ` node ${shortKey(String(t.nodeId))}` : "";
  const instruction = t.instruction ? ` [${t.instruction}]` : "";
  const detail = t.detail ? ` — ${t.detail}` : "";
  return `${clockTime(Number(t.at))}  ${String(t.from ?? "·").padStart(16)} → ${String(t.to).padEnd(16)} ${t.reason ?? t.event ?? ""}${node}${instruction}${detail}`;
}

/** What the coordinator checked before paying. */
export function verdictLines(verdict: ProofVerdictBody | null | undefined): string[] {
  if (verdict === null || verdict === undefined) return [];
  if (verdict.outcome === "verified") {
    const lines = [`Proof verified: the ${verdict.bytes} bytes under the CID hash to sha256 ${verdict.sha256} (the proof hash on chain)`];
    const metrics = verdict.metrics;
    if (metrics.reevaluated === true) {
      lines.push(`  metrics re-evaluated by ${metrics.evaluator}: ${metricText(metrics.metrics)}`);
    } else {
      lines.push(`  metrics NOT re-evaluated: ${metrics.why ?? "no evaluator for this kind"}`);
    }
    return lines;
  }
  return [`Proof ${verdict.outcome}: ${verdict.reason}${verdict.detail ? ` — ${verdict.detail}` : ""}`];
}

/** The metrics the coordinator re-evaluated, when it verified the proof and could. */
export function reevaluatedMetrics(verdict: ProofVerdictBody | null | undefined): Record<string, number> | undefined {
  return verdict?.outcome === "verified" && verdict.metrics.reevaluated ? verdict.metrics.metrics : undefined;
}

export function metricText(metrics: Record<string, number> | undefined): string {
  if (metrics === undefined) return "(none)";
  return Object.entries(metrics)
    .map(([name, value]) => `${name} ${Number(value).toFixed(4)}`)
    .join(", ");
}
