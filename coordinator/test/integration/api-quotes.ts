/** POST /v1/quotes: the price, which nodes could run the job, and why the others cannot. */
import { Keypair } from "@solana/web3.js";
import { expect } from "chai";

import { type Api, call, errorOf, QUOTE_REQUEST, registerNode, startApi } from "../harness/api-harness";

describe("api: quotes", () => {
  let api: Api;
  let client: Keypair;
  beforeEach(async () => {
    api = await startApi();
    client = Keypair.generate();
  });
  afterEach(() => api.close());

  it("prices a job with amounts as decimal strings and lines that add up", async () => {
    const reply = await call(api, "POST", "/v1/quotes", { signer: client, body: { ...QUOTE_REQUEST, priority: "high" } });
    expect(reply.status, reply.text).to.equal(201);
    const amount = reply.body.amount as string;
    expect(amount).to.match(/^[0-9]+$/);
    const lines = reply.body.breakdown as { item: string; amount: string }[];
    expect(lines.map((line) => line.item)).to.deep.equal(["compute", "priority", "platform-margin"]);
    expect(lines.reduce((sum, line) => sum + BigInt(line.amount), 0n)).to.equal(BigInt(amount));
    // high priority: the priority line equals the compute line (2× compute).
    expect(lines[1].amount).to.equal(lines[0].amount);
    expect(BigInt(reply.body.nodeAmount as string) + BigInt(reply.body.platformFee as string)).to.equal(BigInt(amount));
    expect(reply.body.expiresAt).to.equal((reply.body.createdAt as number) + 5 * 60_000);
  });

  it("keeps the quote in Redis until it expires, bound to the client", async () => {
    const reply = await call(api, "POST", "/v1/quotes", { signer: client, body: QUOTE_REQUEST });
    const key = `${api.prefix}quote:${reply.body.quoteId as string}`;
    const stored = JSON.parse((await api.redis.get(key)) as string) as { client: string; amount: string };
    expect(stored.client).to.equal(client.publicKey.toBase58());
    expect(stored.amount).to.equal(reply.body.amount);
    const ttl = await api.redis.pttl(key);
    expect(ttl)
      .to.be.greaterThan(4 * 60_000)
      .and.at.most(5 * 60_000 + 1_000);
  });

  it("prices a job allowing several GPU models at the dearest of them", async () => {
    const cheap = await call(api, "POST", "/v1/quotes", { signer: client, body: { ...QUOTE_REQUEST, gpu: { models: ["RTX_3060"] } } });
    const dear = await call(api, "POST", "/v1/quotes", {
      signer: client,
      body: { ...QUOTE_REQUEST, gpu: { models: ["rtx 3060", "A100"] } },
    });
    expect((dear.body.gpu as { priceModel: string }).priceModel).to.equal("A100");
    const compute = (reply: typeof cheap) => BigInt((reply.body.breakdown as { amount: string }[])[0].amount);
    expect(compute(dear)).to.equal(compute(cheap) * 5n);
    expect((dear.body.gpu as { allowedModels: string[] }).allowedModels).to.deep.equal(["RTX_3060", "A100"]);
  });

  it("explains that no node is registered", async () => {
    const reply = await call(api, "POST", "/v1/quotes", { signer: client, body: QUOTE_REQUEST });
    const availability = reply.body.availability as { verdict: string; reasons: string[] };
    expect(availability.verdict).to.equal("no-eligible-node");
    expect(availability.reasons).to.deep.equal(["no node is registered"]);
  });

  it("explains why no node fits: VRAM, GPU class and price, one reason per node", async () => {
    await registerNode(api, Keypair.generate(), { gpuModel: "GTX_1650", vramGb: 4 });
    await registerNode(api, Keypair.generate(), { gpuModel: "RTX_4090", vramGb: 24 });
    await registerNode(api, Keypair.generate(), { gpuModel: "RTX_3090", vramGb: 24, priceFloor: "900000000000" });
    const reply = await call(api, "POST", "/v1/quotes", {
      signer: client,
      body: { ...QUOTE_REQUEST, gpu: { minVramGb: 16, models: ["GTX_1650", "RTX_3090"] } },
    });
    expect(reply.status, reply.text).to.equal(201);
    const availability = reply.body.availability as { verdict: string; reasons: string[]; counts: Record<string, number> };
    expect(availability.verdict).to.equal("no-eligible-node");
    expect(availability.counts).to.include({ "gpu-not-allowed": 1, "vram-too-small": 1, "price-above-budget": 1, available: 0 });
    expect(availability.reasons.join("\n"))
      .to.contain("GPU not allowed")
      .and.to.contain("less VRAM than the 16 GB required")
      .and.to.contain("price floor above the budget");
  });

  it("lists the nodes that could run the job, free ones first", async () => {
    const fit = Keypair.generate();
    await registerNode(api, fit);
    const reply = await call(api, "POST", "/v1/quotes", { signer: client, body: QUOTE_REQUEST });
    const availability = reply.body.availability as {
      verdict: string;
      availableNow: number;
      candidates: { nodeId: string; nodeCost: string }[];
    };
    expect(availability.verdict).to.equal("available");
    expect(availability.availableNow).to.equal(1);
    expect(availability.candidates[0].nodeId).to.equal(fit.publicKey.toBase58());
    expect(availability.candidates[0].nodeCost).to.match(/^[0-9]+$/);
  });

  it("error: a job too large to price in a u64 is 422 AMOUNT_TOO_LARGE", async () => {
    const reply = await call(api, "POST", "/v1/quotes", {
      signer: client,
      body: { ...QUOTE_REQUEST, model: { parameters: 10 ** 13 }, dataset: { tokens: Number.MAX_SAFE_INTEGER }, epochs: 10_000 },
    });
    expect(reply.status, reply.text).to.equal(422);
    expect(errorOf(reply).code).to.equal("AMOUNT_TOO_LARGE");
  });
});
