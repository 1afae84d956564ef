/**
 * POST /v1/nodes and /v1/nodes/heartbeat: registration, the lease, latency for
 * reliability, offers delivered and accepted by heartbeat, and the cost of a beat in
 * Redis commands (counted on the ioredis client itself).
 */
import { Keypair } from "@solana/web3.js";
import { expect } from "chai";
import type Redis from "ioredis";

import { transitionOrThrow, newJobState } from "../../src/domain/job-state";
import { type Api, call, heartbeat, registerNode, startApi, submitJob } from "../harness/api-harness";

/** Counts the commands `redis` sends, by name, from now on. */
function countCommands(redis: Redis): { names: string[]; stop(): void } {
  const names: string[] = [];
  const original = redis.sendCommand.bind(redis);
  redis.sendCommand = ((...args: Parameters<Redis["sendCommand"]>) => {
    names.push(args[0].name);
    return original(...args);
  }) as Redis["sendCommand"];
  return { names, stop: () => void (redis.sendCommand = original) };
}

describe("api: nodes and heartbeats", () => {
  let api: Api;
  let node: Keypair;
  beforeEach(async () => {
    api = await startApi();
    node = Keypair.generate();
  });
  afterEach(() => api.close());

  it("registers a node under its signing key, with its class and a neutral reliability", async () => {
    const reply = await registerNode(api, node, { gpuModel: "rtx 4090", vramGb: 24, gpuCount: 2, priceFloor: "250000" });
    expect(reply.status, reply.text).to.equal(201);
    expect(reply.body).to.include({
      nodeId: node.publicKey.toBase58(),
      gpuModel: "RTX_4090",
      nodeClass: "tier4",
      gpuCount: 2,
      priceFloor: "250000",
      state: "online",
      jobId: null,
    });
    expect((reply.body.reliability as { score: number }).score).to.be.closeTo(0.5, 1e-9);
    const again = await registerNode(api, node, { priceFloor: "1" });
    expect(again.status).to.equal(200);
    expect(again.body.priceFloor).to.equal("1");
  });

  it("a heartbeat costs two Redis commands: the nonce claim and one script", async () => {
    await registerNode(api, node);
    await heartbeat(api, node); // loads the script into the server's cache
    const counter = countCommands(api.redis);
    const beats = 20;
    for (let i = 0; i < beats; i++) expect((await heartbeat(api, node)).status).to.equal(200);
    counter.stop();
    expect(counter.names.length / beats).to.be.at.most(3);
    expect(counter.names).to.deep.equal(Array.from({ length: beats }, () => ["set", "evalsha"]).flat());
  });

  it("a heartbeat that accepts an offer and reports progress still costs two commands", async () => {
    await registerNode(api, node);
    const jobId = await submitJob(api, Keypair.generate());
    await api.service.dispatcher.runOnce();
    await heartbeat(api, node);
    const counter = countCommands(api.redis);
    expect((await heartbeat(api, node, { jobId, progress: 0.1 })).body.jobStatus).to.equal("running");
    expect((await heartbeat(api, node, { jobId, progress: 0.2 })).body.jobStatus).to.equal("running");
    counter.stop();
    expect(counter.names).to.deep.equal(["set", "evalsha", "set", "evalsha"]);
  });

  it("a heartbeat renews the lease and records the node's latency for its reliability", async () => {
    await registerNode(api, node);
    api.clock.advance(1_000);
    const reply = await call(api, "POST", "/v1/nodes/heartbeat", { signer: node, body: {}, signedAt: api.clock.now() - 250 });
    expect(reply.status, reply.text).to.equal(200);
    expect(reply.body).to.deep.equal({ nextBeatInMs: 1_000, offer: null, cancel: null, jobStatus: null });
    const key = `${api.prefix}node:${node.publicKey.toBase58()}`;
    expect(await api.redis.hmget(key, "lastSeen", "beats", "latencySumMs", "latencySamples")).to.deep.equal([
      String(api.clock.now()),
      "1",
      "250",
      "1",
    ]);
    expect(await api.redis.zscore(`${api.prefix}nodes:lease`, node.publicKey.toBase58())).to.equal(String(api.clock.now()));
    const registered = await registerNode(api, node);
    const parts = (registered.body.reliability as { parts: { latency: number } }).parts;
    expect(parts.latency, "one 250 ms sample: (20 × 0.5 + 0.5) / 21").to.be.closeTo(10.5 / 21, 1e-9);
  });

  it("a heartbeat carries the offer, and naming its job accepts it exactly as the domain's accept", async () => {
    await registerNode(api, node);
    const client = Keypair.generate();
    const jobId = await submitJob(api, client);
    await api.service.dispatcher.runOnce();
    expect(api.settlement.locks.map((lock) => [lock.ref.jobId, lock.node])).to.deep.equal([[jobId, node.publicKey.toBase58()]]);

    const offered = await heartbeat(api, node);
    const offer = offered.body.offer as Record<string, unknown>;
    expect(offer).to.include({ jobId, datasetCid: "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi" });
    expect(offer.config).to.deep.equal({ lr: 0.001 });
    expect(offer.payment).to.match(/^[0-9]+$/);

    api.clock.advance(500);
    const accepted = await heartbeat(api, node, { jobId, progress: 0.25 });
    expect(accepted.body).to.include({ offer: null, jobStatus: "running" });
    const job = await call(api, "GET", `/v1/jobs/${jobId}`, { signer: client });
    expect(job.body).to.include({ status: "running", nodeId: node.publicKey.toBase58(), progress: 0.25 });

    // The stored timeline is the domain state machine's, event for event.
    const history = job.body.history as { at: number }[];
    let expected = newJobState(jobId, history[0].at, 3);
    expected = transitionOrThrow(expected, { type: "offer", nodeId: node.publicKey.toBase58(), at: history[1].at });
    expected = transitionOrThrow(expected, { type: "accept", nodeId: node.publicKey.toBase58(), at: history[2].at });
    expect(history).to.deep.equal(expected.history);
  });

  it("heartbeats are counted in /metrics", async () => {
    await registerNode(api, node);
    await heartbeat(api, node);
    await heartbeat(api, Keypair.generate());
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).to.match(/cyxwiz_heartbeats_total\{outcome="ok"\} 1/);
    expect(metrics).to.match(/cyxwiz_heartbeats_total\{outcome="unknown-node"\} 1/);
    expect(metrics).to.match(/cyxwiz_nodes_online 1/);
  });
});
