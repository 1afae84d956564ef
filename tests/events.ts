import { expect } from "chai";
import { PublicKey } from "@solana/web3.js";

import { type EscrowEventData, jobIdToHex } from "@cyxwiz/sdk";
import { type FundedEscrow, useEscrowSuite } from "./setup";

type Created = EscrowEventData<"escrowCreatedEvent">;

describe("events over the WebSocket", () => {
  const suite = useEscrowSuite();

  it("program.addEventListener receives EscrowCreatedEvent for a new escrow", async () => {
    const { chain } = suite;
    const payer = await suite.wallet(10_000n);
    const heard: Created[] = [];
    const listener = chain.client.program.addEventListener("escrowCreatedEvent", (event) => {
      if (event.payer.equals(payer.publicKey)) heard.push(event);
    });
    try {
      // The subscription is set up asynchronously and web3.js does not say when it
      // is live, so create escrows until one is heard (at most ten, a second apart).
      const created = new Map<string, FundedEscrow>();
      for (let attempt = 0; attempt < 10 && heard.length === 0; attempt += 1) {
        const funded = await suite.createEscrow(payer, 1_000n);
        created.set(funded.escrow.toBase58(), funded);
        const deadline = Date.now() + 1_000;
        while (heard.length === 0 && Date.now() < deadline) await new Promise((wake) => setTimeout(wake, 50));
      }
      expect(heard, "no EscrowCreatedEvent arrived over the WebSocket").to.not.be.empty;

      const event = heard[0];
      const funded = created.get(event.escrow.toBase58());
      expect(funded, `event for an escrow this test did not create: ${event.escrow.toBase58()}`).to.not.equal(undefined);
      expect(jobIdToHex(Uint8Array.from(event.jobId))).to.equal(jobIdToHex(funded?.jobId ?? new Uint8Array()));
      expect(event.amount.toString()).to.equal("1000");
      expect(event.feeBps).to.equal(1_000);
      expect(event.status).to.deep.equal({ created: {} });
      const onChain = await chain.client.fetchEscrow(new PublicKey(event.escrow));
      expect(onChain?.expiresAt).to.equal(event.expiresAt.toNumber());
    } finally {
      await chain.client.program.removeEventListener(listener);
    }
  });
});
