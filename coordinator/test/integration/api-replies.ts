/**
 * The replies the coordinator sends have the shapes the protocol's response schemas
 * give them (protocol/src/api/responses.ts), which is what clients' types are: each
 * reply of a job's way from quote to report is parsed by its schema, strictly, so a field
 * the schemas do not know (or one they require and the reply lacks) fails here.
 */
import { Keypair } from "@solana/web3.js";
import { expect } from "chai";
import { z } from "zod";

import * as R from "@cyxwiz/protocol/api/responses";
import {
  type Api,
  call,
  DATASET_CID,
  escrowAddress,
  heartbeat,
  jobIdHex,
  QUOTE_REQUEST,
  registerNode,
  runningJob,
  startApi,
  WEIGHTS_CID,
} from "../harness/api-harness";

/** `schema` with every object strict, so unknown reply fields are found too. */
function expectShape(schema: z.ZodType, reply: { status: number; text: string; body: unknown }, status: number): void {
  expect(reply.status, reply.text).to.equal(status);
  const result = schema.safeParse(reply.body);
  expect(result.success, result.success ? "" : `${z.prettifyError(result.error)}\n${reply.text}`).to.equal(true);
  expect(unknownKeys(schema, reply.body), reply.text).to.deep.equal([]);
}

/** Fields of `value` no object of `schema` declares (z.object strips them silently). */
function unknownKeys(schema: z.ZodType, value: unknown, path = ""): string[] {
  const def = (schema as unknown as { def: { type: string } }).def;
  if (value === null || value === undefined) return [];
  switch (def.type) {
    case "optional":
    case "nullable":
      return unknownKeys((def as unknown as { innerType: z.ZodType }).innerType, value, path);
    case "array":
      return (value as unknown[]).flatMap((item, i) =>
        unknownKeys((def as unknown as { element: z.ZodType }).element, item, `${path}[${i}]`),
      );
    case "union": {
      const options = (def as unknown as { options: z.ZodType[] }).options;
      const fitting = options.find((option) => option.safeParse(value).success);
      return fitting === undefined ? [] : unknownKeys(fitting, value, path);
    }
    case "object": {
      const shape = (schema as unknown as { shape: Record<string, z.ZodType> }).shape;
      return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
        key in shape ? unknownKeys(shape[key] as z.ZodType, child, `${path}.${key}`) : [`${path}.${key}`],
      );
    }
    default:
      return [];
  }
}

describe("api: replies have the protocol's response shapes", () => {
  let api: Api;
  before(async () => {
    api = await startApi();
  });
  after(() => api.close());

  it("registration, quote, submission, job, jobs, heartbeat with progress, report, an offer, cancel, nodes, node, stats, health, an error", async () => {
    const running = await runningJob(api);
    expectShape(R.Job, await call(api, "GET", `/v1/jobs/${running.jobId}`, { signer: running.client }), 200);
    expectShape(R.JobList, await call(api, "GET", "/v1/jobs", { signer: running.client }), 200);
    expectShape(R.HeartbeatReply, await heartbeat(api, running.node, { jobId: running.jobId, progress: 0.5 }), 200);
    const report = await call(api, "POST", `/v1/jobs/${running.jobId}/report`, {
      signer: running.node,
      body: { weightsCid: WEIGHTS_CID, weightsSha256: "a".repeat(64), metrics: { accuracy: 0.9 }, jobToken: running.token },
    });
    expectShape(R.ReportAccepted, report, 202);

    // A job only an RTX_4090 may run, offered to the one node that has it.
    const client = Keypair.generate();
    const node = Keypair.generate();
    expectShape(R.Node, await registerNode(api, node, { gpuModel: "RTX_4090", vramGb: 24 }), 201);
    const quote = await call(api, "POST", "/v1/quotes", { signer: client, body: { ...QUOTE_REQUEST, gpu: { models: ["RTX_4090"] } } });
    expectShape(R.Quote, quote, 201);
    const jobId = jobIdHex();
    const submitted = await call(api, "POST", "/v1/jobs", {
      signer: client,
      headers: { "idempotency-key": "replies-1" },
      body: { quoteId: quote.body.quoteId, jobId, escrow: escrowAddress(), datasetCid: DATASET_CID, config: { lr: 0.1 } },
    });
    expectShape(R.SubmittedJob, submitted, 201);
    await api.service.dispatcher.runOnce();
    const offer = await heartbeat(api, node);
    expectShape(R.HeartbeatReply, offer, 200);
    expect((offer.body.offer as { jobId?: string } | null)?.jobId).to.equal(jobId);
    expectShape(R.Cancelled, await call(api, "POST", `/v1/jobs/${jobId}/cancel`, { signer: client, body: {} }), 202);
    expectShape(R.Job, await call(api, "GET", `/v1/jobs/${jobId}`, { signer: client }), 200);

    expectShape(R.NodeList, await call(api, "GET", "/v1/nodes"), 200);
    expectShape(R.NodeDetail, await call(api, "GET", `/v1/nodes/${running.node.publicKey.toBase58()}`), 200);
    expectShape(R.Stats, await call(api, "GET", "/v1/stats"), 200);
    const health = await call(api, "GET", "/health");
    expectShape(R.Health, health, health.status);
    expectShape(R.ApiErrorBody, await call(api, "GET", "/v1/jobs/zz", { signer: client }), 400);
  });
});
