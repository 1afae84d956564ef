/**
 * The ProofVerifier on an in-memory IPFS (the only fake: the integration tests run
 * the same code against a real kubo daemon). What is pinned here: the sha256 is
 * computed over the streamed bytes, the limits (deadline, size) hold even against a
 * reader that ignores its abort signal, every failure maps to the verdict and reason
 * the job's history shows, retries back off and end, and metrics are re-evaluated
 * only for a kind with an evaluator and otherwise recorded as NOT re-evaluated.
 */
import { createHash } from "node:crypto";

import { expect } from "chai";

import type { RetryPolicy } from "../../src/domain/proof-verdict";
import {
  type Evaluation,
  type EvaluationInput,
  EvaluatorError,
  IpfsError,
  type IpfsReader,
  type CatOptions,
  type MetricEvaluator,
  MetricEvaluatorRegistry,
  type ProofSubject,
  ProofVerifier,
} from "../../src/proofs";

const CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
const OTHER_CID = "bafkreiaxnnnb7qz2focittuqq3ya25q7rcv3bqynnczfzao2jeeqkkozpi";
const RETRY: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 5_000, maxAttempts: 4 };
const NOW = 1_700_000_000_000;

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

function bytesOf(length: number, seed = 7): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

type Behaviour =
  | { readonly kind: "file"; readonly bytes: Uint8Array }
  | { readonly kind: "error"; readonly code: IpfsError["code"] }
  /** Never answers; fails (as a timeout) when aborted, like the kubo client. */
  | { readonly kind: "hang" }
  /** Never answers and ignores the abort: a reader that breaks its contract. */
  | { readonly kind: "deaf" }
  /** Sends the first chunk, then stalls until aborted. */
  | { readonly kind: "stall"; readonly bytes: Uint8Array };

/** IPFS in memory: files served in `chunkSize` chunks, or a scripted failure. */
class MemoryIpfs implements IpfsReader {
  readonly content = new Map<string, Behaviour>();
  readonly calls: { cid: string; length: number }[] = [];
  chunksServed = 0;

  constructor(private readonly chunkSize = 1_024) {}

  file(cid: string, bytes: Uint8Array): this {
    this.content.set(cid, { kind: "file", bytes });
    return this;
  }

  async *cat(cid: string, options: CatOptions): AsyncGenerator<Uint8Array> {
    this.calls.push({ cid, length: options.length });
    const behaviour = this.content.get(cid) ?? { kind: "error", code: "IPFS_NOT_FOUND" };
    const aborted = () =>
      new Promise<never>((_, reject) =>
        options.signal.addEventListener("abort", () => reject(new IpfsError("IPFS_TIMEOUT", cid, "aborted")), { once: true }),
      );
    switch (behaviour.kind) {
      case "error":
        throw new IpfsError(behaviour.code, cid, `${behaviour.code} for ${cid}`);
      case "hang":
        await aborted();
        return;
      case "deaf":
        await new Promise<never>(() => undefined);
        return;
      case "stall":
        yield behaviour.bytes.subarray(0, this.chunkSize);
        await aborted();
        return;
      case "file": {
        // Like the daemon: never more than `length` bytes.
        const served = behaviour.bytes.subarray(0, options.length);
        for (let offset = 0; offset < served.length; offset += this.chunkSize) {
          this.chunksServed++;
          yield served.subarray(offset, offset + this.chunkSize);
        }
      }
    }
  }
}

class Clock {
  at = NOW;
  readonly now = (): number => this.at;
}

interface Setup {
  readonly ipfs?: MemoryIpfs;
  readonly evaluators?: readonly MetricEvaluator[];
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
  readonly evaluationTimeoutMs?: number;
}

function verifierWith(setup: Setup = {}) {
  const ipfs = setup.ipfs ?? new MemoryIpfs();
  const clock = new Clock();
  const verifier = new ProofVerifier({
    ipfs,
    limits: { timeoutMs: setup.timeoutMs ?? 200, maxBytes: setup.maxBytes ?? 4 * 1024 * 1024 },
    retry: RETRY,
    evaluators: new MetricEvaluatorRegistry(setup.evaluators ?? []),
    evaluationTimeoutMs: setup.evaluationTimeoutMs ?? 1_000,
    clock: clock.now,
  });
  return { ipfs, clock, verifier };
}

function subject(bytes: Uint8Array | null, config: unknown = { lr: 0.001 }, claimed = { loss: 0.25 }): ProofSubject {
  return {
    jobId: "ab".repeat(32),
    config,
    datasetCid: OTHER_CID,
    proof: { weightsCid: CID, weightsSha256: bytes === null ? "00".repeat(32) : sha256(bytes) },
    claimed,
  };
}

/** An evaluator that recomputes "loss" as the mean byte / 255 of the weights it reads back. */
class MeanByteEvaluator implements MetricEvaluator {
  readonly kind = "test/mean-byte";
  readonly inputs: EvaluationInput[] = [];
  readBack: Uint8Array | null = null;

  async evaluate(input: EvaluationInput): Promise<Evaluation> {
    this.inputs.push(input);
    const weights = await input.read(input.weights.cid);
    this.readBack = weights;
    const loss = weights.reduce((sum, byte) => sum + byte, 0) / weights.length / 255;
    const claimed = input.claimed.loss;
    if (claimed !== undefined && Math.abs(claimed - loss) <= 1e-9) return { reproduced: true, metrics: { loss } };
    return { reproduced: false, metrics: { loss }, detail: `loss ${loss}, claimed ${String(claimed)}` };
  }
}

function meanByte(bytes: Uint8Array): number {
  return bytes.reduce((sum, byte) => sum + byte, 0) / bytes.length / 255;
}

describe("proof verifier: the sha256 of what IPFS serves", () => {
  it("streams 1 MiB in 1 KiB chunks into sha256: verified, metrics NOT re-evaluated for a kind without an evaluator", async () => {
    const weights = bytesOf(1024 * 1024);
    const { ipfs, verifier } = verifierWith();
    ipfs.file(CID, weights);
    const verdict = await verifier.verify(subject(weights, { kind: "llm/finetune", lr: 0.1 }), 1);
    expect(verdict).to.deep.equal({
      outcome: "verified",
      sha256: sha256(weights),
      bytes: weights.length,
      metrics: { reevaluated: false, why: 'the coordinator has no evaluator for job kind "llm/finetune"' },
    });
    expect(ipfs.chunksServed).to.equal(1024);
  });

  it("a config that names no kind is verified with metrics NOT re-evaluated, saying so", async () => {
    const weights = bytesOf(100);
    const { ipfs, verifier } = verifierWith();
    ipfs.file(CID, weights);
    const verdict = await verifier.verify(subject(weights, { lr: 0.001 }), 1);
    expect(verdict).to.deep.include({
      outcome: "verified",
      metrics: { reevaluated: false, why: "the job's config names no kind, so no evaluator applies" },
    });
  });

  it("rejects hash-mismatch, naming both hashes, without asking the evaluator", async () => {
    const weights = bytesOf(5_000);
    const evaluator = new MeanByteEvaluator();
    const { ipfs, verifier } = verifierWith({ evaluators: [evaluator] });
    ipfs.file(CID, weights);
    const claimed = { ...subject(weights, { kind: evaluator.kind }), proof: { weightsCid: CID, weightsSha256: "cd".repeat(32) } };
    const verdict = await verifier.verify(claimed, 1);
    expect(verdict).to.deep.equal({
      outcome: "rejected",
      reason: "hash-mismatch",
      attempt: 1,
      detail: `the 5000 bytes under ${CID} hash to sha256 ${sha256(weights)}, but the report claims ${"cd".repeat(32)}`,
    });
    expect(evaluator.inputs).to.have.length(0);
  });

  it("rejects not-found for a CID IPFS does not have, and for one that is not a file", async () => {
    const { ipfs, verifier } = verifierWith();
    expect(await verifier.verify(subject(null), 1)).to.deep.include({ outcome: "rejected", reason: "not-found", attempt: 1 });
    ipfs.content.set(CID, { kind: "error", code: "IPFS_NOT_A_FILE" });
    expect(await verifier.verify(subject(null), 2)).to.deep.include({ outcome: "rejected", reason: "not-found", attempt: 2 });
  });

  it("rejects too-large after reading at most maxBytes + 1 bytes; exactly maxBytes is allowed", async () => {
    const max = 10 * 1024;
    const { ipfs, verifier } = verifierWith({ maxBytes: max });
    const big = bytesOf(50 * 1024);
    ipfs.file(CID, big);
    const verdict = await verifier.verify(subject(big), 1);
    expect(verdict).to.deep.include({ outcome: "rejected", reason: "too-large" });
    expect(ipfs.calls.at(-1)).to.deep.equal({ cid: CID, length: max + 1 });
    expect(ipfs.chunksServed, "stops after limit + 1 bytes").to.equal(11);

    const exact = bytesOf(max);
    ipfs.file(CID, exact);
    expect(await verifier.verify(subject(exact), 1)).to.deep.include({ outcome: "verified", bytes: max });
  });
});

describe("proof verifier: transient failures, backoff and the last attempt", () => {
  it("a read that never answers is a fetch-timeout retry at now + base delay, within the fetch timeout", async () => {
    const { ipfs, clock, verifier } = verifierWith({ timeoutMs: 150 });
    ipfs.content.set(CID, { kind: "hang" });
    const started = Date.now();
    const verdict = await verifier.verify(subject(null), 1);
    expect(Date.now() - started).to.be.within(140, 1_000);
    expect(verdict).to.deep.include({ outcome: "retry", reason: "fetch-timeout", attempt: 1, nextAt: clock.at + 1_000 });
  });

  it("the deadline holds against a reader that ignores its abort signal, and against a stall mid-stream", async () => {
    const { ipfs, verifier } = verifierWith({ timeoutMs: 100 });
    ipfs.content.set(CID, { kind: "deaf" });
    expect(await verifier.verify(subject(null), 1)).to.deep.include({ outcome: "retry", reason: "fetch-timeout" });
    ipfs.content.set(CID, { kind: "stall", bytes: bytesOf(10_000) });
    expect(await verifier.verify(subject(null), 1)).to.deep.include({ outcome: "retry", reason: "fetch-timeout" });
  });

  it("IPFS unreachable is an ipfs-unavailable retry; delays double (1 s, 2 s, 4 s)", async () => {
    const { ipfs, clock, verifier } = verifierWith();
    ipfs.content.set(CID, { kind: "error", code: "IPFS_UNAVAILABLE" });
    const delays: number[] = [];
    for (const attempt of [1, 2, 3]) {
      const verdict = await verifier.verify(subject(null), attempt);
      if (verdict.outcome !== "retry") expect.fail(`attempt ${attempt}: ${verdict.outcome}`);
      expect(verdict).to.include({ reason: "ipfs-unavailable", attempt });
      delays.push(verdict.nextAt - clock.at);
    }
    expect(delays).to.deep.equal([1_000, 2_000, 4_000]);
  });

  it("the maxAttempts-th transient failure is final: rejected fetch-failed, with the last reason", async () => {
    const { ipfs, verifier } = verifierWith({ timeoutMs: 50 });
    ipfs.content.set(CID, { kind: "hang" });
    const verdict = await verifier.verify(subject(null), RETRY.maxAttempts);
    expect(verdict).to.deep.include({ outcome: "rejected", reason: "fetch-failed", after: "fetch-timeout", attempt: 4 });
    expect(verdict.outcome === "rejected" && verdict.detail).to.match(
      /^gave up after 4 attempts; the last: fetch-timeout: reading .* took longer than 50 ms$/,
    );
  });
});

describe("proof verifier: metric re-evaluation by job kind", () => {
  it("a kind with an evaluator: the evaluator reads the weights back and reproduces the metrics → verified, re-evaluated", async () => {
    const weights = bytesOf(3_000);
    const evaluator = new MeanByteEvaluator();
    const { ipfs, verifier } = verifierWith({ evaluators: [evaluator] });
    ipfs.file(CID, weights);
    const loss = meanByte(weights);
    const verdict = await verifier.verify(subject(weights, { kind: evaluator.kind, lr: 1 }, { loss }), 1);
    expect(verdict).to.deep.equal({
      outcome: "verified",
      sha256: sha256(weights),
      bytes: 3_000,
      metrics: { reevaluated: true, evaluator: "test/mean-byte", metrics: { loss } },
    });
    expect(evaluator.readBack).to.deep.equal(weights);
    expect(evaluator.inputs[0]).to.deep.include({
      kind: "test/mean-byte",
      datasetCid: OTHER_CID,
      weights: { cid: CID, sha256: sha256(weights), bytes: 3_000 },
      claimed: { loss },
    });
  });

  it("metrics that do not reproduce are rejected with the evaluator's detail", async () => {
    const weights = bytesOf(3_000);
    const evaluator = new MeanByteEvaluator();
    const { ipfs, verifier } = verifierWith({ evaluators: [evaluator] });
    ipfs.file(CID, weights);
    const verdict = await verifier.verify(subject(weights, { kind: evaluator.kind }, { loss: 0.01 }), 1);
    expect(verdict).to.deep.equal({
      outcome: "rejected",
      reason: "metrics-do-not-reproduce",
      attempt: 1,
      detail: `test/mean-byte: loss ${meanByte(weights)}, claimed 0.01`,
    });
  });

  it("an evaluator that throws, answers NaN or runs out of time is an evaluation-error retry; the last is evaluation-failed", async () => {
    const weights = bytesOf(100);
    const cases: { name: string; evaluate: (input: EvaluationInput) => Promise<Evaluation>; detail: RegExp }[] = [
      { name: "throws", evaluate: async () => Promise.reject(new Error("out of memory")), detail: /test\/broken failed: out of memory/ },
      { name: "NaN", evaluate: async () => ({ reproduced: true, metrics: { loss: Number.NaN } }), detail: /a non-finite metric loss/ },
      {
        name: "slow",
        evaluate: (input) =>
          new Promise((resolve) => input.signal.addEventListener("abort", () => resolve({ reproduced: true, metrics: {} }))),
        detail: /took longer than 50 ms/,
      },
    ];
    for (const { name, evaluate, detail } of cases) {
      const { ipfs, verifier } = verifierWith({ evaluators: [{ kind: "test/broken", evaluate }], evaluationTimeoutMs: 50 });
      ipfs.file(CID, weights);
      const retry = await verifier.verify(subject(weights, { kind: "test/broken" }), 1);
      expect(retry, name).to.deep.include({ outcome: "retry", reason: "evaluation-error", attempt: 1 });
      expect(retry.outcome === "retry" && retry.detail, name).to.match(detail);
      const last = await verifier.verify(subject(weights, { kind: "test/broken" }), RETRY.maxAttempts);
      expect(last, name).to.deep.include({ outcome: "rejected", reason: "evaluation-failed", after: "evaluation-error" });
    }
  });

  it("an evaluator whose IPFS read times out is a fetch-timeout retry", async () => {
    const weights = bytesOf(100);
    const reader: MetricEvaluator = {
      kind: "test/reads-dataset",
      evaluate: async (input) => ({ reproduced: true, metrics: { n: (await input.read(input.datasetCid)).length } }),
    };
    const { ipfs, verifier } = verifierWith({ evaluators: [reader], timeoutMs: 50 });
    ipfs.file(CID, weights);
    ipfs.content.set(OTHER_CID, { kind: "hang" });
    const verdict = await verifier.verify(subject(weights, { kind: reader.kind }), 1);
    expect(verdict).to.deep.include({ outcome: "retry", reason: "fetch-timeout" });
    expect(verdict.outcome === "retry" && verdict.detail).to.match(/^while evaluating: /);
  });
});

describe("metric evaluator registry", () => {
  const noop = (kind: string): MetricEvaluator => ({ kind, evaluate: async () => ({ reproduced: true, metrics: {} }) });

  it("finds an evaluator by kind and lists the kinds", () => {
    const registry = new MetricEvaluatorRegistry([noop("b/x"), noop("a.y")]);
    expect(registry.get("b/x")?.kind).to.equal("b/x");
    expect(registry.get("c")).to.equal(null);
    expect(registry.kinds()).to.deep.equal(["a.y", "b/x"]);
  });

  it("error: a second evaluator for a kind is EVALUATOR_EXISTS; a bad kind is EVALUATOR_INVALID", () => {
    const registry = new MetricEvaluatorRegistry([noop("k")]);
    expect(() => registry.register(noop("k")))
      .to.throw(EvaluatorError)
      .with.property("code", "EVALUATOR_EXISTS");
    expect(() => registry.register(noop("")))
      .to.throw(EvaluatorError)
      .with.property("code", "EVALUATOR_INVALID");
    expect(() => registry.register(noop("/abs")))
      .to.throw(EvaluatorError)
      .with.property("code", "EVALUATOR_INVALID");
  });
});
