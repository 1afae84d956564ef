/** The client's job form: describe a cyxwiz/mlp-classifier@1 job, get a quote, fund the escrow and submit. */
import { type ChangeEvent, type FormEvent, useState } from "react";

import { releaseSplit } from "@cyxwiz/sdk/split";
import { parseSpec } from "@cyxwiz/trainer/spec";
import { parameterCount } from "@cyxwiz/trainer/weights";
import { api, ApiError, type Quote, type SubmitRequest } from "../../api";
import { FundingError, newJobId } from "../../chain";
import { Card, ErrorBanner } from "../../components";
import { useChain } from "../../context";
import { usePoll } from "../../hooks";
import { randomHex } from "../../signing";
import type { ActiveWallet } from "../../wallet";

import { type JobDraft, SIZES, specOf } from "./job-spec";
import { QuoteDetails } from "./QuoteDetails";

export function JobForm({ wallet }: { wallet: ActiveWallet }) {
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
        <QuoteDetails quote={quote} preview={preview} amount={amount} balance={balance} short={short} busy={busy} onFund={fundAndSubmit} />
      )}
    </Card>
  );
}
