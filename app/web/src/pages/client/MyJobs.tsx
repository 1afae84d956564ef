/** The client's jobs, polled from the coordinator. */
import { api, type Job } from "../../api";
import { Amount, Card, Empty, ErrorBanner, Loading, StatusBadge, Table } from "../../components";
import { shortKey, time } from "../../format";
import { usePoll } from "../../hooks";
import type { ActiveWallet } from "../../wallet";

export function MyJobs({ wallet }: { wallet: ActiveWallet }) {
  const jobs = usePoll(() => api.jobs(wallet.signer), 2000, `jobs:${wallet.publicKey.toBase58()}`);
  return (
    <Card title="My jobs" testId="my-jobs">
      <ErrorBanner error={jobs.error} />
      {jobs.loading ? (
        <Loading />
      ) : jobs.data === null ? null : jobs.data.jobs.length === 0 ? (
        <Empty>No jobs yet. Quote one above.</Empty>
      ) : (
        <Table head={["Job", "Status", "Escrow", "Node", "Submitted"]}>
          {jobs.data.jobs.map((job: Job) => (
            <tr key={job.jobId}>
              <td>
                <a href={`#/jobs/${job.jobId}`}>
                  <code>{job.jobId.slice(0, 12)}…</code>
                </a>
              </td>
              <td>
                <StatusBadge status={job.status} />
              </td>
              <td className="num">
                <Amount value={job.escrow.amount} />
              </td>
              <td>
                <code>{shortKey(job.nodeId)}</code>
              </td>
              <td>{time(job.submittedAt)}</td>
            </tr>
          ))}
        </Table>
      )}
    </Card>
  );
}
