/** One job: status timeline with reasons, the escrow as the chain has it, proof, money, download, cancel. */
import { PublicKey } from "@solana/web3.js";
import { useState } from "react";

import { isFinalStatus } from "@cyxwiz/sdk/escrow-account";
import { releaseSplit } from "@cyxwiz/sdk/split";
import { api } from "../api";
import { Amount, Card, Empty, ErrorBanner, Loading, Signature, StatusBadge } from "../components";
import { useApp, useChain } from "../context";
import { percent, shortKey, time } from "../format";
import { usePoll } from "../hooks";
import { weightsUrl } from "../settings";
import { useActiveWallet } from "../wallet";

const CANCELLABLE = ["queued", "offered", "running"];

export function JobPage({ jobId }: { jobId: string }) {
  const { active } = useActiveWallet();
  const { settings } = useApp();
  const chain = useChain();
  const [cancelError, setCancelError] = useState<unknown>(null);
  const [cancelling, setCancelling] = useState(false);
  const job = usePoll(active === null ? null : () => api.job(active.signer, jobId), 1500, `job:${jobId}:${active?.publicKey.toBase58()}`);
  const escrowAddress = job.data?.escrow.address ?? null;
  const escrow = usePoll(escrowAddress === null ? null : () => chain.escrow(new PublicKey(escrowAddress)), 2000, `escrow:${escrowAddress}`);

  if (active === null) {
    return (
      <div className="page">
        <Card title={`Job ${jobId.slice(0, 12)}…`}>
          <Empty>Connect the wallet that submitted this job (Client page) to see it: job details are signed requests.</Empty>
        </Card>
      </div>
    );
  }
  if (job.loading) return <Loading />;
  if (job.data === null) {
    return (
      <div className="page">
        <ErrorBanner error={job.error} context="Job" />
      </div>
    );
  }
  const j = job.data;
  const e = escrow.data;
  const amount = BigInt(j.escrow.amount);
  const expected = releaseSplit(amount, j.escrow.feeBps);
  const verdict = j.verification?.verdict ?? null;
  const download = j.proof === null ? null : weightsUrl(settings, j.proof.weightsCid);
  // Amounts paid are shown from the chain only once the chain shows the payout (the job's
  // status can be a poll ahead of the escrow's).
  const paid = e !== null && isFinalStatus(e.status) ? e : null;

  const cancel = async () => {
    setCancelling(true);
    setCancelError(null);
    try {
      await api.cancel(active.signer, jobId);
      job.refresh();
    } catch (caught) {
      setCancelError(caught);
    } finally {
      setCancelling(false);
    }
  };

  return (
    <div className="page" data-testid="job-page">
      <ErrorBanner error={job.error} />
      <Card title="Job">
        <p>
          <code>{j.jobId}</code>
        </p>
        <p>
          Status: <span data-testid="job-status">{j.status}</span> <StatusBadge status={j.status} />
          {j.progress !== null && j.status === "running" && <> · progress {percent(j.progress)}</>}
        </p>
        {(j.verifiedProgress != null || (j.resumeEpoch ?? 0) > 0) && (
          <p className="muted" data-testid="run-progress">
            {j.verifiedProgress != null && (
              <>
                Verified checkpoint: epoch {j.verifiedProgress.epoch} of {j.verifiedProgress.epochs} (the coordinator fetched it and checked
                its sha256).{" "}
              </>
            )}
            {(j.resumeEpoch ?? 0) > 0 && (
              <>
                This run resumed from epoch {j.resumeEpoch}, an earlier node&apos;s verified checkpoint; it is paid only for the epochs
                after it.
              </>
            )}
          </p>
        )}
        <p>
          Escrow <Amount value={j.escrow.amount} testId="job-amount" /> · priority {j.priority} · node <code>{shortKey(j.nodeId)}</code> ·
          attempts {j.attempts}
        </p>
        <p className="muted">
          Dataset {j.datasetCid} · submitted {time(j.submittedAt)}
        </p>
        {CANCELLABLE.includes(j.status) && (
          <button type="button" onClick={() => void cancel()} disabled={cancelling} data-testid="cancel">
            {cancelling ? "Cancelling…" : "Cancel job"}
          </button>
        )}
        <ErrorBanner error={cancelError} context="Cancel" />
      </Card>

      <Card title="Money" testId="money">
        {j.status === "released" && paid !== null ? (
          <div data-testid="released">
            <p>
              <strong>Released.</strong> The node was paid <Amount value={paid.nodePaid} testId="paid-node" /> and the platform{" "}
              <Amount value={paid.platformPaid} testId="paid-platform" /> ({j.escrow.feeBps / 100}% fee) of <Amount value={paid.amount} />.
            </p>
            {(paid.nodePaid !== expected.node || paid.platformPaid !== expected.platform) && (
              <p className="banner error">The chain's payout differs from the 90/10 split of the escrow.</p>
            )}
          </div>
        ) : j.status === "refunded" && paid !== null ? (
          <p data-testid="refunded">
            <strong>Refunded.</strong> <Amount value={paid.refunded} testId="paid-refund" /> went back to the client.
          </p>
        ) : j.status === "settled" && paid !== null ? (
          <p data-testid="settled">
            <strong>Settled by verified progress.</strong> Node <Amount value={paid.nodePaid} testId="paid-node" />, platform{" "}
            <Amount value={paid.platformPaid} testId="paid-platform" />, client refund <Amount value={paid.refunded} testId="paid-refund" />
            .
          </p>
        ) : ["released", "refunded", "settled"].includes(j.status) ? (
          <p className="muted">The coordinator recorded the payout; waiting for the chain to show it…</p>
        ) : (
          <p>
            Held in escrow. On release the node gets <Amount value={expected.node} /> and the platform <Amount value={expected.platform} />.
            A refund returns everything.
          </p>
        )}
        <p>
          Settlement transaction: <Signature signature={j.settlementSignature} />
        </p>
      </Card>

      <Card title="Escrow on chain" testId="escrow">
        <ErrorBanner error={escrow.error} context="Chain" />
        {escrow.loading ? (
          <Loading />
        ) : e === null ? (
          <Empty>No escrow account at {j.escrow.address} (never created, or closed after settlement).</Empty>
        ) : (
          <table>
            <tbody>
              <tr>
                <td>Address</td>
                <td>
                  <code>{e.address.toBase58()}</code>
                </td>
              </tr>
              <tr>
                <td>Status</td>
                <td data-testid="escrow-status">
                  {e.status} <span className="muted">(the coordinator expects {j.escrow.expectedStatus})</span>
                </td>
              </tr>
              <tr>
                <td>Amount · fee</td>
                <td>
                  <Amount value={e.amount} testId="escrow-amount" /> · {e.feeBps} bps
                </td>
              </tr>
              <tr>
                <td>Locked to</td>
                <td>
                  <code>{e.payee?.toBase58() ?? "nobody"}</code> (attempt {e.attempt})
                </td>
              </tr>
              <tr>
                <td>Expires</td>
                <td>{time(e.expiresAt * 1000)}</td>
              </tr>
              <tr>
                <td>Proof hash</td>
                <td>
                  <code>
                    {e.proofHash.every((b) => b === 0) ? "—" : Array.from(e.proofHash, (b) => b.toString(16).padStart(2, "0")).join("")}
                  </code>
                </td>
              </tr>
              <tr>
                <td>Paid: node · platform · refunded</td>
                <td>
                  <Amount value={e.nodePaid} /> · <Amount value={e.platformPaid} /> · <Amount value={e.refunded} />
                </td>
              </tr>
            </tbody>
          </table>
        )}
      </Card>

      <Card title="Proof" testId="proof">
        {j.proof === null ? (
          <Empty>No weights reported yet.</Empty>
        ) : (
          <>
            <p>
              Weights CID <code data-testid="weights-cid">{j.proof.weightsCid}</code>
              <br />
              sha256 <code>{j.proof.weightsSha256}</code>
            </p>
            {verdict === null ? (
              <p className="muted">Being verified…</p>
            ) : verdict.outcome === "verified" ? (
              <div data-testid="verdict">
                <p>Verified: the weights hash to the reported sha256.</p>
                {verdict.metrics?.reevaluated ? (
                  <table>
                    <tbody>
                      {Object.entries(verdict.metrics.metrics ?? {}).map(([name, value]) => (
                        <tr key={name}>
                          <td>{name}</td>
                          <td className="num">{value.toFixed(4)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : (
                  <p className="muted">Metrics not re-evaluated: {verdict.metrics?.why}</p>
                )}
              </div>
            ) : (
              <p data-testid="verdict">
                {verdict.outcome}: {verdict.reason} {verdict.detail}
              </p>
            )}
            {download !== null ? (
              <a href={download} download data-testid="download">
                Download weights
              </a>
            ) : (
              <p className="muted">Set an IPFS gateway in Settings to download the weights here, or run: ipfs get {j.proof.weightsCid}</p>
            )}
          </>
        )}
      </Card>

      <Card title="Timeline" testId="timeline">
        {j.history.length === 0 ? (
          <Empty>No transitions yet.</Empty>
        ) : (
          <ol className="timeline">
            {j.history.map((t, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the history only grows at its end, so an entry's index is its identity.
              <li key={i}>
                <span className="muted">{time(t.at)}</span> <StatusBadge status={t.to} /> <strong>{t.event}</strong>
                {t.reason !== undefined && <> · {t.reason}</>}
                {t.instruction !== undefined && <> · on chain: {t.instruction}</>}
                {t.nodeId !== undefined && <> · node {shortKey(t.nodeId)}</>}
                {t.detail !== undefined && <div className="muted">{t.detail}</div>}
              </li>
            ))}
          </ol>
        )}
      </Card>
    </div>
  );
}
