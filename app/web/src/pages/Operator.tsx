/** Operator: every node with its state, reliability and earnings; one node's payouts over time. */
import { api, type NodeView } from "../api";
import { Amount, Card, EarningsChart, Empty, ErrorBanner, Loading, StatusBadge, Table } from "../components";
import { ago, percent, shortKey, time } from "../format";
import { usePoll } from "../hooks";

export function OperatorPage({ nodeId }: { nodeId?: string }) {
  const nodes = usePoll(() => api.nodes(), 2000, "nodes");
  return (
    <div className="page" data-testid="operator-page">
      <ErrorBanner error={nodes.error} />
      <Card title="Nodes" testId="nodes">
        {nodes.loading ? (
          <Loading />
        ) : nodes.data === null ? null : nodes.data.nodes.length === 0 ? (
          <Empty>No node has registered yet. Start a node agent to see it here.</Empty>
        ) : (
          <Table
            head={[
              "Node",
              "GPU",
              "Class",
              "State",
              "Last heartbeat",
              "Current job",
              "Reliability (uptime / jobs / proofs / latency)",
              "Earned",
            ]}
          >
            {nodes.data.nodes.map((node: NodeView) => (
              <tr key={node.nodeId} data-testid={`node-${node.nodeId}`} className={node.nodeId === nodeId ? "selected" : undefined}>
                <td>
                  <a href={`#/operator/${node.nodeId}`}>
                    <code>{shortKey(node.nodeId)}</code>
                  </a>
                </td>
                <td>
                  {node.gpuCount}× {node.gpuModel} ({node.vramGb} GB)
                </td>
                <td>{node.nodeClass}</td>
                <td>
                  <StatusBadge status={node.state} />
                </td>
                <td title={time(node.lastSeen)}>{ago(node.lastSeen)}</td>
                <td>{node.jobId === null ? "—" : <code>{node.jobId.slice(0, 10)}…</code>}</td>
                <td>
                  <strong>{percent(node.reliability.score)}</strong>{" "}
                  <span className="muted">
                    ({percent(node.reliability.parts.uptime)} / {percent(node.reliability.parts.jobs)} /{" "}
                    {percent(node.reliability.parts.proofs)} / {percent(node.reliability.parts.latency)})
                  </span>
                </td>
                <td className="num">
                  <Amount value={node.earnings.total} testId={`earned-${node.nodeId}`} />{" "}
                  <span className="muted">({node.earnings.jobs} jobs)</span>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
      {nodeId !== undefined ? (
        <NodeEarnings nodeId={nodeId} />
      ) : (
        nodes.data !== null && nodes.data.nodes.length > 0 && <p className="muted">Pick a node to see its earnings over time.</p>
      )}
    </div>
  );
}

function NodeEarnings({ nodeId }: { nodeId: string }) {
  const node = usePoll(() => api.node(nodeId), 2000, `node:${nodeId}`);
  if (node.loading) return <Loading />;
  return (
    <Card title={`Earnings of ${shortKey(nodeId)}`} testId="node-earnings">
      <ErrorBanner error={node.error} />
      {node.data !== null && (
        <>
          <p>
            Total <Amount value={node.data.earnings.total} testId="node-total" /> over {node.data.earnings.jobs} job(s).
          </p>
          <EarningsChart points={node.data.earnings.history.map((p) => ({ at: p.at, amount: BigInt(p.amount) }))} />
          {node.data.earnings.history.length > 0 && (
            <Table head={["When", "Job", "Outcome", "Paid", "Transaction"]}>
              {node.data.earnings.history.map((p) => (
                <tr key={p.jobId + p.at}>
                  <td>{time(p.at)}</td>
                  <td>
                    <code>{p.jobId.slice(0, 10)}…</code>
                  </td>
                  <td>{p.outcome}</td>
                  <td className="num">
                    <Amount value={p.amount} />
                  </td>
                  <td>
                    <code>{p.signature === null ? "—" : `${p.signature.slice(0, 12)}…`}</code>
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </>
      )}
    </Card>
  );
}
