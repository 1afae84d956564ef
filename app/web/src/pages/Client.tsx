/** Client: connect a wallet, describe a cyxwiz/mlp-classifier@1 job, quote, fund the escrow, submit; my jobs. */
import { useWallet } from "@solana/wallet-adapter-react";
import { WalletReadyState } from "@solana/wallet-adapter-base";
import { type ChangeEvent, type FormEvent, useState } from "react";

import { releaseSplit } from "@cyxwiz/sdk/split";
import { MLP_KIND, parseSpec, TABULAR_FORMAT } from "@cyxwiz/trainer/spec";
import { parameterCount } from "@cyxwiz/trainer/weights";
import { api, ApiError, type Job, type Priority, type Quote, type SubmitRequest } from "../api";
import { FundingError, insufficientMessage, newJobId } from "../chain";
import { Amount, Card, Empty, ErrorBanner, Loading, StatusBadge, Table } from "../components";
import { useChain } from "../context";
import { percent, shortKey, sol, time } from "../format";
import { usePoll } from "../hooks";
import { randomHex } from "../signing";
import { type ActiveWallet, useActiveWallet } from "../wallet";

const SIZES: Record<string, { label: string; hidden: number[] }> = {
  small: { label: "small (16)", hidden: [16] },
  medium: { label: "medium (32-16)", hidden: [32, 16] },
  large: { label: "large (64-32)", hidden: [64, 32] },
  xl: { label: "extra large (256-128-64)", hidden: [256, 128, 64] },
};

export function WalletPanel() {
  const { active, loadDevKeypair, disconnect } = useActiveWallet();
  const adapter = useWallet();
  const [paste, setPaste] = useState("");
  const [error, setError] = useState<unknown>(null);
  const browserWallets = adapter.wallets.filter(
    (w) => w.readyState === WalletReadyState.Installed || w.readyState === WalletReadyState.Loadable,
  );

  const load = (text: string) => {
    try {
      loadDevKeypair(text);
      setError(null);
      setPaste("");
    } catch (caught) {
      setError(caught);
    }
  };
  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file !== undefined) load(await file.text());
    event.target.value = "";
  };

  if (active !== null) {
    return (
      <Card title="Wallet" testId="wallet">
        <p>
          Connected: <code data-testid="wallet-address">{active.publicKey.toBase58()}</code> <span className="muted">({active.label})</span>
        </p>
        {active.mode === "dev" && <DevWarning />}
        <Balances wallet={active} />
        <button type="button" onClick={disconnect}>
          Disconnect
        </button>
      </Card>
    );
  }
  return (
    <Card title="Connect a wallet" testId="wallet">
      <h3>Browser wallet</h3>
      {browserWallets.length === 0 ? (
        <Empty>
          No browser wallet detected (Phantom, Solflare, Backpack… appear here when installed). On the local chain, use a dev keypair below.
        </Empty>
      ) : (
        <div className="row">
          {browserWallets.map((w) => (
            <button type="button" key={w.adapter.name} onClick={() => adapter.select(w.adapter.name)} disabled={adapter.connecting}>
              {w.adapter.icon && <img src={w.adapter.icon} alt="" width={16} height={16} />} {w.adapter.name}
            </button>
          ))}
        </div>
      )}
      <h3>Dev keypair</h3>
      <DevWarning />
      <label>
        solana-keygen JSON file: <input type="file" accept=".json,application/json" onChange={onFile} data-testid="dev-keypair-file" />
      </label>
      <label>
        or paste it:
        <textarea
          rows={2}
          value={paste}
          onChange={(e) => setPaste(e.target.value)}
          placeholder="[12,34,…64 numbers]"
          data-testid="dev-keypair-paste"
        />
      </label>
      <button type="button" onClick={() => load(paste)} disabled={paste.trim() === ""}>
        Use pasted keypair
      </button>
      <ErrorBanner error={error} context="Keypair" />
    </Card>
  );
}

function DevWarning() {
  return (
    <p className="banner warn" data-testid="dev-warning">
      Dev keypair mode is for the local chain only: the secret key is held by this page (and this tab's session storage). Never load a key
      that holds real funds.
    </p>
  );
}

function Balances({ wallet }: { wallet: ActiveWallet }) {
  const chain = useChain();
  const key = wallet.publicKey.toBase58();
  const balances = usePoll(() => chain.balances(wallet.publicKey), 3000, `bal:${key}${chain.rpcUrl}`);
  if (balances.loading) return <Loading />;
  return (
    <div>
      <ErrorBanner error={balances.error} context="Balances" />
      {balances.data !== null && (
        <p>
          Balance: <Amount value={balances.data.tokens} testId="token-balance" /> · {sol(balances.data.lamports)}
        </p>
      )}
    </div>
  );
}

interface JobDraft {
  datasetCid: string;
  samples: number;
  features: number;
  classes: number;
  epochs: number;
  priority: Priority;
  size: string;
}

function specOf(draft: JobDraft) {
  return {
    kind: MLP_KIND,
    model: { hidden: SIZES[draft.size].hidden, activation: "relu" },
    hyperparameters: { epochs: draft.epochs, batchSize: 64, learningRate: 0.003, seed: 7 },
    dataset: { cid: draft.datasetCid.trim(), format: TABULAR_FORMAT },
    validation: { fraction: 0.2 },
  };
}

export function ClientPage() {
  const { active } = useActiveWallet();
  return (
    <div className="page" data-testid="client-page">
      <WalletPanel />
      {active === null ? (
        <Card title="New training job">
          <Empty>Connect a wallet to quote and submit a job.</Empty>
        </Card>
      ) : (
        <>
          <JobForm wallet={active} />
          <MyJobs wallet={active} />
        </>
      )}
    </div>
  );
}

function JobForm({ wallet }: { wallet: ActiveWallet }) {
  const chain = useChain();
  const [draft, setDraft] = useState<JobDraft>({
    datasetCid: "",
    samples: 3000,
    features: 8,
    classes: 3,
    epochs: 20,
    priority: "normal",
    size: "medium",
  });
  const [quote, setQuote] = useState<Quote | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [pending, setPending] = useState<{ body: SubmitRequest; key: string; escrow: string } | null>(null);
  const balances = usePoll(() => chain.balances(wallet.publicKey), 3000, `form-bal:${wallet.publicKey.toBase58()}${chain.rpcUrl}`);

  const set = (field: keyof JobDraft) => (event: ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    const value = event.target.value;
    setDraft((d) => ({ ...d, [field]: field === "datasetCid" || field === "priority" || field === "size" ? value : Number(value) }));
    setQuote(null);
  };

  const widths = [draft.features, ...SIZES[draft.size].hidden, draft.classes];
  const parameters = draft.features > 0 && draft.classes > 0 ? parameterCount(widths) : 0;

  const getQuote = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setQuote(null);
    try {
      parseSpec(specOf(draft));
    } catch (caught) {
      setError(caught);
      return;
    }
    setBusy("Quoting…");
    try {
      setQuote(
        await api.quote(wallet.signer, {
          model: { parameters },
          dataset: { samples: draft.samples, tokensPerSample: draft.features },
          epochs: draft.epochs,
          priority: draft.priority,
        }),
      );
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  const submit = async (body: SubmitRequest, key: string) => {
    setBusy("Submitting the job to the coordinator…");
    try {
      const submitted = await api.submit(wallet.signer, body, key);
      setPending(null);
      window.location.hash = `#/jobs/${submitted.jobId}`;
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  };

  const fundAndSubmit = async () => {
    if (quote === null) return;
    setError(null);
    const amount = BigInt(quote.amount);
    try {
      setBusy("Creating the escrow on chain (approve in your wallet)…");
      const jobId = await newJobId();
      const { escrow } = await chain.fundEscrow(wallet.tx, { jobId: jobId.bytes, amount, lifetimeSecs: 24 * 3600 });
      const body = {
        quoteId: quote.quoteId,
        jobId: jobId.hex,
        escrow: escrow.toBase58(),
        datasetCid: draft.datasetCid.trim(),
        config: specOf(draft),
      };
      const key = randomHex(16);
      setPending({ body, key, escrow: escrow.toBase58() });
      await submit(body, key);
    } catch (caught) {
      setError(caught);
      setBusy(null);
    }
  };

  const amount = quote === null ? null : BigInt(quote.amount);
  const balance = balances.data?.tokens ?? null;
  const short = amount !== null && balance !== null && balance < amount;
  const preview = quote === null ? null : releaseSplit(BigInt(quote.amount), quote.feeBps);

  return (
    <Card title="New training job: cyxwiz/mlp-classifier@1" testId="job-form">
      <form onSubmit={getQuote} className="form">
        <label>
          Dataset CID (cyxwiz-tabular@1 on IPFS)
          <input value={draft.datasetCid} onChange={set("datasetCid")} placeholder="bafkrei…" required data-testid="dataset-cid" />
        </label>
        <div className="row">
          <label>
            Samples <input type="number" min={2} value={draft.samples} onChange={set("samples")} data-testid="samples" />
          </label>
          <label>
            Features <input type="number" min={1} value={draft.features} onChange={set("features")} data-testid="features" />
          </label>
          <label>
            Classes <input type="number" min={2} value={draft.classes} onChange={set("classes")} data-testid="classes" />
          </label>
        </div>
        <div className="row">
          <label>
            Epochs <input type="number" min={1} max={1000} value={draft.epochs} onChange={set("epochs")} data-testid="epochs" />
          </label>
          <label>
            Priority
            <select value={draft.priority} onChange={set("priority")} data-testid="priority">
              <option value="normal">normal (1×)</option>
              <option value="high">high (2×)</option>
              <option value="critical">critical (3×)</option>
            </select>
          </label>
          <label>
            Model size
            <select value={draft.size} onChange={set("size")} data-testid="model-size">
              {Object.entries(SIZES).map(([value, size]) => (
                <option key={value} value={value}>
                  {size.label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <p className="muted">
          MLP {widths.join("-")} = {parameters.toLocaleString()} parameters; priced as {draft.samples} samples × {draft.features} features ×{" "}
          {draft.epochs} epochs.
        </p>
        <button type="submit" disabled={busy !== null} data-testid="get-quote">
          Get quote
        </button>
      </form>
      {busy !== null && (
        <p className="banner info" data-testid="busy">
          {busy}
        </p>
      )}
      <ErrorBanner
        error={error instanceof FundingError || error instanceof ApiError ? error : error}
        context={error instanceof FundingError ? "Escrow" : undefined}
      />
      {pending !== null && busy === null && (
        <div className="banner warn">
          Escrow {pending.escrow} is funded but the submission did not go through.{" "}
          <button type="button" onClick={() => void submit(pending.body, pending.key)}>
            Retry submission
          </button>
        </div>
      )}
      {quote !== null && preview !== null && (
        <div className="quote" data-testid="quote">
          <h3>
            Quote: <Amount value={quote.amount} testId="quote-amount" />
          </h3>
          <table>
            <tbody>
              {quote.breakdown.map((line) => (
                <tr key={line.item}>
                  <td>{line.item}</td>
                  <td className="num">
                    <Amount value={line.amount} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p data-testid="quote-split">
            On release the node gets <Amount value={quote.nodeAmount} testId="quote-node" /> ({(100 - quote.feeBps / 100).toFixed(0)}%) and
            the platform <Amount value={quote.platformFee} testId="quote-platform" /> ({(quote.feeBps / 100).toFixed(0)}%).
            {(preview.node !== BigInt(quote.nodeAmount) || preview.platform !== BigInt(quote.platformFee)) && (
              <strong className="error">
                {" "}
                The coordinator's split differs from the program's math ({preview.node.toString()}/{preview.platform.toString()}).
              </strong>
            )}
          </p>
          <p className="muted">
            About {quote.estimate.gpuHours.toFixed(4)} GPU-hours on the {quote.gpu.priceModel} reference, ≥ {quote.estimate.minVramGb} GB
            VRAM. Expires {time(quote.expiresAt)}.
          </p>
          <h3>
            Matching: <span data-testid="availability">{quote.availability.verdict}</span>
          </h3>
          <p>
            {quote.availability.eligible} eligible node(s), {quote.availability.availableNow} available now, {quote.availability.queueDepth}{" "}
            job(s) queued.
          </p>
          {quote.availability.reasons.length > 0 && (
            <ul data-testid="reasons">
              {quote.availability.reasons.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
          )}
          {quote.availability.candidates.length > 0 && (
            <Table head={["Node", "GPU", "Class", "State", "Reliability", "Cost"]}>
              {quote.availability.candidates.map((c) => (
                <tr key={c.nodeId}>
                  <td>
                    <code>{shortKey(c.nodeId)}</code>
                  </td>
                  <td>{c.gpuModel}</td>
                  <td>{c.nodeClass}</td>
                  <td>{c.state}</td>
                  <td>{percent(c.reliability)}</td>
                  <td className="num">
                    <Amount value={c.nodeCost} />
                  </td>
                </tr>
              ))}
            </Table>
          )}
          {short && amount !== null && balance !== null && (
            <p className="banner error" data-testid="insufficient">
              {insufficientMessage(balance, amount)}.
            </p>
          )}
          <button
            type="button"
            onClick={() => void fundAndSubmit()}
            disabled={busy !== null || short || balance === null}
            data-testid="fund-submit"
          >
            Fund escrow & submit
          </button>
        </div>
      )}
    </Card>
  );
}

function MyJobs({ wallet }: { wallet: ActiveWallet }) {
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
