/** Platform: jobs by status, tokens held in escrow, nodes, the latest settlements. */
import { api } from "../api";
import { Amount, Card, Empty, ErrorBanner, Loading, StatusBadge, Table } from "../components";
import { shortKey, time } from "../format";
import { usePoll } from "../hooks";

export function PlatformPage() {
  const stats = usePoll(() => api.stats(), 2000, "stats");
  const s = stats.data;
  return (
    <div className="page" data-testid="platform-page">
      <ErrorBanner error={stats.error} />
      {stats.loading ? (
        <Loading />
      ) : s === null ? null : (
        <>
          <div className="tiles">
            <div className="tile">
              <div className="muted">Held in escrow</div>
              <Amount value={s.escrow.held} testId="escrow-held" />
              <div className="muted">{s.escrow.openJobs} open job(s)</div>
            </div>
            <div className="tile">
              <div className="muted">Jobs</div>
              <strong data-testid="jobs-total">{s.jobs.total}</strong>
            </div>
            <div className="tile">
              <div className="muted">Nodes online / busy / offline</div>
              <strong>
                {s.nodes.online} / {s.nodes.busy} / {s.nodes.offline}
              </strong>
            </div>
          </div>
          <Card title="Jobs by status" testId="jobs-by-status">
            {s.jobs.total === 0 ? (
              <Empty>No jobs yet.</Empty>
            ) : (
              <table>
                <tbody>
                  {Object.entries(s.jobs.byStatus)
                    .filter(([, count]) => count > 0)
                    .map(([status, count]) => (
                      <tr key={status}>
                        <td>
                          <StatusBadge status={status} />
                        </td>
                        <td className="num" data-testid={`count-${status}`}>
                          {count}
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            )}
          </Card>
          <Card title="Recent settlements" testId="settlements">
            {s.settlements.length === 0 ? (
              <Empty>No settlements yet: released, refunded and settled jobs appear here.</Empty>
            ) : (
              <Table head={["When", "Job", "Outcome", "Escrow", "Node", "Platform fee", "Client refund"]}>
                {s.settlements.map((x) => (
                  <tr key={x.jobId}>
                    <td>{time(x.at)}</td>
                    <td>
                      <code>{x.jobId.slice(0, 10)}…</code>
                    </td>
                    <td>
                      <StatusBadge status={x.outcome} />
                    </td>
                    <td className="num">
                      <Amount value={x.amount} />
                    </td>
                    <td className="num">
                      <Amount value={x.nodeAmount} /> <code>{shortKey(x.nodeId)}</code>
                    </td>
                    <td className="num">
                      <Amount value={x.platformFee} />
                    </td>
                    <td className="num">
                      <Amount value={x.clientRefund} />
                    </td>
                  </tr>
                ))}
              </Table>
            )}
          </Card>
        </>
      )}
    </div>
  );
}
