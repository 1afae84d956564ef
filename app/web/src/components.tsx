import type { ReactNode } from "react";

import { CoordinatorDownError, describe } from "./api";
import { FundingError } from "./funding-error";
import { tokens } from "./format";

/** An error as a banner that says what to do. */
export function ErrorBanner({ error, context }: { error: unknown; context?: string }) {
  if (error === null || error === undefined) return null;
  const down = error instanceof CoordinatorDownError;
  const rpc = error instanceof FundingError && error.code === "RPC_UNREACHABLE";
  return (
    <div className={`banner error${down ? " down" : ""}`} role="alert" data-testid={down ? "coordinator-down" : rpc ? "rpc-down" : "error"}>
      {context !== undefined && <strong>{context}: </strong>}
      {describe(error)}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Loading() {
  return <p className="muted">Loading…</p>;
}

export function Amount({ value, testId }: { value: bigint | string | null | undefined; testId?: string }) {
  const base = value === null || value === undefined ? "" : BigInt(value).toString();
  return (
    <span className="amount" data-testid={testId} data-base-units={base} title={base === "" ? undefined : `${base} base units`}>
      {tokens(value)}
    </span>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status}`}>{status}</span>;
}

export function Signature({ signature }: { signature: string | null | undefined }) {
  if (signature === null || signature === undefined) return <span className="muted">—</span>;
  return (
    <code className="sig" title={signature}>
      {signature.slice(0, 10)}…{signature.slice(-6)}
    </code>
  );
}

export function Card({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <section className="card" data-testid={testId}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/**
 * Cumulative earnings over time as an SVG step line: one point per payout. Plain SVG, no
 * chart library.
 */
export function EarningsChart({ points }: { points: { at: number; amount: bigint }[] }) {
  if (points.length === 0) return <Empty>No payouts yet: the chart starts with the node's first released or settled job.</Empty>;
  const sorted = [...points].sort((a, b) => a.at - b.at);
  let running = 0n;
  const cumulative = sorted.map((p) => {
    running += p.amount;
    return { at: p.at, total: running };
  });
  const width = 560;
  const height = 180;
  const pad = 36;
  const first = cumulative[0].at;
  const t1 = cumulative[cumulative.length - 1].at;
  // The line starts at zero a little before the first payout, so one payout is a step too.
  const t0 = first - Math.max(60_000, (t1 - first) * 0.05);
  const max = Number(running === 0n ? 1n : running);
  const x = (at: number) => pad + ((at - t0) / (t1 - t0)) * (width - 2 * pad);
  const y = (total: bigint) => height - pad - (Number(total) / max) * (height - 2 * pad);
  let d = `M ${x(t0)} ${y(0n)}`;
  for (const point of cumulative) d += ` H ${x(point.at)} V ${y(point.total)}`;
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label="cumulative earnings" data-testid="earnings-chart">
      <line x1={pad} y1={height - pad} x2={width - pad} y2={height - pad} className="axis" />
      <line x1={pad} y1={pad} x2={pad} y2={height - pad} className="axis" />
      <path d={d} className="line" />
      {cumulative.map((point) => (
        <circle key={`${point.at}:${point.total}`} cx={x(point.at)} cy={y(point.total)} r={3} className="dot">
          <title>{`${new Date(point.at).toLocaleString()}: ${tokens(point.total)}`}</title>
        </circle>
      ))}
      <text x={pad} y={pad - 8} className="label">
        {tokens(running)}
      </text>
      <text x={pad} y={height - pad + 16} className="label">
        {new Date(t0).toLocaleTimeString()}
      </text>
      <text x={width - pad} y={height - pad + 16} className="label" textAnchor="end">
        {new Date(t1).toLocaleTimeString()}
      </text>
    </svg>
  );
}

/** A table with a header row; rows are the children. */
export function Table({ head, children }: { head: readonly string[]; children: ReactNode }) {
  return (
    <table>
      <thead>
        <tr>
          {head.map((name) => (
            <th key={name}>{name}</th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
