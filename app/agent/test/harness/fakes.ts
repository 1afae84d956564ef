/**
 * Fakes for the agent's unit tests (no tests in here): a coordinator on node:http that
 * checks every request's signature like the real one and follows the heartbeat
 * protocol (offers until accepted, cancel, 409 NOT_ASSIGNED), and an in-memory IPFS.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { verifyRequest } from "@cyxwiz/protocol/signed-request";
import { type CatOptions, IpfsError } from "@cyxwiz/protocol/ipfs";
import type { AgentEvent, AgentIpfs, OfferInfo } from "../../src";
import { generateDatasetBytes, MLP_KIND, type MixtureParams, TABULAR_FORMAT } from "@cyxwiz/trainer";

export interface RecordedBeat {
  readonly nodeId: string;
  readonly body: { jobId?: string; progress?: number };
  readonly status: number;
}

export type FakeOffer = OfferInfo;

export class FakeCoordinator {
  readonly beats: RecordedBeat[] = [];
  readonly registrations: Record<string, unknown>[] = [];
  readonly reports: { jobId: string; body: Record<string, unknown> }[] = [];
  readonly checkpoints: { jobId: string; body: Record<string, unknown> }[] = [];
  /** POST /v1/jobs/:id/fail calls it took. */
  readonly fails: { jobId: string; body: Record<string, unknown> }[] = [];
  /** The next this many fail calls answer 503 (the coordinator's store is down). */
  failsUnavailable = 0;
  refusedReports = 0;
  /** Offered until a beat names it. */
  offer: FakeOffer | null = null;
  /** The job the node holds (accepted). */
  assigned: string | null = null;
  /** Sent in the next reply, once. */
  cancel: { jobId: string; reason: string } | null = null;
  /** Beats naming the assigned job answer 409 NOT_ASSIGNED. */
  revoked = false;
  /** Whether POST /v1/jobs/:id/checkpoint exists (H1b adds it). */
  checkpointRoute = true;
  nextBeatInMs = 40;
  /** Reports answer 400 with this error. */
  refuseReport: { code: string; message: string } | null = null;
  /** Registration answers 400 with this error. */
  refuseRegistration: { code: string; message: string; field: string } | null = null;
  private server: Server | null = null;
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Goes away: the port refuses connections until start() listens on it again. */
  async stop(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Offers the job; the agent accepts by naming it. */
  offerJob(config: Record<string, unknown>, datasetCid: string, jobToken?: string): FakeOffer {
    const jobId = randomBytes(32).toString("hex");
    this.offer = {
      jobId,
      escrow: "11111111111111111111111111111111",
      datasetCid,
      config,
      payment: "900000",
      gpuMicroHours: "12",
      acceptBy: Date.now() + 60_000,
      ...(jobToken === undefined ? {} : { jobToken }),
    };
    return this.offer;
  }

  beatsAfter(index: number): RecordedBeat[] {
    return this.beats.slice(index);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, code: string, message: string) => send(status, { error: { code, message } });
    const verified = verifyRequest(req.headers, req.method ?? "", req.url ?? "", raw, Date.now(), 60_000);
    if (!("publicKey" in verified)) return fail(401, verified.code, verified.message);
    const nodeId = req.headers["x-cyxwiz-key"] as string;
    const body = raw === "" ? {} : (JSON.parse(raw) as Record<string, unknown>);
    const path = req.url ?? "";
    if (path === "/v1/nodes") {
      const refusal = this.refuseRegistration;
      if (refusal !== null) return send(400, { error: refusal });
      this.registrations.push(body);
      return send(201, { nodeId, ...body, state: "online" });
    }
    if (path === "/v1/nodes/heartbeat") return this.heartbeat(nodeId, body, send, fail);
    const job = /^\/v1\/jobs\/([0-9a-f]{64})\/(report|checkpoint|fail)$/.exec(path);
    if (job !== null && job[2] === "fail") {
      if (this.failsUnavailable > 0) {
        this.failsUnavailable -= 1;
        return fail(503, "STORE_UNAVAILABLE", "redis is down");
      }
      if (job[1] !== this.assigned) return fail(409, "NOT_ASSIGNED", `job ${job[1]} is not this node's`);
      this.fails.push({ jobId: job[1], body });
      this.assigned = null;
      return send(202, { jobId: job[1], status: "queued" });
    }
    if (job !== null && job[2] === "report") {
      if (job[1] !== this.assigned || this.revoked) return fail(409, "NOT_ASSIGNED", `job ${job[1]} is not this node's`);
      if (this.refuseReport !== null) {
        this.refusedReports += 1;
        return fail(400, this.refuseReport.code, this.refuseReport.message);
      }
      this.reports.push({ jobId: job[1], body });
      this.assigned = null;
      return send(202, { jobId: job[1], status: "verifying" });
    }
    if (job !== null && job[2] === "checkpoint" && this.checkpointRoute) {
      this.checkpoints.push({ jobId: job[1], body });
      return send(201, { jobId: job[1], epoch: body.epoch });
    }
    return fail(404, "NOT_FOUND", `no route ${req.method} ${path}`);
  }

  private heartbeat(
    nodeId: string,
    body: Record<string, unknown>,
    send: (status: number, body: unknown) => void,
    fail: (status: number, code: string, message: string) => void,
  ): void {
    const jobId = typeof body.jobId === "string" ? body.jobId : undefined;
    const record = (status: number) => this.beats.push({ nodeId, body: body as RecordedBeat["body"], status });
    if (jobId !== undefined) {
      if (this.offer?.jobId === jobId) {
        this.assigned = jobId;
        this.offer = null;
      }
      if (jobId !== this.assigned || this.revoked) {
        record(409);
        fail(409, "NOT_ASSIGNED", `job ${jobId} is not (or no longer) this node's`);
        return;
      }
    }
    record(200);
    const cancel = this.cancel;
    this.cancel = null;
    if (cancel !== null && cancel.jobId === this.assigned) this.assigned = null;
    send(200, { nextBeatInMs: this.nextBeatInMs, offer: this.offer, cancel, jobStatus: jobId === undefined ? null : "running" });
  }
}

/** A CIDv1-looking name (b + base32) derived from the bytes: the same bytes, the same CID. */
function fakeCid(bytes: Uint8Array): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const digest = createHash("sha256").update(bytes).digest();
  let bits = 0;
  let value = 0;
  let out = "bafkrei";
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

export class MemoryIpfs implements AgentIpfs {
  readonly files = new Map<string, Uint8Array>();

  async add(bytes: Uint8Array): Promise<string> {
    const cid = fakeCid(bytes);
    this.files.set(cid, Uint8Array.from(bytes));
    return cid;
  }

  async *cat(cid: string, options: CatOptions): AsyncGenerator<Uint8Array> {
    const bytes = this.files.get(cid);
    if (bytes === undefined) throw new IpfsError("IPFS_NOT_FOUND", cid, `${cid} is not in the in-memory IPFS`);
    options.signal.throwIfAborted();
    yield bytes.subarray(0, options.length);
  }
}

/** A small dataset: trains in milliseconds per epoch. */
export const SMALL_DATASET: MixtureParams = {
  seed: 11,
  samples: 400,
  features: 4,
  classes: 3,
  clustersPerClass: 2,
  spread: 1,
  centreRange: 2,
};

export function mlpConfig(datasetCid: string, epochs: number): Record<string, unknown> {
  return {
    kind: MLP_KIND,
    model: { hidden: [8], activation: "relu" },
    hyperparameters: { epochs, batchSize: 32, learningRate: 0.01, seed: 3 },
    dataset: { cid: datasetCid, format: TABULAR_FORMAT },
    validation: { fraction: 0.2 },
  };
}

export async function smallDataset(ipfs: MemoryIpfs, params: MixtureParams = SMALL_DATASET): Promise<{ cid: string; bytes: Uint8Array }> {
  const bytes = generateDatasetBytes(params);
  return { cid: await ipfs.add(bytes), bytes };
}

/** Collects the agent's events and resolves waits on them. */
export class EventLog {
  readonly events: AgentEvent[] = [];
  private waiters: { test: (event: AgentEvent) => boolean; resolve: (event: AgentEvent) => void }[] = [];

  readonly push = (event: AgentEvent): void => {
    this.events.push(event);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.test(event)) return true;
      waiter.resolve(event);
      return false;
    });
  };

  of<T extends AgentEvent["type"]>(type: T): Extract<AgentEvent, { type: T }>[] {
    return this.events.filter((event): event is Extract<AgentEvent, { type: T }> => event.type === type);
  }

  types(): string[] {
    return this.events.map((event) => event.type);
  }

  /** The steps of a job's life, in order (without beats, epochs and checkpoints). */
  milestones(): string[] {
    return this.types().filter((type) => ["offer", "accepted", "dataset-fetched", "weights-uploaded", "reported"].includes(type));
  }

  /** The first event (already seen or to come) of `type` that passes `test`. */
  next<T extends AgentEvent["type"]>(
    type: T,
    test: (event: Extract<AgentEvent, { type: T }>) => boolean = () => true,
  ): Promise<Extract<AgentEvent, { type: T }>> {
    const match = (event: AgentEvent): boolean => event.type === type && test(event as Extract<AgentEvent, { type: T }>);
    const seen = this.events.find(match);
    if (seen !== undefined) return Promise.resolve(seen as Extract<AgentEvent, { type: T }>);
    return new Promise((resolve) => this.waiters.push({ test: match, resolve: resolve as (event: AgentEvent) => void }));
  }
}
