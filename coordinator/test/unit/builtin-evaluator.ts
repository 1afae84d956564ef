/**
 * The built-in kind's evaluator inside the real ProofVerifier, on an in-memory IPFS
 * (the only fake): a model really trained by trainer/ is verified with the
 * coordinator's own metrics; inflated claims, tampered or malformed weights and
 * weights of another shape are rejected as the node's fault (metrics-do-not-
 * reproduce); a spec or dataset the client got wrong is retried and never blamed on
 * the node (evaluation-error).
 */
import { createHash } from "node:crypto";

import { expect } from "chai";

import {
  demoSpec,
  generateDatasetBytes,
  type MixtureParams,
  DEMO_DATASET,
  MLP_KIND,
  type MlpClassifierSpec,
  parseWeights,
  serializeWeights,
  train,
  type TrainResult,
} from "@cyxwiz/trainer";
import {
  type CatOptions,
  IpfsError,
  type IpfsReader,
  type MetricEvaluatorRegistry,
  type ProofSubject,
  ProofVerifier,
} from "../../src/proofs";
import { builtinEvaluators, MlpClassifierEvaluator } from "../../src/proofs/builtin-evaluator";

const DATASET_CID = "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
const WEIGHTS_CID = "bafkreiaxnnnb7qz2focittuqq3ya25q7rcv3bqynnczfzao2jeeqkkozpi";
const OTHER_CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
const SMALL: MixtureParams = { ...DEMO_DATASET, samples: 600, seed: 11 };

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** IPFS in memory: whole files in 4 KiB chunks, never more than `length` bytes; anything else is not found. */
class MemoryIpfs implements IpfsReader {
  readonly files = new Map<string, Uint8Array>();
  readonly reads: string[] = [];

  async *cat(cid: string, options: CatOptions): AsyncGenerator<Uint8Array> {
    this.reads.push(cid);
    const bytes = this.files.get(cid);
    if (bytes === undefined) throw new IpfsError("IPFS_NOT_FOUND", cid, `${cid} is not available`);
    const served = bytes.subarray(0, options.length);
    for (let offset = 0; offset < served.length; offset += 4_096) yield served.subarray(offset, offset + 4_096);
  }
}

function spec(): MlpClassifierSpec {
  const base = demoSpec(DATASET_CID);
  return { ...base, hyperparameters: { ...base.hyperparameters, epochs: 4, batchSize: 32, learningRate: 0.01 } };
}

function verifier(ipfs: MemoryIpfs, registry: MetricEvaluatorRegistry = builtinEvaluators()): ProofVerifier {
  return new ProofVerifier({
    ipfs,
    limits: { timeoutMs: 2_000, maxBytes: 8 * 1024 * 1024 },
    retry: { baseDelayMs: 1_000, maxDelayMs: 5_000, maxAttempts: 3 },
    evaluators: registry,
    evaluationTimeoutMs: 10_000,
    clock: () => 1_700_000_000_000,
  });
}

function subject(
  weights: Uint8Array,
  claimed: Readonly<Record<string, number>>,
  config: unknown = spec(),
  datasetCid = DATASET_CID,
): ProofSubject {
  return { jobId: "ab".repeat(32), config, datasetCid, proof: { weightsCid: WEIGHTS_CID, weightsSha256: sha256(weights) }, claimed };
}

describe("builtin evaluator: cyxwiz/mlp-classifier@1 in the proof verifier", function () {
  this.timeout(30_000);
  const dataset = generateDatasetBytes(SMALL);
  let trained: TrainResult;

  before(async () => {
    trained = await train(spec(), dataset);
  });

  function ipfsWith(weights: Uint8Array): MemoryIpfs {
    const ipfs = new MemoryIpfs();
    ipfs.files.set(DATASET_CID, dataset);
    ipfs.files.set(WEIGHTS_CID, weights);
    return ipfs;
  }

  it("is registered by default under its kind (createCoordinator uses builtinEvaluators())", () => {
    expect(builtinEvaluators().kinds()).to.deep.equal([MLP_KIND]);
    expect(new MlpClassifierEvaluator().kind).to.equal("cyxwiz/mlp-classifier@1");
  });

  it("an honest report: verified, metrics re-evaluated from the weights and dataset read through the verifier's IPFS", async () => {
    const ipfs = ipfsWith(trained.weights);
    const verdict = await verifier(ipfs).verify(subject(trained.weights, trained.metrics), 1);
    expect(verdict).to.deep.equal({
      outcome: "verified",
      sha256: trained.weightsSha256,
      bytes: trained.weights.byteLength,
      metrics: { reevaluated: true, evaluator: MLP_KIND, metrics: trained.metrics },
    });
    expect(ipfs.reads).to.deep.equal([WEIGHTS_CID, WEIGHTS_CID, DATASET_CID]);
  });

  it("an inflated accuracy: rejected metrics-do-not-reproduce, saying by how many rows", async () => {
    const claimed = { ...trained.metrics, validationAccuracy: Math.min(1, trained.metrics.validationAccuracy + 0.05) };
    const verdict = await verifier(ipfsWith(trained.weights)).verify(subject(trained.weights, claimed), 1);
    expect(verdict).to.deep.include({ outcome: "rejected", reason: "metrics-do-not-reproduce", attempt: 1 });
    if (verdict.outcome !== "rejected") return;
    expect(verdict.detail).to.match(/^cyxwiz\/mlp-classifier@1: the weights classify \d+ of 120 validation rows correctly/);
  });

  it("tampered weights with their own sha256 and the honest claim: rejected metrics-do-not-reproduce", async () => {
    const weights = parseWeights(trained.weights);
    const bias = Float32Array.from(weights.layers[2].bias).map((b, i) => (i === 0 ? b + 3 : b));
    const tampered = serializeWeights({ ...weights, layers: [weights.layers[0], weights.layers[1], { ...weights.layers[2], bias }] });
    const verdict = await verifier(ipfsWith(tampered)).verify(subject(tampered, trained.metrics), 1);
    expect(verdict).to.deep.include({ outcome: "rejected", reason: "metrics-do-not-reproduce" });
  });

  it("weights that are not the format, or of another architecture: rejected, the reason in the detail", async () => {
    const junk = new TextEncoder().encode('{"w": [0.5, 0.25, 0.125]}');
    const bad = await verifier(ipfsWith(junk)).verify(subject(junk, trained.metrics), 1);
    expect(bad).to.deep.include({ outcome: "rejected", reason: "metrics-do-not-reproduce" });
    if (bad.outcome === "rejected") expect(bad.detail).to.match(/^cyxwiz\/mlp-classifier@1: not cyxwiz-mlp-weights@1 weights: magic is/);

    const small = await train(
      { ...spec(), model: { hidden: [4], activation: "relu" }, hyperparameters: { ...spec().hyperparameters, epochs: 1 } },
      dataset,
    );
    const other = await verifier(ipfsWith(small.weights)).verify(subject(small.weights, small.metrics), 1);
    expect(other).to.deep.include({
      outcome: "rejected",
      reason: "metrics-do-not-reproduce",
      detail: "cyxwiz/mlp-classifier@1: the weights are a 8-4-3 relu MLP; the spec and dataset call for 8-32-16-3 relu",
    });
  });

  it("a report without the metrics this kind defines is rejected", async () => {
    const verdict = await verifier(ipfsWith(trained.weights)).verify(subject(trained.weights, { loss: 0.1 }), 1);
    expect(verdict).to.deep.include({ outcome: "rejected", reason: "metrics-do-not-reproduce" });
    if (verdict.outcome === "rejected")
      expect(verdict.detail).to.match(
        /claims metrics this kind does not define \(loss\).*claims no trainLoss, validationLoss, validationAccuracy/,
      );
  });

  it("the client's mistakes are retried as evaluation-error, never blamed on the node", async () => {
    const cases: Array<[string, ProofSubject, MemoryIpfs, RegExp]> = [
      [
        "an invalid spec",
        subject(trained.weights, trained.metrics, { ...spec(), hyperparameters: { epochs: 4 } }),
        ipfsWith(trained.weights),
        /is not a valid cyxwiz\/mlp-classifier@1 spec: hyperparameters\.batchSize is required/,
      ],
      [
        "two dataset CIDs",
        subject(trained.weights, trained.metrics, spec(), OTHER_CID),
        ipfsWith(trained.weights),
        /the job names two datasets/,
      ],
      [
        "a dataset that is not cyxwiz-tabular@1",
        subject(trained.weights, trained.metrics),
        (() => {
          const ipfs = ipfsWith(trained.weights);
          ipfs.files.set(DATASET_CID, new Uint8Array(100));
          return ipfs;
        })(),
        /cannot be evaluated on: not a cyxwiz-tabular@1 dataset: magic is/,
      ],
      [
        "a dataset missing from IPFS",
        subject(trained.weights, trained.metrics),
        (() => {
          const ipfs = ipfsWith(trained.weights);
          ipfs.files.delete(DATASET_CID);
          return ipfs;
        })(),
        /is not available/,
      ],
    ];
    for (const [what, proof, ipfs, pattern] of cases) {
      const verdict = await verifier(ipfs).verify(proof, 1);
      expect(verdict, what).to.deep.include({ outcome: "retry", reason: "evaluation-error", attempt: 1 });
      if (verdict.outcome === "retry") expect(verdict.detail, what).to.match(pattern);
    }
  });
});
